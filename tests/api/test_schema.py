"""The OpenAPI document: valid, warning-free, and covering every route of docs/api.md."""

import pytest
from django.core.management import call_command

# Routes of docs/api.md, as (method, path) in the schema's spelling (tests/test_docs.py
# holds the doc's route tables equal to the schema, both ways).
API_MD_ROUTES = [
    ("get", "/api/v1/numbers/"),
    ("get", "/api/v1/numbers/{e164}/"),
    ("patch", "/api/v1/numbers/{e164}/"),
    ("delete", "/api/v1/numbers/{e164}/"),
    ("post", "/api/v1/numbers/{e164}/assign/"),
    ("post", "/api/v1/numbers/{e164}/unassign/"),
    ("post", "/api/v1/numbers/{e164}/release/"),
    ("post", "/api/v1/numbers/{e164}/reserve/"),
    ("get", "/api/v1/numbers/{e164}/history/"),
    ("post", "/api/v1/numbers/bulk/"),
    ("get", "/api/v1/numbers/export.csv"),
    ("get", "/api/v1/numbers/export.xlsx"),
    ("get", "/api/v1/numbers/export.pdf"),
    ("get", "/api/v1/numbers/at/"),
    ("post", "/api/v1/imports/"),
    ("post", "/api/v1/imports/{id}/commit/"),
    ("get", "/api/v1/imports/"),
    ("get", "/api/v1/imports/{id}/"),
    ("get", "/api/v1/imports/{id}/errors.csv"),
    ("get", "/api/v1/imports/template.csv"),
    ("get", "/api/v1/accounts/"),
    ("post", "/api/v1/accounts/"),
    ("get", "/api/v1/accounts/{id}/"),
    ("patch", "/api/v1/accounts/{id}/"),
    ("delete", "/api/v1/accounts/{id}/"),
    ("get", "/api/v1/accounts/{id}/inventory/"),
    ("get", "/api/v1/targets/"),
    ("post", "/api/v1/targets/"),
    ("get", "/api/v1/targets/{id}/"),
    ("get", "/api/v1/carriers/"),
    ("post", "/api/v1/carriers/"),
    ("get", "/api/v1/sms-profiles/"),
    ("post", "/api/v1/sms-profiles/"),
    ("get", "/api/v1/calling-profiles/"),
    ("post", "/api/v1/calling-profiles/"),
    ("get", "/api/v1/platform-links/"),
    ("post", "/api/v1/platform-links/"),
    ("post", "/api/v1/platform-links/{id}/consent/"),
    ("post", "/api/v1/platform-links/{id}/resync/"),
    ("post", "/api/v1/call-events/"),
    ("get", "/api/v1/events/"),
    ("get", "/api/v1/tokens/"),
    ("post", "/api/v1/tokens/"),
    ("delete", "/api/v1/tokens/{id}/"),
]


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


@pytest.mark.parametrize(("method", "path"), API_MD_ROUTES)
def test_every_route_of_api_md_is_documented(schema, method, path):
    assert path in schema["paths"], f"{path} is not in the schema"
    assert method in schema["paths"][path], f"{method.upper()} {path} is not in the schema"


def test_every_operation_documents_problem_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            if {} in operation.get("security", []):
                continue  # open to everyone (the sample file): no 401 to document
            problems = [
                status
                for status, response in operation["responses"].items()
                if "application/problem+json" in response.get("content", {})
            ]
            assert "401" in problems, f"{method.upper()} {path} lacks its 401 problem"


def test_number_filters_and_enums_are_documented(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/numbers/"]["get"]["parameters"]}
    for name in ("q", "search", "owner", "state", "pattern", "limit", "cursor", "ordering"):
        assert name in parameters
    assert "available_voice" in parameters["search"]["schema"]["enum"]
    states = schema["components"]["schemas"]["NumberStateEnum"]["enum"]
    assert set(states) >= {"available", "reserved", "assigned", "aging", "porting_in"}


def test_docs_page_is_served_from_the_sidecar(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
