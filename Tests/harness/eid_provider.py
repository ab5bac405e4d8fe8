"""A stand-in for the national electronic identity provider (VNeID): an OpenID Connect provider built on pyop
(authorization code flow with PKCE, client_secret_basic, RS256 or ES256 ID tokens, userinfo), behind a small
WSGI application served by wsgiref in a thread, on 127.0.0.1.

The browser is shown a page listing the test people, one button each (`eid-user-<key>`), and a cancel button
(`eid-cancel`); the chosen person's claims go into the ID token (or only into the userinfo answer, see
`claims_in`). Faults are switched on per test with `fault(name)`, to break what the relying party must check:

    bad_signature      the ID token's signature bytes flipped
    foreign_key        the ID token signed with a key that is not in the JWKS (same kid as the real one)
    alg_none           the ID token unsigned (alg "none")
    wrong_nonce        nonce changed, re-signed with the provider's real key
    wrong_issuer       iss changed, re-signed
    wrong_audience     aud changed, re-signed
    expired            exp (and iat) an hour in the past, re-signed
    token_error        the token endpoint answers 400 invalid_grant
    hang               the token endpoint waits `hang_seconds` (20 s) before answering, or until clear()
    down_after_authorize  the provider stops listening right after sending the browser back
    wrong_state        the browser is sent back with another state
    userinfo_other_sub the userinfo endpoint answers for another subject

In tests, import it and run it in the test process:

    provider = EIDProvider()            # a free port, public host 127.0.0.1
    provider.start()
    provider.add_redirect_uri(portal_base + "/dang-nhap/dinh-danh-dien-tu/ve")
    env.update(provider.portal_settings())   # EID_ISSUER, EID_CLIENT_ID, EID_CLIENT_SECRET
    ...
    provider.fault("wrong_nonce"); ...; provider.clear()
    provider.stop()

By hand, for a demo (prints the portal's settings, then serves until Ctrl-C):

    python3 Tests/harness/eid_provider.py --port 8092 --redirect-uri http://127.0.0.1:8080/dang-nhap/dinh-danh-dien-tu/ve

The same faults are reachable over HTTP for a provider in another process: GET /_/fault?name=wrong_nonce,
GET /_/clear, GET /_/log (what the relying party sent, as JSON).
"""
import argparse
import base64
import copy
import html
import json
import secrets
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from Cryptodome.PublicKey import RSA
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwkest.jwk import ECKey, RSAKey
from jwkest.jws import JWS
from pyop.authz_state import AuthorizationState
from pyop.exceptions import InvalidAccessToken, InvalidAuthenticationRequest, InvalidClientAuthentication, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo

REDIRECT_PATH = "/dang-nhap/dinh-danh-dien-tu/ve"
FAULTS = {"bad_signature", "foreign_key", "alg_none", "wrong_nonce", "wrong_issuer", "wrong_audience", "expired",
          "token_error", "hang", "down_after_authorize", "wrong_state", "userinfo_other_sub"}
STANDARD_PROFILE = ["name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
                    "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"]


# ---------------------------------------------------------------------------------------------------------
# People


