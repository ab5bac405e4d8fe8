"""A small OpenID Connect relying party for the single sign-on tests, built on Authlib.

RelyingParty is an HTTP server on a free 127.0.0.1 port, in a thread of its own, that stands in for the
service systems registered with the portal:

    GET  /cb/NAME           the authorization response (redirect_uri): the query is recorded
    GET  /logged-out/NAME   where RP-initiated logout comes back to (post_logout_redirect_uri)
    POST /backchannel/NAME  back-channel logout: the form's logout_token is recorded
    GET  /jwks              the public half of the RP's own keys, for private_key_jwt

The check helpers verify what the provider signs with Authlib (the claims classes of authlib.oidc.core, over
joserfc, the JOSE library Authlib itself verifies ID tokens with) against the provider's published JWKS.
"""
import html
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class RelyingParty:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "rp-rsa-1", "alg": "RS256", "use": "sig"})
        self.lock = threading.Condition()
        self.hits = []  # {"method", "path", "query", "form", "at"}
        self.answers = {}  # path → status the RP answers there (back-channel failures)
        rp = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                rp._record(self, None)
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/jwks":
                    self._send(200, json.dumps({"keys": [rp.key.as_dict(private=False)]}).encode(), "application/json",
                               {"Cache-Control": "max-age=60"})
                    return
                text = html.escape(self.path)
                self._send(200, f"<!doctype html><title>RP</title><p id=\"rp-page\">{text}</p>".encode(), "text/html")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
                rp._record(self, form, self.headers.get("Content-Type"))
                status = rp.answers.get(urllib.parse.urlsplit(self.path).path, 200)
                self._send(status, b"", "text/plain")

            def _send(self, status, body, content_type, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="test-rp", daemon=True)
        self.thread.start()

    def _record(self, handler, form, content_type=None):
        url = urllib.parse.urlsplit(handler.path)
        hit = {"method": handler.command, "path": url.path, "query": {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()},
               "form": form, "content_type": content_type, "at": time.time()}
        with self.lock:
            self.hits.append(hit)
            self.lock.notify_all()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_uri(self):
        return self.base + "/jwks"

    def callback_uri(self, name):
        return f"{self.base}/cb/{name}"

    def post_logout_uri(self, name):
        return f"{self.base}/logged-out/{name}"

    def backchannel_uri(self, name):
        return f"{self.base}/backchannel/{name}"

    def requests_to(self, path, method=None, after=0.0, count=1, wait=0.0):
        """The recorded requests to `path` after the time `after`; waits up to `wait` seconds for `count`."""
        deadline = time.time() + wait
        with self.lock:
            while True:
                found = [h for h in self.hits if h["path"] == path and h["at"] > after and (method is None or h["method"] == method)]
                remaining = deadline - time.time()
                if len(found) >= count or remaining <= 0:
                    return found
                self.lock.wait(min(remaining, 0.2))

    def logout_tokens(self, name, after=0.0, count=1, wait=10.0):
        """The logout tokens posted to NAME's back-channel URI after `after`, waiting up to `wait` seconds."""
        hits = self.requests_to(f"/backchannel/{name}", "POST", after, count, wait)
        return [h["form"].get("logout_token") for h in hits]


class PrivateKeyAssertion(PrivateKeyJWT):
    """Authlib's private_key_jwt client authentication with a short-lived assertion (two minutes) and a new
    `jti` for every request. Authlib's default assertion lives an hour, and a claims dict handed to it once
    keeps the `jti` it was given: each request here gets its own claims."""

    def __init__(self, token_endpoint, kid, lifetime=120):
        super().__init__(token_endpoint, headers={"kid": kid}, alg="RS256")
        self.lifetime = lifetime

    def sign(self, auth, token_endpoint):
        self.claims = {"exp": int(time.time()) + self.lifetime}
        return super().sign(auth, token_endpoint)


def session_for(metadata, client, scope, redirect_uri, **kwargs):
    """An Authlib OAuth2Session for `client` (a dict with client_id, secret, auth, and for private_key_jwt the
    RP's key as `key`): the authentication method it is registered with, at the token, introspection and
    revocation endpoints alike; PKCE S256."""
    auth = client["auth"]
    secret = client.get("secret")
    if auth == "private_key_jwt":
        secret = client["key"]
    session = OAuth2Session(client["client_id"], secret, scope=scope, redirect_uri=redirect_uri,
                            token_endpoint_auth_method=auth, revocation_endpoint_auth_method=auth,
                            code_challenge_method="S256", **kwargs)
    if auth == "private_key_jwt":
        session.register_client_auth_method(PrivateKeyAssertion(metadata["token_endpoint"], client["key"].kid))
    return session


