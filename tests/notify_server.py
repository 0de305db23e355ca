"""A small GOV.UK Notify for the tests, served over HTTP from a thread: the three endpoints
the portal posts to (/v2/notifications/email, /sms and /letter), each checking the JWT the
official client signs (HS256 with the API key's secret, iss the service id, iat within 30
seconds) and the fields Notify requires, then answering with a new notification id. A test can
make it answer as Notify does when it is down (5xx), busy (429) or refuses a message (400, 403)."""

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import jwt
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"portal_tests-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE_ID = "b4e8b6f8-4b64-4d8a-9b16-8e46d3a3c7b1"
# How far the token's iat may be from the server's clock, as Notify allows.
TOKEN_LEEWAY_SECONDS = 30

# Notify's own error bodies, as its API documentation gives them.
ERRORS = {
    400: ("BadRequestError", "Can't send to this recipient using a team-only API key"),
    403: ("AuthError", "Invalid token: API key not found"),
    429: ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
    500: ("Exception", "Internal server error"),
}


@dataclass
class Notify:
    sent: list[dict] = field(default_factory=list)
    # Status codes to answer with, one per request, before answering normally again.
    failures: list[int] = field(default_factory=list)
    refused_tokens: int = 0

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def by_type(self, kind: str) -> list[dict]:
        return [item for item in self.sent if item["type"] == kind]

    # --- the API -----------------------------------------------------------------------------

    def _error(self, status: int, error: str | None = None, message: str | None = None) -> Response:
        default_error, default_message = ERRORS.get(status, ("Exception", "Internal server error"))
        body = {
            "status_code": status,
            "errors": [{"error": error or default_error, "message": message or default_message}],
        }
        return Response(json.dumps(body), status=status, content_type="application/json")

    def _token_refusal(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return self._error(401, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidTokenError:
            return self._error(403, "AuthError", "Invalid token: signature, api token not found")
        if claims.get("iss") != SERVICE_ID:
            return self._error(403, "AuthError", "Invalid token: service not found")
        if not isinstance(claims.get("iat"), int) or abs(time.time() - claims["iat"]) > TOKEN_LEEWAY_SECONDS:
            return self._error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        return None

    def _accept(self, kind: str, payload: dict) -> Response:
        notification_id = str(uuid.uuid4())
        self.sent.append({"type": kind, "id": notification_id, **payload})
        body = {"id": notification_id, "reference": payload.get("reference"), "content": {}, "uri": "", "template": {}}
        return Response(json.dumps(body), status=201, content_type="application/json")

    def _missing(self, payload: dict, *names: str) -> Response | None:
        for name in names:
            if not payload.get(name):
                return self._error(400, "ValidationError", f"{name} is a required property")
        return None

    def email(self, payload: dict) -> Response:
        return self._missing(payload, "email_address", "template_id") or self._accept("email", payload)

    def sms(self, payload: dict) -> Response:
        return self._missing(payload, "phone_number", "template_id") or self._accept("sms", payload)

    def letter(self, payload: dict) -> Response:
        # The portal sends only precompiled letters: a reference and a base64 PDF.
        refused = self._missing(payload, "reference", "content")
        if refused:
            return refused
        pdf = base64.b64decode(payload["content"])
        if not pdf.startswith(b"%PDF-"):
            return self._error(400, "ValidationError", "Letter content is not a valid PDF")
        return self._accept("letter", {**payload, "pdf": pdf})

    def __call__(self, environ, start_response):
        request = Request(environ)
        endpoints = Map(
            [Rule(f"/v2/notifications/{kind}", endpoint=kind, methods=["POST"]) for kind in ("email", "sms", "letter")]
        ).bind_to_environ(environ)
        endpoint, _ = endpoints.match()
        refusal = self._token_refusal(request)
        if refusal is not None:
            self.refused_tokens += 1
            return refusal(environ, start_response)
        if self.failures:
            return self._error(self.failures.pop(0))(environ, start_response)
        return getattr(self, endpoint)(request.get_json())(environ, start_response)


def serve() -> tuple[Notify, object, str]:
    """Start Notify on a free port of 127.0.0.1; returns it, its server (to shut down) and its address."""
    notify = Notify()
    server = make_server("127.0.0.1", 0, notify, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return notify, server, f"http://127.0.0.1:{server.server_port}"
