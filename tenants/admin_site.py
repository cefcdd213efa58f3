"""The admin site: platform operators see everything; a tenant's staff see only their tenant.

Every ModelAdmin registered here derives from ``VerityModelAdmin``: it filters only by what it
declares, so a URL such as ``?secret_hash__startswith=ab`` cannot probe a column the list does not
offer, and a secret made while adding an object is shown once on a page of its own, never in a
message (messages travel in cookies and sessions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.cache import add_never_cache_headers

# The query parameters Django's own list filters produce for a field path (see admin/filters.py).
_FILTER_SUFFIXES = ("", "__exact", "__isnull", "__gte", "__lt", "__isempty")
_DATE_HIERARCHY_SUFFIXES = ("__year", "__month", "__day")


@dataclass(frozen=True)
class ShownOnce:
    """A secret to show once, right after the object it belongs to was added."""

    title: str
    label: str
    secret: str
    note: str


def show_once(request: HttpRequest, shown: ShownOnce) -> None:
    """Hand a secret from ``save_model`` to ``response_add`` within this request only."""
    request.verity_shown_once = shown  # type: ignore[attr-defined]


class VerityModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Allows a changelist lookup only when a declared list filter or the date hierarchy makes it.

    Django's default allows any lookup on the model's own columns, hashes and secrets included.
    ``extra_lookups`` names further lookups an admin offers on purpose (e.g. a time range).
    """

    extra_lookups: ClassVar[frozenset[str]] = frozenset()

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup in self.declared_lookups(request)

    def declared_lookups(self, request: HttpRequest | None) -> set[str]:
        allowed = set(self.extra_lookups)
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                allowed.add(str(item.parameter_name))
                continue
            path = item[0] if isinstance(item, list | tuple) else item
            if not isinstance(path, str):
                continue
            allowed.update(path + suffix for suffix in _FILTER_SUFFIXES)
            target = getattr(get_fields_from_path(self.model, path)[-1], "target_field", None)
            if target is not None:
                allowed.add(f"{path}{LOOKUP_SEP}{target.name}__exact")
        if self.date_hierarchy:
            allowed.update(self.date_hierarchy + suffix for suffix in _DATE_HIERARCHY_SUFFIXES)
        return allowed

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        shown: ShownOnce | None = getattr(request, "verity_shown_once", None)
        if shown is None:
            return super().response_add(request, obj, post_url_continue)
        opts = self.opts
        changelist = f"admin:{opts.app_label}_{opts.model_name}_changelist"
        context = {
            **self.admin_site.each_context(request),
            "title": shown.title,
            "shown": shown,
            "opts": opts,
            "next_url": reverse(changelist, current_app=self.admin_site.name),
        }
        response = TemplateResponse(request, "admin/verity/shown_once.html", context)
        add_never_cache_headers(response)
        return response


class VerityAdminSite(admin.AdminSite):
    site_header = "Verity"
    site_title = "Verity admin"
    index_title = "Administration"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        # Third-party admins (auth, django-otp) get the same lookup restriction as ours.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, VerityModelAdmin):
            admin_class = type(admin_class.__name__, (VerityModelAdmin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        own = [
            path("password/set/<uidb64>/<token>/", self.password_set, name="password_set"),
            path("password/set/done/", self.password_set_done, name="password_set_done"),
        ]
        return own + super().get_urls()

    def password_set(self, request: HttpRequest, uidb64: str, token: str) -> HttpResponseBase:
        """Where a new staff user's one-time link (tenants.staff.set_password_path) leads."""
        from django.contrib.auth.views import PasswordResetConfirmView  # this module loads before the models

        view = PasswordResetConfirmView.as_view(
            success_url=reverse("admin:password_set_done", current_app=self.name),
            extra_context=self.each_context(request),
        )
        return view(request, uidb64=uidb64, token=token)

    def password_set_done(self, request: HttpRequest) -> HttpResponseBase:
        from django.contrib.auth.views import PasswordResetCompleteView

        return PasswordResetCompleteView.as_view(extra_context=self.each_context(request))(request)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return bool(user.is_superuser or getattr(request, "membership", None))


class VerityAdminConfig(AdminConfig):
    default_site = "tenants.admin_site.VerityAdminSite"
