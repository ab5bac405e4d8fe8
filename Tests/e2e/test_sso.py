"""Single sign-on end to end: the portal as an OpenID Connect provider, driven by Authlib as the relying party
and by a headless Chromium through the portal's own pages (sign-in with the password and the SMS code from the
fake gateway, consent, logout), on SQLite and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL database.

One portal server per database for the whole module; every test registers the clients it needs with
`portal oidc-client add`, so that consent and grants of one test never meet another's. The test relying party
(Tests/harness/oidc_rp.py) receives the redirects, the back-channel logout tokens, and serves its JWKS. ID tokens,
access tokens and logout tokens are verified with Authlib against the provider's published JWKS.

The flow tests' browser does not enforce the portal's Content-Security-Policy; one test checks the policy in a
browser that does.
"""
import base64
import itertools
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import harness, make_driver, shot
from test_citizen import fill

import oidc_rp  # Tests/harness, on the path through conftest
from oidc_rp import RelyingParty

CITIZEN = ("033060000011", "+84912000011")          # Nguyễn Văn An, born 1960-10-10
UNIT_ADMIN = ("033182000002", "+84912000002")       # Trần Thị Lan
MEMBER = ("033195000008", "+84912000008")           # Bùi Thị Thu: changes her password below
NO_UNIT = ("033193000006", "+84912000006")          # Vũ Thị Mai: has a session ended from another below
NEW_PASSWORD = "Xanh#Bien2031lan"
ACR = "urn:vn:portal:acr:password-sms"

# Limits high enough for a module that signs in some twenty times per database from one address and phone.
SETTINGS = {
    "OTP_MAX_PER_HOUR": "1000",
    "OTP_MAX_PER_DAY": "10000",
    "OTP_RESEND_SECONDS": "0",
    "RATE_LIMIT_PER_IP_PER_HOUR": "100000",
    "LOG_LEVEL": "warning",
}


# ---------------------------------------------------------------------------------------------------------
# The provider under test, one per database


class Provider:
    """A running portal as the OpenID provider: its discovery document and keys, client registration with the
    command, Authlib sessions for the clients, and the browser steps of an authorization."""

    def __init__(self, kind, server, gateway, rp, database_url):
        self.kind, self.server, self.gateway, self.rp, self.database_url = kind, server, gateway, rp, database_url
        self.base = server.base
        self.issuer = server.base
        self.metadata = requests.get(self.base + "/.well-known/openid-configuration", timeout=10).json()
        self.jwks = requests.get(self.metadata["jwks_uri"], timeout=10).json()
        self.serial = itertools.count(1)

    # -- clients

    def register(self, label, auth="client_secret_basic", scopes="openid profile", trusted=False, alg=None,
                 post_logout=False, backchannel=False, extra_redirects=()):
        name = f"{label}-{next(self.serial)}"
        redirect = self.rp.callback_uri(name)
        args = [self.server.binary, "oidc-client", "add", "--name", f"Hệ thống thử {name}", "--redirect-uri", redirect,
                "--scopes", scopes, "--auth", auth]
        for uri in extra_redirects:
            args += ["--redirect-uri", uri]
        if post_logout:
            args += ["--post-logout-redirect-uri", self.rp.post_logout_uri(name)]
        if backchannel:
            args += ["--backchannel-logout-uri", self.rp.backchannel_uri(name)]
        if auth == "private_key_jwt":
            args += ["--jwks-uri", self.rp.jwks_uri]
        if alg:
            args += ["--id-token-alg", alg]
        if trusted:
            args.append("--trusted")
        done = subprocess.run(args, cwd=harness.ROOT, env=self.server.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"oidc-client add failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        client_id = re.search(r"client_id: (\S+)", done.stdout)
        assert client_id, done.stdout
        secret = re.search(r"client_secret: (\S+)", done.stdout)
        if auth in ("client_secret_basic", "client_secret_post"):
            assert secret, f"a {auth} client is given a secret: {done.stdout}"
        else:
            assert not secret, f"a {auth} client has no secret: {done.stdout}"
        return {"name": name, "client_id": client_id.group(1), "secret": secret.group(1) if secret else None, "auth": auth,
                "redirect_uri": redirect, "post_logout_uri": self.rp.post_logout_uri(name), "alg": alg or "RS256",
                "key": self.rp.key if auth == "private_key_jwt" else None, "trusted": trusted}

    def session(self, client, scope="openid profile"):
        return oidc_rp.session_for(self.metadata, client, scope, client["redirect_uri"])

    # -- the authorization request

    def request(self, client, scope="openid profile", pkce=True, **params):
        """An authorization request made by Authlib: the URL, with its state, nonce and PKCE verifier."""
        session = self.session(client, scope)
        nonce = secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(48) if pkce else None
        url, state = session.create_authorization_url(self.metadata["authorization_endpoint"], nonce=nonce,
                                                      code_verifier=verifier, **params)
        return Attempt(self, client, session, url, state, nonce, verifier, scope)

    def without_browser(self, url):
        """The authorization endpoint's answer to a browser with no cookies: (status, Location or None, body)."""
        r = requests.get(url, allow_redirects=False, timeout=15)
        return r.status_code, r.headers.get("Location"), r.text

    # -- tokens

    def introspect(self, client, token):
        r = self.session(client).introspect_token(self.metadata["introspection_endpoint"], token=token)
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def userinfo(self, access_token):
        return requests.get(self.metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}, timeout=10)

    def assert_inactive(self, client, *tokens):
        for token in tokens:
            assert self.introspect(client, token) == {"active": False}, token[:20]

    # -- the database behind it, for what a test cannot wait for

    def execute(self, sql):
        if self.kind == "sqlite":
            path = self.database_url.split("sqlite://", 1)[1]
            conn = sqlite3.connect(path, timeout=30)
            try:
                conn.execute(sql)
                conn.commit()
            finally:
                conn.close()
        else:
            harness.run_sql(self.database_url, sql)


class Attempt:
    """One authorization request and what came of it."""

    def __init__(self, provider, client, session, url, state, nonce, verifier, scope):
        self.provider, self.client, self.session = provider, client, session
        self.url, self.state, self.nonce, self.verifier, self.scope = url, state, nonce, verifier, scope
        self.steps, self.callback_url, self.query, self.consent_text = [], None, None, None

    @property
    def code(self):
        return self.query.get("code")

    def tokens(self):
        """The code exchanged by Authlib (which checks the callback's state first)."""
        return self.session.fetch_token(self.provider.metadata["token_endpoint"], authorization_response=self.callback_url,
                                        code_verifier=self.verifier)

    def id_token(self, tokens, alg=None):
        claims, header = oidc_rp.verify_id_token(tokens["id_token"], self.provider.jwks, self.provider.issuer,
                                                 self.client["client_id"], self.nonce, tokens["access_token"],
                                                 alg=alg or self.client["alg"])
        return claims, header


