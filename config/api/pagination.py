"""Cursor pagination for every list endpoint (stable under inserts, opaque cursors)."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination, serializers
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


def page_of(item_serializer: type[serializers.Serializer[Any]]) -> type[serializers.Serializer[Any]]:
    """The documented shape of one page of ``item_serializer`` items."""

    class Page(serializers.Serializer[Any]):
        next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one.")
        previous = serializers.URLField(allow_null=True)
        results = item_serializer(many=True)

    Page.__name__ = f"{item_serializer.__name__.removesuffix('Output')}Page"
    return Page
