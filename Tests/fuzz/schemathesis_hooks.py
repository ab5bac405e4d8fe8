"""Schemathesis hooks for the contract run (schemathesis_run.py): who the run signs in as.

The token of a demo staff account (SCHEMATHESIS_WHO: `officer` or `super_admin`) on every call of the portal's
own API. Calls that end the caller's session (`POST /api/v1/logout`, `DELETE /api/v1/me/sessions/{id}`,
`POST /api/v1/me/password`) get a session of their own, so that ending it does not end the run's. Each token is
checked (`GET /api/v1/me`) before it is handed out and signed in anew when it no longer works, as a client would.
The single sign-on endpoints authenticate clients, not people: they get no token."""
import os
import sys
import threading
from pathlib import Path

import schemathesis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402

PORT = int(os.environ["SCHEMATHESIS_PORTAL_PORT"])
GATEWAY = harness.RemoteGateway(os.environ["SCHEMATHESIS_GATEWAY_URL"])
WHO = {"officer": harness.DESK_OFFICER, "super_admin": harness.SUPER_ADMIN}[os.environ["SCHEMATHESIS_WHO"]]
ENDS_SESSION = {("POST", "/api/v1/logout"), ("DELETE", "/api/v1/me/sessions/{id}"), ("POST", "/api/v1/me/password")}

_lock = threading.Lock()
_tokens = {}
signed_in = [0]


def _token(kind):
    with _lock:
        token = _tokens.get(kind)
        if token is not None:
            status, _ = harness.call(PORT, "GET", "/api/v1/me", token=token)
            if status == 200:
                return token
        token = harness.sign_in_staff(PORT, GATEWAY, WHO)
        signed_in[0] += 1
        _tokens[kind] = token
        return token


@schemathesis.auth(refresh_interval=None, retry_on=[]).apply_to(path_regex=r"^/api/v1/")
class StaffToken:
    def get(self, case, context):
        kind = "own" if (case.method.upper(), case.path) in ENDS_SESSION else "run"
        return _token(kind)

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# What a request well-formed by the document may still be refused for with 422, operation by operation: the
# rules the document states in words because a schema cannot (an ID number's province code and birth year, a
# name's letters, a mobile network's prefix, the password rules, a wrong or spent code, a unit that is not
# one-stop). schemathesis.toml lets these operations answer 422 to such a request; this check holds each of
# those answers to its operation's rules: the error code must be one of them, and a `validation_failed` may
# name only these fields. Any other 422 to a well-formed request fails the run.
PERSON = {"idNumber", "fullName", "dateOfBirth", "phone", "email"}
OTP = {"otp_invalid", "otp_exhausted", "otp_expired"}
DOCUMENTED_REFUSALS = {
    ("POST", "/api/v1/registrations"): ({"validation_failed", "human_check_failed"}, PERSON | {"humanCheck"}),
    ("POST", "/api/v1/registrations/{id}/verify"): (OTP, {"code"}),
    ("POST", "/api/v1/registrations/{id}/complete"): ({"validation_failed", "completion_token_invalid"}, {"password", "completionToken"}),
    ("POST", "/api/v1/login"): ({"validation_failed"}, {"username"}),
    ("POST", "/api/v1/login/{id}/verify"): (OTP, {"code"}),
    ("POST", "/api/v1/password-resets"): ({"validation_failed", "human_check_failed"}, {"username", "humanCheck"}),
    ("POST", "/api/v1/password-resets/{id}/complete"): (OTP | {"validation_failed"}, {"code", "newPassword"}),
    ("POST", "/api/v1/me/password"): ({"validation_failed"}, {"currentPassword", "newPassword"}),
    ("GET", "/api/v1/admin/citizen-accounts/lookup"): ({"validation_failed"}, {"idNumber"}),
    ("POST", "/api/v1/admin/citizen-accounts/drafts"): ({"validation_failed"}, PERSON | {"unitId", "idScan"}),
    ("PATCH", "/api/v1/admin/citizen-accounts/drafts/{id}"): ({"validation_failed"}, PERSON | {"unitId"}),
    ("POST", "/api/v1/admin/citizen-accounts/drafts/{id}/create"): (OTP, {"code"}),
    ("POST", "/api/v1/admin/citizen-accounts/{accountId}/password-reissue"): (OTP, {"code"}),
    ("POST", "/api/v1/rights-requests"): ({"validation_failed"}, {"unitId", "position"}),
    ("POST", "/api/v1/admin/rights-requests/{id}/approve"): ({"validation_failed"}, {"reason"}),
    ("POST", "/api/v1/admin/rights-requests/{id}/refuse"): ({"validation_failed"}, {"reason"}),
    ("POST", "/api/v1/admin/units"): ({"validation_failed"}, {"name", "code", "parentId"}),
    ("PATCH", "/api/v1/admin/units/{id}"): ({"validation_failed"}, {"name", "code", "parentId"}),
    ("POST", "/api/v1/admin/units/{id}/staff"): ({"validation_failed", "account_not_found"}, {"idNumber", "roles"}),
}


@schemathesis.check
def refusals_of_well_formed_requests_follow_the_documented_rules(ctx, response, case):
    meta = getattr(case, "meta", None)
    if response.status_code != 422 or meta is None or not meta.generation.mode.is_positive:
        return None
    rule = DOCUMENTED_REFUSALS.get((case.method.upper(), case.path))
    body = response.json()
    error = body.get("error", {}) if isinstance(body, dict) else {}
    if rule is None:
        raise AssertionError(f"422 {error.get('code')} to a request the document allows, on an operation with no rule beyond its schema")
    codes, fields = rule
    if error.get("code") not in codes:
        raise AssertionError(f"422 {error.get('code')} is none of this operation's documented refusals {sorted(codes)}")
    named = set((error.get("fields") or {}).keys())
    if not named <= fields:
        raise AssertionError(f"422 names {sorted(named - fields)}, whose schema should have ruled the value out")
    return True