def submit(d, button_id, timeout=15):
    """Clicks and waits for the next page (as test_citizen.submit, polling every 50 ms)."""
    click_and_wait(d, d.find_element(By.ID, button_id), timeout)


def click_and_wait(d, element, timeout=15):
    old = d.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(d, timeout, poll_frequency=0.05).until(left)
    WebDriverWait(d, timeout, poll_frequency=0.05).until(lambda drv: drv.execute_script("return document.readyState") == "complete")


def page_state(d, callback_prefix):
    if d.current_url.startswith(callback_prefix):
        return "callback"
    for element_id, state in (("login-form", "login"), ("consent-form", "consent"), ("otp-form", "code"),
                              ("sso-logout-form", "logout")):
        if d.find_elements(By.ID, element_id):
            return state
    return "other"


def sign_in(d, gateway, who, password=harness.DEMO_PASSWORD, wait=True):
    """The portal's sign-in pages: the password, then the SMS code the fake gateway received. With wait=False
    the code is sent without waiting for the page that follows."""
    id_number, phone = who
    wait_for(d, "login-form")
    fill(d, "username", id_number)
    fill(d, "password", password)
    before = gateway.mark()
    submit(d, "login-submit")
    wait_for(d, "otp-form")
    fill(d, "code", gateway.latest_code(phone, after=before))
    if wait:
        submit(d, "otp-submit")
    else:
        d.find_element(By.ID, "otp-submit").click()


def authorize(d, attempt, who=None, consent="allow", max_steps=5):
    """Opens the authorization URL in the browser and goes through whatever the portal asks (sign-in, consent)
    until the browser is back at the client. Records the steps, the callback URL and its query."""
    try:
        return _authorize(d, attempt, who, consent, max_steps)
    except TimeoutException as error:
        raise AssertionError(f"stuck at {d.current_url} after {attempt.steps}:\n{body_text(d)}") from error


def body_text(d):
    try:
        return d.find_element(By.TAG_NAME, "body").text[:800]
    except WebDriverException as error:
        return f"(no page: {error.msg})"


def _authorize(d, attempt, who, consent, max_steps):
    provider = attempt.provider
    prefix = attempt.client["redirect_uri"]
    d.get(attempt.url)
    for _ in range(max_steps):
        state = page_state(d, prefix)
        if state == "callback":
            attempt.callback_url = d.current_url
            attempt.query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(d.current_url).query).items()}
            return attempt
        if state == "login":
            assert who is not None, f"asked to sign in again: {d.current_url}"
            attempt.steps.append("login")
            sign_in(d, provider.gateway, who)
        elif state == "consent":
            attempt.steps.append("consent")
            attempt.consent_text = d.find_element(By.ID, "consent").text
            submit(d, f"consent-{consent}")
        else:
            raise AssertionError(f"unexpected page at {d.current_url}:\n{body_text(d)}")
    raise AssertionError(f"the browser never came back to the client; steps {attempt.steps}, now at {d.current_url}")


def wait_for(d, element_id, timeout=15):
    try:
        return WebDriverWait(d, timeout).until(EC.presence_of_element_located((By.ID, element_id)))
    except TimeoutException as error:
        raise AssertionError(f"no #{element_id} at {d.current_url}:\n{body_text(d)}") from error


def query_of(location):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def assert_portal_session_gone(d, base):
    d.get(base + "/tai-khoan")
    assert urllib.parse.urlsplit(d.current_url).path == "/dang-nhap", d.current_url


def assert_portal_session_alive(d, base):
    d.get(base + "/tai-khoan")
    assert urllib.parse.urlsplit(d.current_url).path == "/tai-khoan", d.current_url


# ---------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def sso(request, gateway):
    kind = request.param
    folder = tempfile.mkdtemp(prefix=f"portal-sso-{kind}-")
    rp = RelyingParty()
    try:
        with harness.database_for(kind, folder, "portal_sso_") as database_url:
            key = base64.b64encode(os.urandom(32)).decode()
            env = harness.portal_env(database_url, gateway.url, harness.FAST_HASHING, SETTINGS, DATA_ENCRYPTION_KEY=key)
            server = harness.Server(env, folder, name=f"server-{kind}")
            with harness.demo_server(server):
                yield Provider(kind, server, gateway, rp, database_url)
    finally:
        rp.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def flow_browser():
    driver = make_driver(1280)
    driver.width = 1280
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    yield driver
    driver.quit()


@pytest.fixture
def d(flow_browser):
    """The citizen's browser for the flow tests, with no cookies at the start of each test. It does not enforce
    the portal's Content-Security-Policy: the policy's `form-action 'self'` stops every form whose answer
    redirects to the client (test_forms_that_end_at_the_client_are_not_blocked_by_the_portals_csp checks the
    policy itself, in a browser that enforces it)."""
    flow_browser.get("about:blank")
    flow_browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    yield flow_browser


@pytest.fixture
def strict():
    """A browser that enforces the portal's Content-Security-Policy, as every citizen's does."""
    driver = make_driver(1280)
    driver.width = 1280
    yield driver
    driver.quit()


# ---------------------------------------------------------------------------------------------------------
# Discovery


