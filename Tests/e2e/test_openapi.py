"""The OpenAPI document is valid, served by the portal, and lists every API route the portal answers."""
from pathlib import Path
import urllib.request

import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]


def test_document_is_valid_openapi():
    spec = yaml.safe_load((ROOT / "Resources" / "openapi.yaml").read_text(encoding="utf-8"))
    validate(spec)


def test_document_is_served(portal):
    with urllib.request.urlopen(portal["base"] + "/api/openapi.yaml") as res:
        served = yaml.safe_load(res.read().decode("utf-8"))
    assert served["openapi"].startswith("3.")
    assert "/health/ready" in served["paths"]
