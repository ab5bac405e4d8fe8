#!/usr/bin/env bash
# Installs the system packages the tests use, when missing: PostgreSQL 15, Chromium and its driver,
# poppler-utils (pdftotext), fonts for the request form, selenium for the browser tests, and Authlib (with
# joserfc) and requests for the single sign-on tests' relying party, pyop for the stand-in e-ID provider, and
# axe-core 4.x for the accessibility tests (from the axe-playwright-python wheel, cached in .build/axe).
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${need[@]}" >/dev/null
fi
python3 -c 'import selenium' 2>/dev/null || pip install -q selenium
python3 -c 'import pytest' 2>/dev/null || pip install -q pytest
python3 -c 'import openapi_spec_validator' 2>/dev/null || pip install -q openapi-spec-validator
python3 -c 'import requests' 2>/dev/null || pip install -q requests
# The API against its OpenAPI document (Tests/fuzz/schemathesis_run.py); the version its settings were written for.
python3 -c 'import schemathesis, sys; sys.exit(schemathesis.__version__ != "4.32.5")' 2>/dev/null || pip install -q 'schemathesis==4.32.5'
python3 -c 'import sys, authlib, joserfc; sys.exit(tuple(map(int, authlib.__version__.split(".")[:2])) < (1, 6))' 2>/dev/null \
  || pip install -q 'authlib>=1.6' joserfc
python3 -c 'import pyop, jwkest, Cryptodome' 2>/dev/null || pip install -q 'pyop>=3.4'
axe="$(cd "$(dirname "$0")/.." && pwd)/.build/axe/axe.min.js"
if [ ! -s "$axe" ]; then
  tmp=$(mktemp -d)
  pip download -q --no-deps axe-playwright-python -d "$tmp"
  mkdir -p "$(dirname "$axe")"
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("axe_playwright_python/axe.min.js"))' \
    "$tmp"/axe_playwright_python-*.whl "$axe"
  rm -rf "$tmp"
fi
