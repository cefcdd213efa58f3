"""Signed webhooks (Standard Webhooks) for long work that finishes: see docs/webhooks.md."""
