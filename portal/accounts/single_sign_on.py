"""Staff single sign-on through the council's OpenID Connect provider (Microsoft Entra ID).

On only when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set. Authlib sends
the person to the provider with a state, a nonce and a PKCE challenge, and on their return
exchanges the code for an ID token, whose signature is checked against the provider's
published keys (JWKS), and its issuer, audience, expiry and nonce against ours. Who the
verified identity is in the portal is decided in accounts.single_sign_on_accounts.
"""

import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App, OAuthError
from flask import current_app
from joserfc.errors import JoseError

from portal.accounts.models import SSO_SUBJECT_LENGTH, User

log = logging.getLogger(__name__)

CLIENT_NAME = "staff_single_sign_on"
# Seconds to wait for the provider: a slow provider gives "try again", not a hung worker.
PROVIDER_TIMEOUT_S = 10
# Clock drift allowed between the provider and us when checking an ID token's times.
LEEWAY_S = 120

# What can go wrong between us and the provider: unreachable, a refusal (Authlib's errors, also
# for a state this browser did not start), a token that fails its checks (JoseError), a
# document that is not what OpenID Connect says (ValueError for bad JSON, KeyError, RuntimeError).
PROVIDER_FAILURES = (requests.RequestException, AuthlibBaseError, JoseError, ValueError, KeyError, RuntimeError)


# --- settings ------------------------------------------------------------------------------


def is_on(config=None) -> bool:
    config = config if config is not None else current_app.config
    return all(config.get(name) for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"))


def provider_name() -> str:
    return current_app.config["OIDC_PROVIDER_NAME"]


def issuer() -> str:
    return current_app.config["OIDC_ISSUER"].rstrip("/")


def may_use_password(user: User) -> bool:
    """Whether ``user`` may sign in with a password (and so reset one). Staff may not once
    STAFF_PASSWORD_SIGN_IN is off, but only while single sign-on is on to let them in."""
    return not (user.is_staff and is_on() and not current_app.config["STAFF_PASSWORD_SIGN_IN"])


def check_settings(app) -> None:
    """At start-up: a council that turned staff passwords off without single sign-on set up
    would lock its staff out, so the setting waits until single sign-on is on."""
    if not app.config["STAFF_PASSWORD_SIGN_IN"] and not is_on(app.config):
        log.warning(
            "STAFF_PASSWORD_SIGN_IN is off but single sign-on is not configured (OIDC_ISSUER, OIDC_CLIENT_ID "
            "and OIDC_CLIENT_SECRET): staff go on signing in with their passwords."
        )


# --- the provider --------------------------------------------------------------------------


def _client() -> FlaskOAuth2App:
    """The Authlib client for the provider now configured, made on first use and kept, so that
    discovery and the keys are fetched once (Authlib fetches the keys again when a token is
    signed with one it does not know, as when the provider rotates them)."""
    config = current_app.config
    settings = (issuer(), config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    clients = current_app.extensions.setdefault(CLIENT_NAME, {})
    if settings not in clients:
        clients[settings] = FlaskOAuth2App(
            FlaskIntegration(CLIENT_NAME),
            CLIENT_NAME,
            client_id=settings[1],
            client_secret=settings[2],
            server_metadata_url=f"{settings[0]}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT_S,
            },
        )
    return clients[settings]


def redirect_to_provider(redirect_uri: str):
    """The redirect to the provider's sign-in page; the state, nonce and PKCE verifier wait in
    this browser's session for its return."""
    return _client().authorize_redirect(redirect_uri)


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from an ID token that passed every check."""

    subject: str  # "<issuer>#<sub>": an issuer is a URL with no fragment, so two never collide
    email: str | None
    email_verified: bool
    multi_factor: bool


def _claims_options() -> dict[str, Any]:
    """Checked on top of Authlib's own (signature, expiry, nonce): the issuer is ours and the
    token was made for us, not for another application of the same tenant."""
    return {
        "iss": {"essential": True, "value": issuer()},
        "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
    }


def identity_from_callback() -> Identity:
    """Exchange the code the provider sent the person back with for a verified ID token.
    Raises one of PROVIDER_FAILURES if anything about it is wrong."""
    token = _client().authorize_access_token(claims_options=_claims_options(), leeway=LEEWAY_S)
    claims = token.get("userinfo")
    if not claims:
        raise OAuthError(description="The provider sent no ID token")
    subject = f"{issuer()}#{claims['sub']}"
    if len(subject) > SSO_SUBJECT_LENGTH:
        raise ValueError("The subject is longer than OpenID Connect allows")
    amr = claims.get("amr") or []
    return Identity(
        subject=subject,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        email_verified=claims.get("email_verified") is True or bool(current_app.config["OIDC_EMAILS_VERIFIED"]),
        multi_factor=isinstance(amr, list) and "mfa" in amr,
    )


def failure_reason(error: Exception) -> str:
    """A short name for why it failed, for the audit log: never the token or its claims."""
    if isinstance(error, MismatchingStateError):
        return "state_mismatch"
    if isinstance(error, AuthlibBaseError):
        return "provider_refused"
    if isinstance(error, JoseError):
        return "invalid_id_token"
    if isinstance(error, requests.RequestException):
        return "provider_unreachable"
    return "provider_response_invalid"
