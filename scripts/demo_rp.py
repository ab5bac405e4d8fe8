#!/usr/bin/env python3
"""A demo service system that signs citizens in through the portal (a public OpenID Connect client with PKCE).

`portal demo` registers it as client `demo-mot-cua` and makes the catalogue's «Đăng ký khai sinh» lead here.
Run: python3 scripts/demo_rp.py --portal http://127.0.0.1:8080   (then open http://127.0.0.1:8091/)
Standard library only; it shows what the portal returned rather than verifying the ID token (a real system verifies
it against the portal's JWKS with an OpenID Connect library).
"""
import argparse
import base64
import hashlib
import html
import json
import secrets
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "demo-mot-cua"
HERE = "http://127.0.0.1:8091/"
pending = {}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    def page(self, body, status=200):
        data = ("<!doctype html><meta charset=utf-8><title>Một cửa điện tử (demo)</title>"
                "<body style='font-family:sans-serif;max-width:40em;margin:2em auto'>" + body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/":
            self.page("<h1>Hệ thống một cửa điện tử (demo)</h1><p>Đăng ký khai sinh trực tuyến.</p>"
                      "<p><a href='/login'>Đăng nhập bằng tài khoản Cổng Dịch vụ công</a></p>")
        elif url.path == "/login":
            state, verifier, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(48), secrets.token_urlsafe(16)
            pending[state] = verifier
            params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": HERE + "callback",
                      "scope": "openid profile phone", "state": state, "nonce": nonce,
                      "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()), "code_challenge_method": "S256"}
            self.send_response(303)
            self.send_header("Location", PORTAL + "/oidc/authorize?" + urllib.parse.urlencode(params))
            self.end_headers()
        elif url.path == "/callback":
            verifier = pending.pop(query.get("state", ""), None)
            if "error" in query or verifier is None:
                return self.page("<p>Không đăng nhập được: %s</p>" % html.escape(query.get("error_description", query.get("error", "state")) ), 400)
            form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": query["code"], "client_id": CLIENT_ID,
                                           "redirect_uri": HERE + "callback", "code_verifier": verifier}).encode()
            tokens = json.load(urllib.request.urlopen(urllib.request.Request(PORTAL + "/oidc/token", data=form)))
            request = urllib.request.Request(PORTAL + "/oidc/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]})
            claims = json.load(urllib.request.urlopen(request))
            logout = PORTAL + "/oidc/logout?" + urllib.parse.urlencode(
                {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": HERE, "state": "bye"})
            self.page("<h1>Xin chào %s</h1><pre>%s</pre><p><a href='%s'>Đăng xuất</a></p>"
                      % (html.escape(claims.get("name", "")), html.escape(json.dumps(claims, ensure_ascii=False, indent=2)), html.escape(logout)))
        else:
            self.page("<p>Không có trang này.</p>", 404)

    def do_POST(self):
        if self.path == "/backchannel":
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            print("back-channel logout:", body[:80], flush=True)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--portal", default="http://127.0.0.1:8080")
    PORTAL = parser.parse_args().portal.rstrip("/")
    print("Demo service system on " + HERE, flush=True)
    ThreadingHTTPServer(("127.0.0.1", 8091), Handler).serve_forever()
