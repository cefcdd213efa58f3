"""Verity's Python client: the layer generated from the API schema (``verity_client.generated``)."""
