"""Cursor pagination for every list endpoint (stable under inserts, opaque cursors)."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import NotFound

from config.errors import InvalidInput


class CursorPagination(pagination.CursorPagination):
    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request: Any) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise InvalidInput("The cursor is not valid.", code="invalid_cursor") from exc
