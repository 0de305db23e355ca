"""A small OpenID Connect provider for the tests, served over HTTP from a thread: discovery,
its public keys (JWKS), an authorization endpoint that signs in at once whoever the test says,
and a token endpoint that checks the client's secret, the code (once) and its PKCE verifier,
then returns an RS256 ID token. A test tells it who to assert and how to misbehave."""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.datastructures import Authorization
from werkzeug.exceptions import BadRequest, HTTPException, Unauthorized
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "together-we-can-portal"
CLIENT_SECRET = "client-secret-for-tests"


@dataclass
class Assertion:
    """Who the provider says signed in, and what it gets wrong on purpose."""

    sub: str = "subject-1"
    email: str | None = None
    email_verified: bool | None = True
    amr: list[str] | None = None
    audience: str = CLIENT_ID
    azp: str | None = None
    expires_in: int = 300
    forged: bool = False  # signed with a key of the same id that is not in the JWKS
    nonce: str | None = None  # instead of the one the portal sent

    def claims(self, issuer: str, nonce: str) -> dict:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": self.sub,
            "aud": self.audience,
            "iat": now - 5,
            "exp": now + self.expires_in,
            "nonce": self.nonce or nonce,
        }
        optional = {"email": self.email, "email_verified": self.email_verified, "amr": self.amr, "azp": self.azp}
        return claims | {name: value for name, value in optional.items() if value is not None}


@dataclass
class Grant:
    claims: dict
    redirect_uri: str
    code_challenge: str
    forged: bool


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class Provider:
    issuer: str = ""
    assertion: Assertion = field(default_factory=Assertion)
    grants: dict[str, Grant] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "signing-key"}))
    forger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "signing-key"}))
    token_requests: int = 0

    def will_assert(self, **values) -> None:
        self.assertion = Assertion(**values)

    # --- endpoints -----------------------------------------------------------------------------

    def discovery(self, request: Request) -> Response:
        return self._json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/keys",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    def keys(self, request: Request) -> Response:
        return self._json(KeySet([self.key]).as_dict(private=False))

    def authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("code_challenge_method") != "S256":
            raise BadRequest("unknown client, or no PKCE")
        if args.get("response_type") != "code" or "openid" not in args.get("scope", "").split():
            raise BadRequest("not an OpenID Connect code request")
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            claims=self.assertion.claims(self.issuer, args["nonce"]),
            redirect_uri=args["redirect_uri"],
            code_challenge=args["code_challenge"],
            forged=self.assertion.forged,
        )
        location = f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}"
        return Response(status=302, headers={"Location": location})

    def token(self, request: Request) -> Response:
        self.token_requests += 1
        auth = request.authorization
        if not isinstance(auth, Authorization) or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            raise Unauthorized()
        grant = self.grants.pop(request.form.get("code", ""), None)  # each code works once
        if grant is None or request.form.get("redirect_uri") != grant.redirect_uri:
            return self._json({"error": "invalid_grant"}, status=400)
        if _s256(request.form.get("code_verifier", "")) != grant.code_challenge:
            return self._json({"error": "invalid_grant", "error_description": "PKCE"}, status=400)
        key = self.forger if grant.forged else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, grant.claims, key)
        return self._json(
            {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )

    # --- serving -------------------------------------------------------------------------------

    @staticmethod
    def _json(body: dict, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")

    def __call__(self, environ, start_response):
        routes = Map(
            [
                Rule("/.well-known/openid-configuration", endpoint=self.discovery),
                Rule("/keys", endpoint=self.keys),
                Rule("/authorize", endpoint=self.authorize),
                Rule("/token", endpoint=self.token, methods=["POST"]),
            ]
        )
        request = Request(environ)
        try:
            endpoint, _ = routes.bind_to_environ(environ).match()
            response = endpoint(request)
        except HTTPException as error:
            response = error.get_response()
        return response(environ, start_response)


def serve() -> tuple[Provider, object]:
    """Start a provider on a free port of 127.0.0.1; returns it and its server (to shut down)."""
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider, threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return provider, server