def test_discovery_document_and_its_endpoints(sso):
    m = sso.metadata
    assert m["issuer"] == sso.issuer
    for name, path in (("authorization_endpoint", "/oidc/authorize"), ("token_endpoint", "/oidc/token"),
                       ("userinfo_endpoint", "/oidc/userinfo"), ("jwks_uri", "/oidc/jwks"),
                       ("end_session_endpoint", "/oidc/logout"), ("revocation_endpoint", "/oidc/revoke"),
                       ("introspection_endpoint", "/oidc/introspect")):
        assert m[name] == sso.issuer + path, (name, m[name])
    assert m["response_types_supported"] == ["code"]
    assert m["subject_types_supported"] == ["pairwise"]
    assert set(m["grant_types_supported"]) == {"authorization_code", "refresh_token"}
    assert {"RS256", "ES256"} <= set(m["id_token_signing_alg_values_supported"])
    assert "none" not in m["id_token_signing_alg_values_supported"]
    assert m["code_challenge_methods_supported"] == ["S256"]
    assert set(m["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
    assert {"openid", "profile", "phone", "id_number"} <= set(m["scopes_supported"])
    assert {"sub", "sid", "acr", "amr", "phone_number", "name", "birthdate"} <= set(m["claims_supported"])
    assert ACR in m["acr_values_supported"]
    assert m["backchannel_logout_supported"] is True and m["backchannel_logout_session_supported"] is True
    assert m["authorization_response_iss_parameter_supported"] is True

    # The keys: one RSA and one EC P-256 key at least, public halves only.
    jwks = requests.get(m["jwks_uri"], timeout=10)
    assert jwks.status_code == 200 and jwks.headers["Content-Type"].startswith("application/json")
    keys = jwks.json()["keys"]
    by_alg = {k["alg"]: k for k in keys}
    assert by_alg["RS256"]["kty"] == "RSA" and by_alg["ES256"]["kty"] == "EC" and by_alg["ES256"]["crv"] == "P-256"
    for k in keys:
        assert k["kid"] and k.get("use") == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(k), f"private key material published: {k['kid']}"

    # Every endpoint answers as its standard says to a request that carries nothing.
    token = requests.post(m["token_endpoint"], data={"grant_type": "authorization_code"}, timeout=10)
    assert token.status_code == 401 and token.json()["error"] == "invalid_client"
    assert "no-store" in token.headers.get("Cache-Control", "")
    userinfo = requests.get(m["userinfo_endpoint"], timeout=10)
    assert userinfo.status_code == 401 and userinfo.headers.get("WWW-Authenticate", "").startswith("Bearer")
    for endpoint in ("introspection_endpoint", "revocation_endpoint"):
        r = requests.post(m[endpoint], data={"token": "x"}, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == "invalid_client", (endpoint, r.status_code, r.text)
    authz = requests.get(m["authorization_endpoint"], allow_redirects=False, timeout=10)
    assert authz.status_code == 400 and "Location" not in authz.headers
    logout = requests.get(m["end_session_endpoint"], allow_redirects=False, timeout=10)
    assert logout.status_code == 200, logout.status_code


# ---------------------------------------------------------------------------------------------------------
# A confidential client, all the way


def test_confidential_client_code_flow_tokens_refresh_and_revocation(sso, d):
    client = sso.register("basic", scopes="openid profile phone", post_logout=True)
    # id_number is asked for but the client is not registered for it: it is left out, silently.
    attempt = authorize(d, sso.request(client, scope="openid profile phone id_number"), who=CITIZEN)
    assert attempt.steps == ["login", "consent"]
    assert f"Hệ thống thử {client['name']}" in attempt.consent_text
    assert "Số định danh cá nhân" not in attempt.consent_text
    assert attempt.query["state"] == attempt.state and attempt.query["iss"] == sso.issuer
    assert set(attempt.query) == {"code", "state", "iss"}

    tokens = attempt.tokens()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 600
    assert tokens["scope"] == "openid profile phone"
    assert tokens["refresh_token"] and tokens["id_token"]

    # The ID token, verified by Authlib against the JWKS: RS256, iss, aud, exp, nonce.
    claims, header = attempt.id_token(tokens, alg="RS256")
    assert header["alg"] == "RS256" and header["kid"] in {k["kid"] for k in sso.jwks["keys"]}
    assert claims["aud"] in (client["client_id"], [client["client_id"]]) and claims["azp"] == client["client_id"]
    assert claims["nonce"] == attempt.nonce
    assert claims["acr"] == ACR and claims["amr"] == ["pwd", "sms", "mfa"]
    assert claims["sid"] and claims["sub"] and CITIZEN[0] not in claims["sub"]
    assert claims["iat"] - 5 <= claims["auth_time"] <= claims["iat"] and claims["exp"] > time.time()
    # The same token fails Authlib's checks for another nonce, another audience, or the other algorithm.
    for wrong in (dict(nonce="other"), dict(client_id="someone-else"), dict(alg="ES256")):
        kwargs = dict(nonce=attempt.nonce, client_id=client["client_id"], alg="RS256") | wrong
        with pytest.raises(JoseError):
            oidc_rp.verify_id_token(tokens["id_token"], sso.jwks, sso.issuer, kwargs["client_id"], kwargs["nonce"],
                                    alg=kwargs["alg"])

    # The access token: a JWT signed ES256, typ at+jwt, for this client only.
    at_claims, at_header = oidc_rp.verify_access_token(tokens["access_token"], sso.jwks, sso.issuer, client["client_id"])
    assert at_header["typ"] == "at+jwt" and at_header["alg"] == "ES256"
    assert at_claims["sub"] == claims["sub"] and at_claims["client_id"] == client["client_id"]
    assert at_claims["scope"] == "openid profile phone" and abs(at_claims["exp"] - at_claims["iat"] - 600) < 1

    # Userinfo by scope, through Authlib's session (bearer header) and as a form post.
    session = attempt.session
    info = session.get(sso.metadata["userinfo_endpoint"]).json()
    assert info == {"sub": claims["sub"], "name": "Nguyễn Văn An", "birthdate": "1960-10-10",
                    "phone_number": "+84912000011", "phone_number_verified": True}
    posted = requests.post(sso.metadata["userinfo_endpoint"], data={"access_token": tokens["access_token"]}, timeout=10)
    assert posted.status_code == 200 and posted.json() == info

    # Introspection: both tokens active for their client.
    seen = sso.introspect(client, tokens["access_token"])
    assert seen["active"] is True and seen["client_id"] == client["client_id"] and seen["sub"] == claims["sub"]
    assert seen["scope"] == "openid profile phone" and seen["token_type"] == "Bearer"
    seen = sso.introspect(client, tokens["refresh_token"])
    assert seen["active"] is True and seen["token_type"] == "refresh_token"

    # Refresh: each use gives a new refresh token and no ID token; the old one is spent.
    session.scope = tokens["scope"]
    refreshed = session.refresh_token(sso.metadata["token_endpoint"], refresh_token=tokens["refresh_token"])
    assert refreshed["refresh_token"] != tokens["refresh_token"] and refreshed["access_token"] != tokens["access_token"]
    assert "id_token" not in refreshed and refreshed["scope"] == "openid profile phone"
    assert sso.userinfo(refreshed["access_token"]).json()["sub"] == claims["sub"]
    sso.assert_inactive(client, tokens["refresh_token"])
    assert sso.introspect(client, refreshed["refresh_token"])["active"] is True
    # A refresh cannot widen the scope.
    with pytest.raises(OAuthError) as wider:
        session.refresh_token(sso.metadata["token_endpoint"], refresh_token=refreshed["refresh_token"],
                              scope="openid profile phone id_number")
    assert wider.value.error == "invalid_scope"
    # The old refresh token again: refused, and the whole grant goes with it.
    with pytest.raises(OAuthError) as reused:
        session.refresh_token(sso.metadata["token_endpoint"], refresh_token=tokens["refresh_token"])
    assert reused.value.error == "invalid_grant"
    sso.assert_inactive(client, refreshed["refresh_token"], refreshed["access_token"], tokens["access_token"])
    assert sso.userinfo(refreshed["access_token"]).status_code == 401
    with pytest.raises(OAuthError) as after:
        session.refresh_token(sso.metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
    assert after.value.error == "invalid_grant"

    # A second sign-in in the same browser: no password, no consent (remembered); then revocation (RFC 7009).
    again = authorize(d, sso.request(client, scope="openid profile phone"))
    assert again.steps == []
    second = again.tokens()
    assert again.id_token(second)[0]["sub"] == claims["sub"]
    assert sso.introspect(client, second["access_token"])["active"] is True
    revoked = again.session.revoke_token(sso.metadata["revocation_endpoint"], token=second["access_token"],
                                         token_type_hint="access_token")
    assert revoked.status_code == 200
    sso.assert_inactive(client, second["access_token"], second["refresh_token"])
    assert sso.userinfo(second["access_token"]).status_code == 401
    # Revoking an unknown token is not an error.
    assert again.session.revoke_token(sso.metadata["revocation_endpoint"], token="not-a-token").status_code == 200
    # A client sees only its own tokens: another client's introspection finds them inactive.
    other = sso.register("basic-other")
    third = authorize(d, sso.request(client, scope="openid profile")).tokens()
    assert sso.introspect(other, third["access_token"]) == {"active": False}
    assert sso.introspect(other, third["refresh_token"]) == {"active": False}
    assert sso.introspect(client, third["access_token"])["active"] is True
    # The wrong secret is refused.
    wrong = dict(client, secret="x" * 43)
    r = sso.session(wrong).introspect_token(sso.metadata["introspection_endpoint"], token=third["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


# ---------------------------------------------------------------------------------------------------------
# The portal's pages in a browser that enforces their Content-Security-Policy


def reaches(d, prefix, violations, timeout=8):
    """Whether the browser arrives at `prefix`; stops early at a Content-Security-Policy violation, which is
    added to `violations`."""
    def arrived_or_blocked(drv):
        if drv.current_url.startswith(prefix):
            return "arrived"
        found = [e["message"] for e in drv.get_log("browser") if "Content Security Policy" in e.get("message", "")]
        violations.extend(found)
        return "blocked" if found else False

    try:
        return WebDriverWait(d, timeout, poll_frequency=0.1).until(arrived_or_blocked) == "arrived"
    except TimeoutException:
        return False


def test_forms_that_end_at_the_client_are_not_blocked_by_the_portals_csp(sso, strict):
    """Every form of the portal whose answer is a redirect to the client: the SMS-code form of a sign-in for a
    trusted system, the consent form, and the logout confirmation. A browser checks `form-action` against every
    redirect of a form's navigation, so a policy of `form-action 'self'` alone stops all three at the portal."""
    d = strict
    trusted = sso.register("csp-trusted", trusted=True, post_logout=True)
    asking = sso.register("csp-consent")
    blocked = []

    attempt = sso.request(trusted)
    d.get(attempt.url)
    sign_in(d, sso.gateway, CITIZEN, wait=False)
    violations = []
    if not reaches(d, trusted["redirect_uri"], violations):
        blocked.append(f"the SMS-code form of a sign-in for a trusted client stays at {d.current_url}: {violations}")
        d.get(attempt.url)  # a plain navigation, which form-action does not govern
        if not reaches(d, trusted["redirect_uri"], []):
            sign_in(d, sso.gateway, CITIZEN)
    consent = sso.request(asking)
    d.get(consent.url)
    wait_for(d, "consent-allow").click()
    violations = []
    if not reaches(d, asking["redirect_uri"], violations):
        blocked.append(f"the consent form stays at {d.current_url}: {violations}")
    d.get(sso.metadata["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"client_id": trusted["client_id"], "post_logout_redirect_uri": trusted["post_logout_uri"], "state": "csp"}))
    wait_for(d, "sso-logout-yes").click()
    violations = []
    if not reaches(d, trusted["post_logout_uri"], violations):
        blocked.append(f"the logout confirmation stays at {d.current_url}: {violations}")
    assert not blocked, "\n".join(blocked)


# ---------------------------------------------------------------------------------------------------------
# Public and private_key_jwt clients


def test_public_client_needs_pkce_and_gets_es256_id_tokens(sso, d):
    client = sso.register("public", auth="none", alg="ES256")

    # Without PKCE, or with the plain method, the request goes back to the client as invalid_request.
    status, location, _ = sso.without_browser(sso.request(client, pkce=False).url)
    assert status == 303 and location.startswith(client["redirect_uri"] + "?")
    back = query_of(location)
    assert back["error"] == "invalid_request" and back["iss"] == sso.issuer and "code" not in back
    plain = sso.request(client, pkce=False)
    status, location, _ = sso.without_browser(plain.url + "&code_challenge=" + "a" * 43 + "&code_challenge_method=plain")
    assert status == 303 and query_of(location)["error"] == "invalid_request"
    assert query_of(location)["state"] == plain.state

    attempt = authorize(d, sso.request(client), who=CITIZEN)
    assert attempt.steps == ["login", "consent"]
    sent = query_of(attempt.url)
    assert sent["code_challenge"] == create_s256_code_challenge(attempt.verifier) and sent["code_challenge_method"] == "S256"
    tokens = attempt.tokens()
    claims, header = attempt.id_token(tokens, alg="ES256")
    assert header["alg"] == "ES256"
    with pytest.raises(JoseError):
        attempt.id_token(tokens, alg="RS256")
    assert sso.userinfo(tokens["access_token"]).json()["name"] == "Nguyễn Văn An"

    # A public client cannot introspect.
    r = sso.session(client).introspect_token(sso.metadata["introspection_endpoint"], token=tokens["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"

    # The wrong verifier: invalid_grant. The code is bound to its challenge.
    wrong = authorize(d, sso.request(client))
    assert wrong.steps == []
    with pytest.raises(OAuthError) as refused:
        wrong.session.fetch_token(sso.metadata["token_endpoint"], authorization_response=wrong.callback_url,
                                  code_verifier=secrets.token_urlsafe(48))
    assert refused.value.error == "invalid_grant"
    # No verifier at all for a code that has a challenge: invalid_grant as well.
    missing = authorize(d, sso.request(client))
    with pytest.raises(OAuthError) as refused:
        missing.session.fetch_token(sso.metadata["token_endpoint"], authorization_response=missing.callback_url)
    assert refused.value.error == "invalid_grant"

    # Refresh and revocation with no client secret.
    refreshed = attempt.session.refresh_token(sso.metadata["token_endpoint"], refresh_token=tokens["refresh_token"])
    assert "id_token" not in refreshed
    assert attempt.session.revoke_token(sso.metadata["revocation_endpoint"], token=refreshed["refresh_token"]).status_code == 200
    with pytest.raises(OAuthError) as gone:
        attempt.session.refresh_token(sso.metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
    assert gone.value.error == "invalid_grant"
    assert sso.userinfo(refreshed["access_token"]).status_code == 401


def test_private_key_jwt_client(sso, d):
    client = sso.register("pkjwt", auth="private_key_jwt", scopes="openid phone")
    jwks_fetches = len(sso.rp.requests_to("/jwks"))
    attempt = authorize(d, sso.request(client, scope="openid phone"), who=CITIZEN)
    tokens = attempt.tokens()  # Authlib's PrivateKeyJWT assertion, signed with the RP's key
    claims, _ = attempt.id_token(tokens)
    assert len(sso.rp.requests_to("/jwks")) > jwks_fetches, "the provider never read the client's JWKS"
    info = sso.userinfo(tokens["access_token"]).json()
    assert info == {"sub": claims["sub"], "phone_number": "+84912000011", "phone_number_verified": True}
    assert sso.introspect(client, tokens["access_token"])["active"] is True

    endpoint = sso.metadata["introspection_endpoint"]

    def assertion(key, **claims):
        now = int(time.time())
        payload = {"iss": client["client_id"], "sub": client["client_id"], "aud": sso.metadata["token_endpoint"],
                   "iat": now, "exp": now + 120, "jti": secrets.token_urlsafe(16)} | claims
        return jose_jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key, algorithms=["RS256"])

    def introspect_with(value):
        return requests.post(endpoint, data={"token": tokens["access_token"], "client_assertion": value,
                                             "client_assertion_type": oidc_rp.JWT_BEARER}, timeout=10)

    # A hand-made assertion with the RP's key works once; the same assertion again is refused.
    good = assertion(sso.rp.key)
    assert introspect_with(good).json()["active"] is True
    replay = introspect_with(good)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_client"
    # Signed with a key the client did not publish (under the client's own kid), or for another audience.
    stranger = RSAKey.generate_key(2048, parameters={"kid": sso.rp.key.kid})
    for bad in (assertion(stranger), assertion(sso.rp.key, aud="https://elsewhere.example/token"),
                assertion(sso.rp.key, exp=int(time.time()) - 10), assertion(sso.rp.key, sub="someone")):
        r = introspect_with(bad)
        assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    # A secret instead of the assertion.
    r = requests.post(endpoint, data={"token": tokens["access_token"]}, auth=(client["client_id"], "guess"), timeout=10)
    assert r.status_code == 401

    # Refresh and revocation authenticate with fresh assertions.
    refreshed = attempt.session.refresh_token(sso.metadata["token_endpoint"], refresh_token=tokens["refresh_token"])
    assert attempt.session.revoke_token(sso.metadata["revocation_endpoint"], token=refreshed["access_token"]).status_code == 200
    sso.assert_inactive(client, refreshed["access_token"], refreshed["refresh_token"])


# ---------------------------------------------------------------------------------------------------------
# One portal session, several systems


def test_session_reuse_trusted_client_prompt_none_and_login_hint(sso, d):
    ordinary = sso.register("ordinary")
    trusted = sso.register("trusted", trusted=True)
    never_asked = sso.register("never-asked")

    # prompt=none with no portal session: login_required, back at the client.
    quiet = sso.request(trusted, prompt="none")
    status, location, _ = sso.without_browser(quiet.url)
    back = query_of(location)
    assert status == 303 and location.startswith(trusted["redirect_uri"])
    assert back["error"] == "login_required" and back["state"] == quiet.state and back["iss"] == sso.issuer

    # login_hint fills in the ID number on the portal's sign-in page.
    first = sso.request(ordinary, login_hint=CITIZEN[0])
    d.get(first.url)
    wait_for(d, "login-form")
    assert d.find_element(By.ID, "username").get_attribute("value") == CITIZEN[0]
    shot(d, f"sso-login-hint-{sso.kind}")
    first = authorize(d, first, who=CITIZEN)
    assert first.steps == ["login", "consent"]
    first_claims, _ = first.id_token(first.tokens())

    # Signed in to the portal already: a trusted system gets its code without a password or consent.
    second = authorize(d, sso.request(trusted))
    assert second.steps == []
    second_claims, _ = second.id_token(second.tokens())
    assert second_claims["sid"] == first_claims["sid"] and second_claims["auth_time"] == first_claims["auth_time"]
    assert second_claims["sub"] != first_claims["sub"]

    # prompt=none with the session: a code at once for the trusted and the consented system…
    for client in (trusted, ordinary):
        silent = sso.request(client, prompt="none")
        silent = authorize(d, silent)
        assert silent.steps == [] and "code" in silent.query
        assert silent.id_token(silent.tokens())[0]["sid"] == first_claims["sid"]
    # …consent_required for a system the person never allowed.
    ask = authorize(d, sso.request(never_asked, prompt="none"))
    assert ask.query["error"] == "consent_required" and ask.query["state"] == ask.state

    # prompt=consent asks again even though consent was given.
    again = authorize(d, sso.request(ordinary, prompt="consent"))
    assert again.steps == ["consent"] and "code" in again.query


def test_prompt_login_asks_for_the_password_again(sso, d):
    client = sso.register("fresh", trusted=True)
    first = authorize(d, sso.request(client), who=UNIT_ADMIN)
    assert first.steps == ["login"]
    first_claims, _ = first.id_token(first.tokens())

    # A generous max_age is satisfied by the session.
    relaxed = authorize(d, sso.request(client, max_age="3600"))
    assert relaxed.steps == []
    assert relaxed.id_token(relaxed.tokens())[0]["auth_time"] == first_claims["auth_time"]

    time.sleep(1.1)  # so that a new sign-in has a later auth_time, in whole seconds
    forced = authorize(d, sso.request(client, prompt="login"), who=UNIT_ADMIN)
    assert forced.steps == ["login"]
    forced_claims, _ = forced.id_token(forced.tokens())
    assert forced_claims["auth_time"] > first_claims["auth_time"] and forced_claims["sid"] != first_claims["sid"]
    assert forced_claims["sub"] == first_claims["sub"]


def test_max_age_zero_asks_for_the_password_once_then_answers(sso, d):
    client = sso.register("max-age-zero", trusted=True)
    first = authorize(d, sso.request(client), who=UNIT_ADMIN)
    first_claims, _ = first.id_token(first.tokens())
    time.sleep(1.1)
    # max_age=0: the session is always too old, so the person signs in again (OpenID Connect Core 3.1.2.1);
    # the sign-in that follows is the authentication the request asked for, and the code comes.
    zero = authorize(d, sso.request(client, max_age="0"), who=UNIT_ADMIN, max_steps=3)
    assert zero.steps == ["login"], zero.steps
    zero_claims, _ = zero.id_token(zero.tokens())
    assert zero_claims["auth_time"] > first_claims["auth_time"]


def test_pairwise_subjects_differ_between_clients(sso, d):
    one = sso.register("pairwise-a", trusted=True)
    # client_secret_post, registered for the ID number, and a request without PKCE (allowed for a confidential client).
    two = sso.register("pairwise-b", auth="client_secret_post", scopes="openid id_number", trusted=True)
    a = authorize(d, sso.request(one), who=CITIZEN)
    a_claims, _ = a.id_token(a.tokens())
    b = authorize(d, sso.request(two, scope="openid id_number", pkce=False))
    assert "code_challenge" not in b.url
    b_tokens = b.tokens()
    b_claims, _ = b.id_token(b_tokens)
    assert a_claims["sub"] != b_claims["sub"]
    for sub in (a_claims["sub"], b_claims["sub"]):
        assert CITIZEN[0] not in sub and CITIZEN[1][3:] not in sub
    # Stable for one client.
    a2 = authorize(d, sso.request(one))
    assert a2.id_token(a2.tokens())[0]["sub"] == a_claims["sub"]
    # The ID number only for the client registered for it.
    info = sso.userinfo(b_tokens["access_token"]).json()
    assert info == {"sub": b_claims["sub"], "id_number": CITIZEN[0]}


# ---------------------------------------------------------------------------------------------------------
# What must be refused


def test_bad_authorization_requests(sso):
    client = sso.register("bad-requests")
    good = sso.request(client)

    def with_params(url, **changes):
        parts = urllib.parse.urlsplit(url)
        q = dict(urllib.parse.parse_qsl(parts.query))
        for k, v in changes.items():
            if v is None:
                q.pop(k, None)
            else:
                q[k] = v
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))

    # No trusted place to send the browser: the portal's own error page, 400, no redirect.
    for changes in (dict(redirect_uri=client["redirect_uri"] + "x"), dict(redirect_uri=client["redirect_uri"] + "/"),
                    dict(redirect_uri=client["redirect_uri"].replace("127.0.0.1", "localhost")),
                    dict(redirect_uri="https://attacker.example/cb"), dict(redirect_uri=None),
                    dict(client_id="no-such-client"), dict(client_id=None)):
        status, location, body = sso.without_browser(with_params(good.url, **changes))
        assert status == 400 and location is None, (changes, status, location)
        assert "attacker.example" not in body
    # Errors the client can be told about go back to it with the state.
    for changes, error in ((dict(scope="profile"), "invalid_scope"), (dict(response_type="token"), "unsupported_response_type"),
                           (dict(prompt="sometimes"), "invalid_request"), (dict(prompt="none login"), "invalid_request"),
                           (dict(max_age="-1"), "invalid_request"), (dict(code_challenge="short"), "invalid_request"),
                           (dict(request="eyJhbGciOiJub25lIn0.e30."), "request_not_supported")):
        status, location, _ = sso.without_browser(with_params(good.url, **changes))
        assert status == 303 and location and location.startswith(client["redirect_uri"] + "?"), (changes, status, location)
        back = query_of(location)
        assert back["error"] == error and back["state"] == good.state and "code" not in back, (changes, back)


def test_codes_are_single_use_bound_to_their_client_and_short_lived(sso, d):
    client = sso.register("codes", trusted=True)
    other = sso.register("codes-other", trusted=True)

    first = authorize(d, sso.request(client), who=CITIZEN)
    tokens = first.tokens()
    assert sso.introspect(client, tokens["access_token"])["active"] is True
    # The same code again: invalid_grant, and what the first use gave is revoked.
    with pytest.raises(OAuthError) as reused:
        first.tokens()
    assert reused.value.error == "invalid_grant"
    sso.assert_inactive(client, tokens["access_token"], tokens["refresh_token"])
    assert sso.userinfo(tokens["access_token"]).status_code == 401

    # A code for one client, presented by another (with its own credentials and redirect URI).
    stolen = authorize(d, sso.request(client, pkce=False))
    thief = sso.session(other)
    with pytest.raises(OAuthError) as refused:
        thief.fetch_token(sso.metadata["token_endpoint"], code=stolen.code, redirect_uri=other["redirect_uri"])
    assert refused.value.error == "invalid_grant"
    # The redirect URI at the token endpoint must be the one of the request.
    with pytest.raises(OAuthError) as refused:
        stolen.session.fetch_token(sso.metadata["token_endpoint"], code=stolen.code, redirect_uri=client["redirect_uri"] + "x")
    assert refused.value.error == "invalid_grant"

    # An expired code. Codes live 60 s; rather than wait, the code's expiry is moved to the moment it was made.
    late = authorize(d, sso.request(client))
    sso.execute("UPDATE oidc_grants SET code_expires_at = created_at WHERE code_used_at IS NULL AND client_id IN "
                f"(SELECT id FROM oidc_clients WHERE client_id = '{client['client_id']}')")
    with pytest.raises(OAuthError) as expired:
        late.tokens()
    assert expired.value.error == "invalid_grant"
    assert "expired" in (expired.value.description or "")


def test_forged_tokens_are_inactive(sso, d):
    client = sso.register("forged", trusted=True)
    attempt = authorize(d, sso.request(client), who=CITIZEN)
    tokens = attempt.tokens()
    assert sso.introspect(client, tokens["access_token"])["active"] is True
    forged = oidc_rp.forged_tokens(tokens["access_token"], sso.jwks)
    # The ID token is signed by the provider but is no access token.
    forged["id_token_as_access_token"] = tokens["id_token"]
    for name, token in forged.items():
        assert sso.introspect(client, token) == {"active": False}, name
        r = sso.userinfo(token)
        assert r.status_code == 401 and r.json()["error"] == "invalid_token", (name, r.status_code, r.text)
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer"), name
    # The genuine token still works.
    assert sso.userinfo(tokens["access_token"]).status_code == 200


def test_super_admin_suspends_a_client_in_the_console(sso, d):
    client = sso.register("console-suspend", trusted=True)
    d.get(sso.base + "/quantri/ung-dung")
    sign_in(d, sso.gateway, harness.SUPER_ADMIN)
    wait_for(d, "clients-table", timeout=3)
    row = d.find_element(By.XPATH, f"//table[@id='clients-table']//tr[td[normalize-space()='{client['client_id']}']]")
    click_and_wait(d, row.find_element(By.TAG_NAME, "a"))
    wait_for(d, "client-disable")
    assert d.find_element(By.ID, "client-id").text == client["client_id"]
    submit(d, "client-disable")
    assert d.find_element(By.ID, "client-status").text == "Tạm dừng"
    assert d.find_elements(By.ID, "client-enable")
    shot(d, f"sso-client-suspended-{sso.kind}")
    status, location, _ = sso.without_browser(sso.request(client).url)
    assert status == 400 and location is None


def test_disabled_client_starts_no_sign_in_and_its_tokens_stop(sso, d):
    client = sso.register("to-disable", trusted=True)
    attempt = authorize(d, sso.request(client), who=CITIZEN)
    tokens = attempt.tokens()
    assert sso.userinfo(tokens["access_token"]).status_code == 200

    # Suspended as the console's status form does it (test_super_admin_suspends_a_client_in_the_console
    # drives the form itself): the flag on the client's row.
    sso.execute(f"UPDATE oidc_clients SET disabled = TRUE WHERE client_id = '{client['client_id']}'")

    # No sign-in starts: the portal's error page, no redirect to the client.
    status, location, _ = sso.without_browser(sso.request(client).url)
    assert status == 400 and location is None
    d.get(sso.request(client).url)
    assert not d.current_url.startswith(client["redirect_uri"])
    assert d.find_elements(By.CSS_SELECTOR, ".alert-error")
    # Its tokens no longer work, and it can no longer authenticate.
    r = sso.userinfo(tokens["access_token"])
    assert r.status_code == 401
    r = sso.session(client).introspect_token(sso.metadata["introspection_endpoint"], token=tokens["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    with pytest.raises(OAuthError) as refused:
        attempt.session.refresh_token(sso.metadata["token_endpoint"], refresh_token=tokens["refresh_token"])
    assert refused.value.error == "invalid_client"


def test_consent_denied_then_given_then_withdrawn(sso, d):
    client = sso.register("consent")
    denied = authorize(d, sso.request(client), who=CITIZEN, consent="deny")
    assert denied.steps == ["login", "consent"]
    assert denied.query["error"] == "access_denied" and denied.query["state"] == denied.state and "code" not in denied.query

    allowed = authorize(d, sso.request(client))
    assert allowed.steps == ["consent"]
    tokens = allowed.tokens()
    assert sso.introspect(client, tokens["access_token"])["active"] is True

    # The account's page of connected applications lists it, with a button to withdraw consent.
    d.get(sso.base + "/tai-khoan/ung-dung")
    card = d.find_element(By.XPATH, f"//ul[@id='connected-list']/li[.//h2[contains(., '{client['name']}')]]")
    click_and_wait(d, card.find_element(By.CSS_SELECTOR, "form[action*='/rut-lai'] button"))
    assert d.find_elements(By.ID, "connected-alert")
    sso.assert_inactive(client, tokens["access_token"], tokens["refresh_token"])
    # The next sign-in asks again.
    asked = authorize(d, sso.request(client))
    assert asked.steps == ["consent"] and "code" in asked.query


# ---------------------------------------------------------------------------------------------------------
# Logout


def test_rp_initiated_logout(sso, d):
    client = sso.register("logout", post_logout=True, backchannel=True, trusted=True)
    attempt = authorize(d, sso.request(client), who=CITIZEN)
    tokens = attempt.tokens()
    claims, _ = attempt.id_token(tokens)
    end = sso.metadata["end_session_endpoint"]

    def logout_url(**params):
        return end + "?" + urllib.parse.urlencode(params)

    # A post-logout URI that is not registered: refused, no redirect.
    r = requests.get(logout_url(id_token_hint=tokens["id_token"], post_logout_redirect_uri="https://attacker.example/"),
                     allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "Location" not in r.headers
    # Without an ID token the person is asked, and nothing ends until they say so.
    d.get(logout_url(client_id=client["client_id"], post_logout_redirect_uri=client["post_logout_uri"], state="s1"))
    wait_for(d, "sso-logout-yes")
    assert_portal_session_alive(d, sso.base)

    # With the ID token of this browser's session: signed out at once and back at the client with the state.
    since = time.time()
    state = secrets.token_urlsafe(12)
    d.get(logout_url(id_token_hint=tokens["id_token"], post_logout_redirect_uri=client["post_logout_uri"], state=state))
    assert d.current_url == f"{client['post_logout_uri']}?state={state}", d.current_url
    assert sso.rp.requests_to(f"/logged-out/{client['name']}", "GET", since)[0]["query"] == {"state": state}
    assert_portal_session_gone(d, sso.base)
    # The client is told over the back channel as well, and its tokens are over.
    (logout_token,) = sso.rp.logout_tokens(client["name"], after=since)
    lt, _ = oidc_rp.verify_logout_token(logout_token, sso.jwks, sso.issuer, client["client_id"])
    assert lt["sid"] == claims["sid"] and lt["sub"] == claims["sub"]
    sso.assert_inactive(client, tokens["access_token"], tokens["refresh_token"])

    # Signed in again, the old ID token names an ended session: the person is asked rather than signed out.
    fresh = authorize(d, sso.request(client), who=CITIZEN)
    fresh_claims, _ = fresh.id_token(fresh.tokens())
    d.get(logout_url(id_token_hint=tokens["id_token"], post_logout_redirect_uri=client["post_logout_uri"], state="old"))
    wait_for(d, "sso-logout-yes")
    shot(d, f"sso-logout-confirm-{sso.kind}")
    assert_portal_session_alive(d, sso.base)
    # Saying yes on the page signs out and goes back to the client. (The page's form is posted without the
    # ID token here: see test_a_form_body_in_two_pieces_passes_the_csrf_check for the form that carries it.)
    since = time.time()
    d.get(logout_url(client_id=client["client_id"], post_logout_redirect_uri=client["post_logout_uri"], state="again"))
    wait_for(d, "sso-logout-yes")
    submit(d, "sso-logout-yes")
    assert d.current_url == f"{client['post_logout_uri']}?state=again", f"{d.current_url}\n{body_text(d)}"
    assert_portal_session_gone(d, sso.base)
    (logout_token,) = sso.rp.logout_tokens(client["name"], after=since)
    assert oidc_rp.verify_logout_token(logout_token, sso.jwks, sso.issuer, client["client_id"])[0]["sid"] == fresh_claims["sid"]


def test_a_form_body_in_two_pieces_passes_the_csrf_check(sso):
    """The logout confirmation form carries the ID token (over a kilobyte); browsers send such a body in more
    than one piece. The CSRF check must read the whole body, however it arrives."""
    status, headers, page = harness.request(sso.base, "GET", "/dang-nhap")
    jar = harness.cookies_of(headers)
    csrf = re.search(rb'name="_csrf" value="([^"]+)"', page).group(1).decode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    body = urllib.parse.urlencode({"_csrf": csrf, "client_id": "", "post_logout_redirect_uri": "", "state": "s" * 1200,
                                   "id_token_hint": ""}).encode()

    def post(pieces):
        with socket.create_connection(("127.0.0.1", sso.server.port), timeout=10) as sock:
            sock.sendall((f"POST /oidc/logout/xac-nhan HTTP/1.1\r\nHost: 127.0.0.1:{sso.server.port}\r\nCookie: {cookie}\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode())
            for piece in pieces:
                time.sleep(0.05)
                sock.sendall(piece)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return int(answer.split(b" ", 2)[1])

    assert post([body]) == 200
    assert post([body[:600], body[600:]]) == 200


def test_backchannel_logout_when_signing_out_of_the_portal(sso, d):
    told = sso.register("bc-signout", backchannel=True, alg="ES256", trusted=True)
    quiet = sso.register("bc-none", trusted=True)  # no back-channel URI: nothing to tell
    a = authorize(d, sso.request(told), who=UNIT_ADMIN)
    a_tokens = a.tokens()
    a_claims, _ = a.id_token(a_tokens)
    b = authorize(d, sso.request(quiet))
    b_tokens = b.tokens()

    since = time.time()
    d.get(sso.base + "/tai-khoan")
    submit(d, "nav-logout")
    assert_portal_session_gone(d, sso.base)
    (logout_token,) = sso.rp.logout_tokens(told["name"], after=since)
    hit = sso.rp.requests_to(f"/backchannel/{told['name']}", "POST", since)[0]
    assert hit["content_type"].startswith("application/x-www-form-urlencoded")
    claims, header = oidc_rp.verify_logout_token(logout_token, sso.jwks, sso.issuer, told["client_id"], alg="ES256")
    assert header["typ"] == "logout+jwt"
    assert claims["sid"] == a_claims["sid"] and claims["sub"] == a_claims["sub"]
    assert claims["exp"] > claims["iat"] >= int(since) - 1
    # Both systems' grants of the session end with it.
    sso.assert_inactive(told, a_tokens["access_token"], a_tokens["refresh_token"])
    sso.assert_inactive(quiet, b_tokens["access_token"], b_tokens["refresh_token"])
    # Exactly one token for one ended session.
    time.sleep(1.0)
    assert len(sso.rp.logout_tokens(told["name"], after=since, wait=0)) == 1


def test_backchannel_logout_when_a_session_is_ended_from_another(sso, d):
    client = sso.register("bc-ended", backchannel=True, trusted=True)
    attempt = authorize(d, sso.request(client), who=NO_UNIT)
    tokens = attempt.tokens()
    claims, _ = attempt.id_token(tokens)

    # The same person signed in elsewhere ends the browser's session from the list at /tai-khoan/phien.
    cookie = harness.web_sign_in(sso.base, sso.gateway, NO_UNIT[0], harness.DEMO_PASSWORD, NO_UNIT[1], "/tai-khoan/phien")
    status, _, page = harness.request(sso.base, "GET", "/tai-khoan/phien", headers={"Cookie": cookie})
    assert status == 200
    ends = re.findall(rb'<form method="post" action="(/tai-khoan/phien/[^"]+/ket-thuc)"><input type="hidden" name="_csrf" value="([^"]+)"', page)
    assert len(ends) == 1, ends  # the browser's session; the current one has no button
    action, csrf = (x.decode() for x in ends[0])
    since = time.time()
    status, headers, _ = harness.request(sso.base, "POST", action, urllib.parse.urlencode({"_csrf": csrf}),
                                         {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status in (302, 303), status

    (logout_token,) = sso.rp.logout_tokens(client["name"], after=since)
    lt, _ = oidc_rp.verify_logout_token(logout_token, sso.jwks, sso.issuer, client["client_id"])
    assert lt["sid"] == claims["sid"] and lt["sub"] == claims["sub"]
    sso.assert_inactive(client, tokens["access_token"], tokens["refresh_token"])
    assert_portal_session_gone(d, sso.base)


def test_backchannel_logout_after_a_password_change(sso, d):
    client = sso.register("bc-password", backchannel=True, trusted=True)
    attempt = authorize(d, sso.request(client), who=MEMBER)
    tokens = attempt.tokens()
    claims, _ = attempt.id_token(tokens)

    since = time.time()
    d.get(sso.base + "/tai-khoan/doi-mat-khau")
    wait_for(d, "password-form")
    fill(d, "currentPassword", harness.DEMO_PASSWORD)
    fill(d, "password", NEW_PASSWORD)
    fill(d, "passwordConfirm", NEW_PASSWORD)
    submit(d, "password-submit")
    assert not d.find_elements(By.ID, "password-form"), d.find_element(By.TAG_NAME, "body").text[:500]

    (logout_token,) = sso.rp.logout_tokens(client["name"], after=since)
    lt, header = oidc_rp.verify_logout_token(logout_token, sso.jwks, sso.issuer, client["client_id"])
    assert header["typ"] == "logout+jwt"
    assert lt["sid"] == claims["sid"] and lt["sub"] == claims["sub"]
    sso.assert_inactive(client, tokens["access_token"], tokens["refresh_token"])
    # The person stays signed in to the portal; the next sign-in to the system needs no password.
    assert_portal_session_alive(d, sso.base)
    again = authorize(d, sso.request(client))
    assert again.steps == [] and again.id_token(again.tokens())[0]["sid"] == claims["sid"]
