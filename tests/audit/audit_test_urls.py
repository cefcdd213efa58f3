"""The project's URLs plus the audit API under /v1/, for the audit API tests.

The lead includes audit.urls in config/urls.py; until then (and harmlessly after) these tests
route to it themselves.
"""

from django.urls import include, path

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("v1/", include("audit.urls")), *project_urlpatterns]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
