"""A small Redfish client on python3-requests for the interop tests: one
bmcd's service on its loopback port, as admin unless told otherwise.  The
service's certificate is self-signed, so nothing is verified."""

import requests

ADMIN = ("admin", "password")


class Redfish:
    def __init__(self, b):
        self.b = b
        self.port = b.redfish_port
        self.base = f"https://127.0.0.1:{self.port}"

    def req(self, method, path, auth=ADMIN, **kw):
        kw.setdefault("timeout", 10)
        return requests.request(method, self.base + path, auth=auth, verify=False, **kw)

    def get(self, path, **kw):
        """GET that must answer 200: its JSON."""
        r = self.req("GET", path, **kw)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def patch(self, path, body, **kw):
        return self.req("PATCH", path, json=body, **kw)

    def post(self, path, body, **kw):
        return self.req("POST", path, json=body, **kw)
