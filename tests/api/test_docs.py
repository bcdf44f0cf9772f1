"""The OpenAPI schema and the interactive documentation, served without a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_schema_is_openapi_3_with_every_endpoint(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for name in [
        "strategies",
        "goals",
        "sub-measures",
        "units",
        "indicators",
        "targets",
        "indicator-values",
        "plans",
        "actions",
        "tertial-reports",
        "tertial-rounds",
        "imports",
    ]:
        assert f"/api/v1/{name}/" in paths
    for transition in ["approve", "return"]:
        operation = schema["paths"][f"/api/v1/tertial-reports/{{id}}/{transition}/"]["post"]
        assert "If-Match" in [p["name"] for p in operation.get("parameters", [])]
    assert "/api/v1/tertial-rounds/{id}/" in paths
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    # Error responses are part of the contract.
    assert set(schema["paths"]["/api/v1/actions/{id}/"]["patch"]["responses"]) >= {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "428",
        "429",
    }


@pytest.mark.django_db
def test_docs_page_uses_vendored_assets_only(client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
    scripts = [a for a in assets if a.endswith(".js")]
    assert any("swagger-ui" in a for a in scripts)
    for asset in scripts:
        path = asset.split("/static/", 1)[1]
        assert finders.find(path), f"{path} is not a static file of the app"


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client) -> None:
    response = client.post("/api/v1/no-such-thing/1.5/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