def id_number_for(province, birthdate, female, serial):
    """A 12-digit personal identification number consistent with the birth date and sex: province code (3 digits),
    then the century and sex digit (2·(century−19) + 1 for a woman), the year's last two digits, and a 6-digit
    serial."""
    year = int(birthdate[:4])
    century_sex = 2 * ((year - 1900) // 100) + (1 if female else 0)
    return f"{province}{century_sex}{year % 100:02d}{serial:06d}"


def person(key, name, birthdate, phone, acr="2", female=False, province="001", serial=None, id_number=None, **extra):
    """A test person: the claims the provider knows, its subject, and the acr it signs the person in with."""
    serial = serial if serial is not None else int.from_bytes(key.encode()[:3].ljust(3, b"0"), "big") % 1000000
    claims = {
        "sub": "vneid-" + key,
        "name": name,
        "birthdate": birthdate,
        "gender": "female" if female else "male",
        "id_number": id_number or id_number_for(province, birthdate, female, serial),
        "phone_number": phone,
        "phone_number_verified": True,
    }
    claims.update(extra)
    return {"key": key, "acr": acr, "claims": claims}


def default_people():
    """The people of a demo: one new person per level, and three of `portal demo`'s accounts by their ID numbers."""
    return [
        person("bich", "Trần Thị Bích", "1990-03-15", "+84987000101", acr="2", female=True, province="001", serial=12345),
        person("dung", "Lê Văn Dũng", "2001-07-02", "+84987000102", acr="1", province="079", serial=2468),
        person("an", "Nguyễn Văn An", "1960-10-10", "+84912000011", acr="2", id_number="033060000011"),
        person("mai", "Vũ Thị Mai", "1993-04-14", "+84912000006", acr="1", female=True, id_number="033193000006"),
        person("thu", "Bùi Thị Thu", "1995-06-18", "+84912000008", acr="1", female=True, id_number="033195000008"),
    ]


class _People(Userinfo):
    """pyop's user store, keyed by the person's key, with the claims of each scope as this provider gives them:
    `profile` carries the ID number and the phone number too, as the national provider gives a registered relying
    party its agreed claims whatever else it asks for."""

    def __init__(self):
        super().__init__({})

    def put(self, key, claims):
        self._db[key] = claims


# ---------------------------------------------------------------------------------------------------------
# The server


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class EIDProvider:
    """The stand-in provider. `public_host` is the host name in its URLs (the issuer); it always listens on
    127.0.0.1. Everything the relying party sent is kept in `seen` ("authorize", "token", "userinfo", "discovery",
    "jwks": lists of dicts)."""

    def __init__(self, port=None, public_host="127.0.0.1", client_id="cong-dvc-hung-yen",
                 client_secret=None, redirect_uris=(), people=None, alg="RS256", claims_in="id_token",
                 token_auth="client_secret_basic", id_token_lifetime=600, hang_seconds=20.0):
        self.port = port or _free_port()
        self.public_host = public_host
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_hex(24)
        self.claims_in = claims_in
        self.hang_seconds = hang_seconds
        self.lock = threading.Lock()
        self.acr = {}
        self.people = _People()
        self.rsa = _rsa_key("vneid-rs256-1")
        self.ec = _ec_key("vneid-es256-1")
        self.stranger = _rsa_key("vneid-rs256-1")  # same kid, not in the JWKS: for the foreign_key fault
        self.auto_user = None
        self.generation = 1
        self._fault = None
        self._release = threading.Event()
        self._server = None
        self._thread = None
        self.seen = {"authorize": [], "token": [], "userinfo": [], "discovery": [], "jwks": []}

        config = {
            # pyop (through pyoidc) verifies that the issuer is https when the provider is made; the stand-in
            # serves plain http on 127.0.0.1, so the real issuer is put back right after (see below).
            "issuer": "https://" + self.issuer.split("://", 1)[1],
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": [token_auth],
            "scopes_supported": ["openid", "profile", "phone", "id_number"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "acr", "auth_time", "name", "birthdate",
                                 "gender", "id_number", "phone_number", "phone_number_verified"],
            "acr_values_supported": ["1", "2"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
        }
        state = AuthorizationState(HashBasedSubjectIdentifierFactory(secrets.token_hex(16)),
                                   authorization_code_lifetime=300, access_token_lifetime=600)
        self.clients = {self.client_id: {
            "client_secret": self.client_secret,
            "redirect_uris": list(redirect_uris),
            "response_types": ["code"],
            "token_endpoint_auth_method": token_auth,
            "id_token_signed_response_alg": "RS256",
        }}
        self.op = Provider(self.rsa, config, state, self.clients, self.people, id_token_lifetime=id_token_lifetime,
                           extra_scopes={"profile": STANDARD_PROFILE + ["id_number", "phone_number", "phone_number_verified"],
                                         "id_number": ["id_number"]})
        self.op.configuration_information["issuer"] = self.issuer
        for p in people if people is not None else default_people():
            self.add_person(p)
        self.use_alg(alg)

    # -- configuration

    @property
    def issuer(self):
        return f"http://{self.public_host}:{self.port}"

    def portal_settings(self, **more):
        """The portal's EID_* settings for this provider (strings), with `more` added (EID_MIN_ACR=..., ...)."""
        settings = {"EID_ISSUER": self.issuer, "EID_CLIENT_ID": self.client_id, "EID_CLIENT_SECRET": self.client_secret}
        settings.update({k: str(v) for k, v in more.items()})
        return settings

    def add_redirect_uri(self, uri):
        with self.lock:
            if uri not in self.clients[self.client_id]["redirect_uris"]:
                self.clients[self.client_id]["redirect_uris"].append(uri)

    def add_person(self, p):
        """A person made by person(); answers its claims."""
        with self.lock:
            self.people.put(p["key"], copy.deepcopy(p["claims"]))
            self.acr[p["key"]] = p["acr"]
        return p["claims"]

    def claims(self, key):
        return copy.deepcopy(self.people[key])

    def set_acr(self, key, acr):
        with self.lock:
            self.acr[key] = acr

    def use_alg(self, alg):
        """Signs the next ID tokens with RS256 or ES256 (both keys are always in the JWKS)."""
        if alg not in ("RS256", "ES256"):
            raise ValueError(alg)
        with self.lock:
            self.op.signing_key = self.rsa if alg == "RS256" else self.ec
            self.clients[self.client_id]["id_token_signed_response_alg"] = alg

    def rotate_keys(self):
        """A new RSA key with a new kid replaces the old one in the JWKS and signs from now on (with RS256).
        Answers the old key, for set_rsa_key()."""
        self.generation += 1
        return self.set_rsa_key(_rsa_key(f"vneid-rs256-{self.generation}"))

    def set_rsa_key(self, key):
        """`key` becomes the RSA key of the JWKS and of RS256 signing; answers the one it replaces."""
        with self.lock:
            old, self.rsa = self.rsa, key
            if self.clients[self.client_id]["id_token_signed_response_alg"] == "RS256":
                self.op.signing_key = self.rsa
        return old

    @property
    def alg(self):
        return self.clients[self.client_id]["id_token_signed_response_alg"]

    def fault(self, name):
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; one of {sorted(FAULTS)}")
        with self.lock:
            self._fault = name
            self._release.clear()

    def clear(self):
        """No fault any more; a hanging token request is answered at once."""
        with self.lock:
            self._fault = None
            self._release.set()

    def forget(self):
        """Forgets what the relying party sent so far."""
        with self.lock:
            for entries in self.seen.values():
                entries.clear()

    def jwks(self):
        return {"keys": [self.rsa.serialize(private=False), self.ec.serialize(private=False)]}

    # -- running

    def start(self):
        """Listens on 127.0.0.1:port in a thread of its own."""
        if self._server is not None:
            return self
        self._server = make_server("127.0.0.1", self.port, self, server_class=_ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="eid-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Closes the port (connection refused from then on); start() opens it again at the same port."""
        self._release.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(timeout=10)

    down = stop
    up = start

    @property
    def running(self):
        return self._server is not None

    # -- the ID token's extra claims (pyop asks for them at the token endpoint)

    def _id_token_claims(self, user_id, client_id):
        with self.lock:
            acr = self.acr.get(user_id)
            claims = copy.deepcopy(self.people[user_id])
        extra = {"auth_time": int(time.time()) - 2}
        if acr is not None:
            extra["acr"] = acr
        if self.claims_in == "id_token":
            claims.pop("sub", None)
            extra.update(claims)
        return extra

    # -- WSGI

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            # Discovery and keys may be cached for an hour, as a real provider allows.
            if path == "/.well-known/openid-configuration":
                self._note("discovery", {})
                return _json(start_response, 200, self.op.provider_configuration.to_dict(), cache="public, max-age=3600")
            if path == "/jwks":
                self._note("jwks", {})
                return _json(start_response, 200, self.jwks(), cache="public, max-age=3600")
            if path == "/authorize" and method == "GET":
                return self._authorize(environ, start_response)
            if path == "/authorize/chon" and method == "POST":
                return self._chosen(environ, start_response)
            if path == "/token" and method == "POST":
                return self._token(environ, start_response)
            if path == "/userinfo" and method in ("GET", "POST"):
                return self._userinfo(environ, start_response)
            if path.startswith("/_/"):
                return self._control(path, environ, start_response)
            return _page(start_response, 404, "Không tìm thấy", "<p>Không có trang này.</p>")
        except Exception as error:  # a stand-in answers 500 with the reason rather than dropping the connection
            return _json(start_response, 500, {"error": "server_error", "error_description": repr(error)})

    def _note(self, kind, entry):
        with self.lock:
            self.seen[kind].append(entry)

    def _authorize(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        self._note("authorize", {k: v[0] for k, v in urllib.parse.parse_qs(query).items()})
        try:
            request = self.op.parse_authentication_request(query)
        except InvalidAuthenticationRequest as error:
            url = error.to_error_url()
            if url:
                return _redirect(start_response, url)
            return _page(start_response, 400, "Yêu cầu không hợp lệ", f"<p id='eid-error'>{html.escape(str(error))}</p>")
        if self.auto_user:
            return self._send_back(request, self.auto_user, start_response)
        with self.lock:
            people = [(key, self.people[key], self.acr.get(key)) for key in self.people._db]
        buttons = "".join(
            f'<li><button type="submit" name="user" value="{html.escape(key)}" id="eid-user-{html.escape(key)}">'
            f'{html.escape(c["name"])} — {html.escape(c["id_number"])} (mức {html.escape(str(acr))})</button></li>'
            for key, c, acr in people)
        body = (f'<form method="post" action="/authorize/chon" id="eid-choose">'
                f'<input type="hidden" name="request" value="{html.escape(query)}">'
                f'<p>Chọn người đăng nhập (môi trường thử):</p><ul>{buttons}</ul>'
                f'<button type="submit" name="cancel" value="1" id="eid-cancel">Hủy</button></form>')
        return _page(start_response, 200, "Đăng nhập bằng định danh điện tử (thử)", body)

    def _chosen(self, environ, start_response):
        form = _form(environ)
        try:
            request = self.op.parse_authentication_request(form.get("request", ""))
        except InvalidAuthenticationRequest as error:
            return _page(start_response, 400, "Yêu cầu không hợp lệ", f"<p id='eid-error'>{html.escape(str(error))}</p>")
        if form.get("cancel"):
            params = {"error": "access_denied", "error_description": "Người dùng đã hủy đăng nhập"}
            if "state" in request:
                params["state"] = request["state"]
            return _redirect(start_response, _with_query(request["redirect_uri"], params))
        user = form.get("user", "")
        if user not in self.people:
            return _page(start_response, 400, "Không có người này", "<p id='eid-error'>Không có người này.</p>")
        return self._send_back(request, user, start_response)

    def _send_back(self, request, user, start_response):
        response = self.op.authorize(request, user)
        params = response.to_dict()
        fault = self._fault
        if fault == "wrong_state":
            params["state"] = "khac-" + secrets.token_urlsafe(8)
        if fault == "down_after_authorize":
            # The port is closed before the browser is answered (on the connection already open), so that the
            # relying party's token request finds nobody listening.
            self.stop()
        return _redirect(start_response, _with_query(request["redirect_uri"], params))

    def _token(self, environ, start_response):
        body = _body(environ).decode("utf-8", "replace")
        authorization = environ.get("HTTP_AUTHORIZATION")
        self._note("token", {"form": dict(urllib.parse.parse_qsl(body)), "authorization": authorization,
                             "content_type": environ.get("CONTENT_TYPE")})
        fault = self._fault
        if fault == "hang":
            self._release.wait(self.hang_seconds)
        if fault == "token_error":
            return _json(start_response, 400, {"error": "invalid_grant", "error_description": "mã đã hết hạn"})
        try:
            response = self.op.handle_token_request(body, {"Authorization": authorization} if authorization else {},
                                                    extra_id_token_claims=self._id_token_claims)
        except InvalidClientAuthentication as error:
            return _json(start_response, 401, {"error": "invalid_client", "error_description": str(error)},
                         [("WWW-Authenticate", 'Basic realm="vneid"')])
        except OAuthError as error:
            return _json(start_response, 400, {"error": error.oauth_error, "error_description": str(error)})
        except KeyError as error:
            return _json(start_response, 400, {"error": "invalid_request", "error_description": f"missing {error}"})
        answer = response.to_dict()
        if "id_token" in answer and fault:
            answer["id_token"] = self._spoil(answer["id_token"], fault)
        return _json(start_response, 200, answer)

    def _userinfo(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        body = _body(environ).decode("utf-8", "replace") if environ.get("REQUEST_METHOD") == "POST" else ""
        authorization = environ.get("HTTP_AUTHORIZATION")
        self._note("userinfo", {"authorization": authorization, "query": query, "form": body})
        try:
            info = self.op.handle_userinfo_request(body or query, {"Authorization": authorization} if authorization else {})
        except (InvalidAccessToken, OAuthError, ValueError) as error:
            return _json(start_response, 401, {"error": "invalid_token", "error_description": str(error)},
                         [("WWW-Authenticate", 'Bearer error="invalid_token"')])
        answer = info.to_dict()
        if self._fault == "userinfo_other_sub":
            answer["sub"] = "vneid-nguoi-khac"
        return _json(start_response, 200, answer)

    def _control(self, path, environ, start_response):
        q = {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/_/fault":
            try:
                self.fault(q.get("name", ""))
            except ValueError as error:
                return _json(start_response, 400, {"error": str(error)})
            return _json(start_response, 200, {"fault": self._fault})
        if path == "/_/clear":
            self.clear()
            return _json(start_response, 200, {"fault": None})
        if path == "/_/log":
            with self.lock:
                return _json(start_response, 200, copy.deepcopy(self.seen))
        if path == "/_/alg":
            self.use_alg(q.get("alg", "RS256"))
            return _json(start_response, 200, {"alg": self.alg})
        return _json(start_response, 404, {"error": "unknown"})

    # -- faults on the ID token

    def decode(self, token):
        """(header, claims) of a compact JWS, unverified."""
        header, payload, _ = token.split(".")
        return json.loads(_unb64(header)), json.loads(_unb64(payload))

    def sign(self, claims, key=None, alg=None):
        """A compact JWS of `claims` signed with the provider's current key (or `key`)."""
        alg = alg or self.alg
        key = key or (self.rsa if alg == "RS256" else self.ec)
        return JWS(json.dumps(claims, ensure_ascii=False), alg=alg, kid=key.kid).sign_compact([key])

    def _spoil(self, token, fault):
        header, claims = self.decode(token)
        now = int(time.time())
        if fault == "bad_signature":
            head, payload, signature = token.split(".")
            raw = bytearray(_unb64(signature))
            raw[len(raw) // 2] ^= 0x5A
            raw[-1] ^= 0x01
            return f"{head}.{payload}.{_b64(bytes(raw))}"
        if fault == "alg_none":
            return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}."
        if fault == "foreign_key":
            self.stranger.kid = self.rsa.kid
            return self.sign(claims, key=self.stranger, alg="RS256")
        if fault == "wrong_nonce":
            claims["nonce"] = "khac-" + secrets.token_urlsafe(12)
        elif fault == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:9/vneid-gia"
        elif fault == "wrong_audience":
            claims["aud"] = "he-thong-khac"
        elif fault == "expired":
            claims["iat"], claims["exp"], claims["auth_time"] = now - 4200, now - 3600, now - 4200
        else:
            return token
        return self.sign(claims)


# ---------------------------------------------------------------------------------------------------------
# WSGI helpers


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rsa_key(kid):
    # Made with cryptography (OpenSSL), much faster than pycryptodome's own generator, then handed to pyjwkest.
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return RSAKey(key=RSA.import_key(pem), kid=kid, use="sig", alg="RS256")


def _ec_key(kid):
    private = ec.generate_private_key(ec.SECP256R1())
    numbers = private.private_numbers()
    return ECKey(x=numbers.public_numbers.x, y=numbers.public_numbers.y, d=numbers.private_value, crv="P-256",
                 kid=kid, use="sig", alg="ES256")


def _body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _form(environ):
    return {k: v[0] for k, v in urllib.parse.parse_qs(_body(environ).decode("utf-8", "replace")).items()}


def _with_query(uri, params):
    parts = urllib.parse.urlsplit(uri)
    query = "&".join(p for p in (parts.query, urllib.parse.urlencode(params)) if p)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _json(start_response, status, data, headers=(), cache="no-store"):
    body = json.dumps(data, ensure_ascii=False).encode()
    start_response(f"{status} {_reason(status)}", [("Content-Type", "application/json; charset=utf-8"),
                                                   ("Cache-Control", cache), ("Content-Length", str(len(body))),
                                                   *headers])
    return [body]


def _redirect(start_response, location):
    start_response("302 Found", [("Location", location), ("Content-Length", "0"), ("Cache-Control", "no-store")])
    return [b""]


def _page(start_response, status, title, body):
    page = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body><h1 id="eid-title">{html.escape(title)}</h1>{body}</body></html>').encode()
    start_response(f"{status} {_reason(status)}", [("Content-Type", "text/html; charset=utf-8"),
                                                   ("Content-Length", str(len(page)))])
    return [page]


def _reason(status):
    return {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            500: "Internal Server Error"}.get(status, "Status")


def main(argv=None):
    parser = argparse.ArgumentParser(description="A stand-in national e-ID provider (OpenID Connect) for the portal.")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--public-host", default="127.0.0.1", help="host name in the issuer URL (it listens on 127.0.0.1)")
    parser.add_argument("--redirect-uri", action="append", default=[],
                        help="the portal's redirect URI, PUBLIC_BASE_URL" + REDIRECT_PATH + " (repeatable)")
    parser.add_argument("--client-id", default="cong-dvc-hung-yen")
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--alg", choices=["RS256", "ES256"], default="RS256")
    parser.add_argument("--claims-in", choices=["id_token", "userinfo"], default="id_token")
    args = parser.parse_args(argv)
    redirect_uris = args.redirect_uri or ["http://127.0.0.1:8080" + REDIRECT_PATH]
    provider = EIDProvider(port=args.port, public_host=args.public_host, client_id=args.client_id,
                           client_secret=args.client_secret, redirect_uris=redirect_uris, alg=args.alg,
                           claims_in=args.claims_in)
    provider.start()
    print("Stand-in e-ID provider at", provider.issuer, "— redirect URIs:", ", ".join(redirect_uris))
    print("Start the portal with:")
    for name, value in provider.portal_settings().items():
        print(f"  {name}={value}")
    print("Test people:")
    for key in provider.people._db:
        c = provider.people[key]
        print(f"  {key}: {c['name']}, {c['birthdate']}, {c['id_number']}, {c['phone_number']}, acr {provider.acr[key]}")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        provider.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
