"""Every API app has one URL namespace, named ``<app>_api``."""

from django.urls import get_resolver


def test_every_api_app_has_a_namespace_named_after_it():
    api = next(
        pattern for pattern in get_resolver().url_patterns if str(pattern.pattern) == "api/v1/"
    )
    namespaces = {include.namespace for include in api.url_patterns}
    assert namespaces == {
        "accounts_api",
        "exports_api",
        "imports_api",
        "numbers_api",
        "ops_api",
        "sync_api",
    }
