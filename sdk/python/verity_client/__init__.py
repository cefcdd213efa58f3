"""Verity's Python client: the layer generated from the API schema (``verity_client.generated``) and a thin
hand-written one over it (``Verity``, ``verity_client.webhooks``)."""

from verity_client.client import ApiError, Retries, Verity

__all__ = ["ApiError", "Retries", "Verity"]
