"""A new password known from data breaches is refused, found by asking a Pwned Passwords range
service (one the test starts, speaking the same protocol) without sending the password."""

import hashlib
import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

BREACHED = "Sunlit-Harbour-Quartz-51"  # strong by the local rules, but "breached" here
NEVER_SEEN = "Velvet-Compass-Thistle-88"


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


class RangeService(BaseHTTPRequestHandler):
    """GET /range/<first five of the SHA-1>: every known suffix starting so, with a count,
    padded with decoys of count 0 as the real service pads its answers."""

    known = {sha1(BREACHED): 4_211}
    asked: list[tuple[str, str | None]] = []

    def do_GET(self):
        prefix = self.path.rsplit("/", 1)[-1]
        type(self).asked.append((self.path, self.headers.get("Add-Padding")))
        lines = [f"{full[5:]}:{count}" for full, count in self.known.items() if full.startswith(prefix)]
        lines += [f"{'0' * 30}{n:05X}:0" for n in range(20)]
        body = "\r\n".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def range_service(app):
    RangeService.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RangeService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["BREACHED_PASSWORDS_URL"] = f"http://127.0.0.1:{server.server_port}/range"
    yield RangeService
    server.shutdown()
    server.server_close()


def register(client, password: str):
    return client.post(
        "/register", data={"role": "parent", "name": "Ada Parent", "email": "ada@example.org", "password": password}
    )


def test_a_breached_password_is_refused_and_the_password_never_leaves(client, range_service):
    refused = register(client, BREACHED)
    assert refused.status_code == 200
    page = html.unescape(refused.get_data(as_text=True))
    assert "This password has appeared in a data breach on another website" in page
    assert 'value="ada@example.org"' in page  # what was typed stays

    path, padding = range_service.asked[-1]
    assert path == "/range/" + sha1(BREACHED)[:5]  # five characters of the hash, nothing more
    assert padding == "true"


def test_a_password_no_breach_holds_is_accepted(client, range_service):
    assert register(client, NEVER_SEEN).headers["Location"] == "/register/check-your-email"
    assert range_service.asked  # it was checked


def test_changing_to_a_breached_password_is_refused_too(auth, users, range_service):
    parent = users.make("parent")
    auth.sign_in(parent)
    refused = auth.client.post("/account/password", data={"current_password": parent.password, "password": BREACHED})
    assert "appeared in a data breach" in html.unescape(refused.get_data(as_text=True))


def test_when_the_service_cannot_be_reached_the_local_rules_decide(app, client):
    app.config["BREACHED_PASSWORDS_URL"] = "http://127.0.0.1:9/range"  # nothing listens there
    assert register(client, BREACHED).headers["Location"] == "/register/check-your-email"