def unverified_header(token):
    import base64
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def verify_id_token(id_token, jwks, issuer, client_id, nonce, access_token=None, alg="RS256", leeway=5):
    """The ID token checked by Authlib: the signature against the provider's JWKS with the expected algorithm
    only, then iss, aud, exp, iat, nonce, azp (and at_hash when present) by authlib.oidc.core.CodeIDToken.
    Answers the claims (a dict) and the header."""
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=[alg])
    options = {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id},
               "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}
    params = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    claims.validate(now=int(time.time()), leeway=leeway)
    return dict(claims), dict(token.header)


def verify_access_token(access_token, jwks, issuer, client_id, leeway=5):
    """The JWT access token (RFC 9068): ES256, typ at+jwt, iss, aud, exp checked against the JWKS."""
    token = jwt.decode(access_token, KeySet.import_key_set(jwks), algorithms=["ES256"])
    registry = jwt.JWTClaimsRegistry(now=int(time.time()), leeway=leeway,
                                     iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
                                     exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
                                     jti={"essential": True})
    registry.validate(token.claims)
    return dict(token.claims), dict(token.header)


def verify_logout_token(logout_token, jwks, issuer, client_id, alg="RS256", leeway=5):
    """A back-channel logout token (OpenID Connect Back-Channel Logout 1.0, 2.6): signature against the JWKS,
    iss, aud, iat, exp, jti, and the logout event; no nonce."""
    token = jwt.decode(logout_token, KeySet.import_key_set(jwks), algorithms=[alg])
    registry = jwt.JWTClaimsRegistry(now=int(time.time()), leeway=leeway,
                                     iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
                                     iat={"essential": True}, exp={"essential": True}, jti={"essential": True})
    registry.validate(token.claims)
    claims = dict(token.claims)
    events = claims.get("events")
    if not isinstance(events, dict) or events.get(BACKCHANNEL_EVENT) != {}:
        raise AssertionError(f"the logout token has no back-channel logout event: {claims}")
    if "nonce" in claims:
        raise AssertionError("a logout token must not carry a nonce")
    if "sub" not in claims and "sid" not in claims:
        raise AssertionError("a logout token names a sub or a sid")
    return claims, dict(token.header)


def forged_tokens(genuine, jwks):
    """Tokens with the genuine token's header and claims that no key of the provider signed: `alg: none`, the
    provider's kid on a key of our own (ES256 and RS256), and HS256 keyed with the provider's public key."""
    import base64

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = unverified_header(genuine)
    part = genuine.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    kid = header.get("kid")
    none_header = dict(header, alg="none")
    forged = {
        "alg_none": f"{b64(json.dumps(none_header).encode())}.{part}.",
        "alg_none_with_signature": f"{b64(json.dumps(none_header).encode())}.{part}.{genuine.split('.')[2]}",
    }
    other_ec = ECKey.generate_key("P-256", parameters={"kid": kid})
    forged["other_ec_key"] = jwt.encode(dict(header, alg="ES256"), claims, other_ec, algorithms=["ES256"])
    other_rsa = RSAKey.generate_key(2048, parameters={"kid": kid})
    forged["other_rsa_key"] = jwt.encode(dict(header, alg="RS256"), claims, other_rsa, algorithms=["RS256"])
    from joserfc.jwk import OctKey
    public = next((k for k in jwks["keys"] if k.get("kid") == kid), jwks["keys"][0])
    hmac_key = OctKey.import_key(json.dumps(public, sort_keys=True).encode())
    forged["hs256_public_key"] = jwt.encode(dict(header, alg="HS256"), claims, hmac_key, algorithms=["HS256"])
    # The genuine signature over claims that were changed afterwards.
    tampered = dict(claims, scope=claims.get("scope", "") + " id_number", exp=int(time.time()) + 86400)
    forged["tampered_claims"] = f"{genuine.split('.')[0]}.{b64(json.dumps(tampered).encode())}.{genuine.split('.')[2]}"
    return forged
