"""GET /v1/tenant: the caller's own tenant and its effective thresholds."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit.redaction import register_action
from config.api.serializers import ResourceOutput
from config.api.views import ApiView
from tenants.authentication import api_key_of
from tenants.selectors import tenant_describe

GET_TENANT = register_action("tenants:GetTenant")  # no parameters to keep


class TenantOutput(ResourceOutput):
    id = serializers.CharField(source="public_id")
    slug = serializers.CharField()
    name = serializers.CharField()
    account_id = serializers.CharField()
    region = serializers.CharField()
    status = serializers.CharField()
    shard_count = serializers.IntegerField()
    thresholds = serializers.DictField(child=serializers.FloatField())


class TenantView(ApiView):
    policy_actions = {"GET": GET_TENANT}

    @extend_schema(responses={200: TenantOutput})
    def get(self, request: Request) -> Response:
        return Response(TenantOutput(tenant_describe(api_key_of(request).tenant)).data)
