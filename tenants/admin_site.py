"""The admin site: platform operators see everything; a tenant's staff see only their tenant.

Every ModelAdmin registered here derives from ``VerityModelAdmin``: it filters only by what it
declares, so a URL such as ``?secret_hash__startswith=ab`` cannot probe a column the list does not
offer, and a secret made while adding an object is shown once on a page of its own, never in a
message (messages travel in cookies and sessions).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from config.errors import DomainError

# The query parameters Django's own list filters produce for a field path (see admin/filters.py).
_FILTER_SUFFIXES = ("", "__exact", "__isnull", "__gte", "__lt", "__isempty")
_DATE_HIERARCHY_SUFFIXES = ("__year", "__month", "__day")
_PENDING_DEVICE = "verity_2fa_pending_device"


@dataclass(frozen=True)
class ShownOnce:
    """A secret to show once, right after the object it belongs to was added."""

    title: str
    label: str
    secret: str
    note: str


@contextmanager
def domain_errors_as_form_errors() -> Iterator[None]:
    """Re-raise a service's refusal as a ``ValidationError`` with the problem's detail and code."""
    try:
        yield
    except DomainError as exc:
        raise ValidationError(exc.detail, code=exc.code) from exc


def chart_bars(rows: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """Label, value and width (percent of the largest) of each bar of a chart (admin/verity/bar_chart.html)."""
    rows = list(rows)
    largest = max((value for _, value in rows), default=0) or 1
    return [{"label": label, "value": value, "width": round(100 * value / largest, 1)} for label, value in rows]


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
            path("2fa/verify/", self.two_factor_verify, name="two_factor_verify"),
            path("2fa/setup/", self.two_factor_setup, name="two_factor_setup"),
        ]
        return own + super().get_urls()

    def _has_place(self, request: HttpRequest) -> bool:
        """An active staff user with a tenant, or an operator: who may use the admin after 2FA."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return bool(user.is_superuser or getattr(request, "membership", None))

    def has_permission(self, request: HttpRequest) -> bool:
        from tenants.two_factor import second_factor_satisfied

        return self._has_place(request) and second_factor_satisfied(request.user)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # Signed in with a password but not past the second factor: on to it, not to the password form.
        if self._has_place(request) and not self.has_permission(request):
            return self._redirect(request, "two_factor_verify")
        return super().login(request, extra_context)

    def _next_url(self, request: HttpRequest) -> str:
        target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
        safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
        return target if safe else reverse("admin:index", current_app=self.name)

    def _redirect(self, request: HttpRequest, view: str) -> HttpResponseRedirect:
        """To another step of signing in, keeping where the user was going."""
        url = reverse(f"admin:{view}", current_app=self.name)
        return HttpResponseRedirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: self._next_url(request)})}")

    def _render_no_store(self, request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        context = {**self.each_context(request), "next": self._next_url(request), **context}
        response = TemplateResponse(request, f"admin/verity/{template}", context)
        add_never_cache_headers(response)
        return response

    def _passed(self, request: HttpRequest, device: Any) -> None:
        from django_otp import login as otp_login

        request.session.cycle_key()  # a new session id for the more privileged session
        otp_login(request, device)

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def two_factor_verify(self, request: HttpRequest) -> HttpResponse:
        """The second step of signing in: a code from the authenticator, or a recovery code."""
        from django_otp import user_has_device

        from tenants.two_factor import second_factor_verify

        if not self._has_place(request):
            return self._redirect(request, "login")
        if self.has_permission(request):
            return HttpResponseRedirect(self._next_url(request))
        if request.method == "POST" and "cancel" in request.POST:
            auth_logout(request)
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        if not user_has_device(request.user):
            return self._redirect(request, "two_factor_setup")
        error = None
        if request.method == "POST":
            device = second_factor_verify(request=request, user=request.user, token=request.POST.get("code", ""))
            if device is not None:
                self._passed(request, device)
                return HttpResponseRedirect(self._next_url(request))
            error = "That code was not accepted. Wait a moment before trying again."
        return self._render_no_store(request, "two_factor_verify.html", {"title": "Two-factor check", "error": error})

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def two_factor_setup(self, request: HttpRequest) -> HttpResponse:
        """Enrol an authenticator (replacing an earlier one only after passing it) and get recovery codes."""
        from django_otp import user_has_device

        from tenants.two_factor import (
            is_verified,
            pending_authenticator,
            totp_enrolment_confirm,
            totp_enrolment_start,
        )

        user = request.user
        if not self._has_place(request):
            return self._redirect(request, "login")
        if user_has_device(user) and not is_verified(user):
            return self._redirect(request, "two_factor_verify")  # prove the old factor first
        pending = None
        if request.method == "POST":
            pending = pending_authenticator(user=user, device_id=request.session.get(_PENDING_DEVICE, 0))
        if pending is None:
            pending = totp_enrolment_start(user=user)
            request.session[_PENDING_DEVICE] = pending.device.pk
            error = None
        else:
            codes = totp_enrolment_confirm(
                request=request, user=user, device=pending.device, token=request.POST.get("code", "")
            )
            if codes is not None:
                del request.session[_PENDING_DEVICE]
                self._passed(request, pending.device)
                return self._render_no_store(
                    request, "recovery_codes.html", {"title": "Your recovery codes", "codes": codes}
                )
            error = "That code was not accepted. Check the time on your phone and try the next code."
        context: dict[str, Any] = {"title": "Set up two-factor sign-in", "pending": pending, "error": error}
        return self._render_no_store(request, "two_factor_setup.html", context)

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


class VerityAdminConfig(AdminConfig):
    default_site = "tenants.admin_site.VerityAdminSite"
