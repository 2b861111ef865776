"""Bench URLconf: the project's URLs plus the limit probes (installed with override_settings(ROOT_URLCONF=...))."""

from django.urls import include, path

from bench.lean import hello, lean_caseload

urlpatterns = [
    path("__bench__/w2/file-active-lean/", lean_caseload, name="bench-w2-lean"),
    path("__bench__/hello/", hello, name="bench-hello"),
    path("", include("config.urls")),
]
