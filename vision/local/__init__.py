"""Compute core of the local Rekognition-compatible endpoint: offline models shipped in PyPI wheels.

Pure Python (no Django, no HTTP). Each module returns dicts shaped like Rekognition's
responses; the endpoint wraps them in the JSON protocol.
"""
