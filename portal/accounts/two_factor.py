"""Two-factor authentication: a six-digit code from an authenticator app (TOTP, RFC 6238), or
one of ten single-use recovery codes when the app is not to hand.

Every staff member must set it up (STAFF_TWO_FACTOR_REQUIRED): they read special-category data
about children. Parents and youth members may turn it on; it is never forced on them. Each code
is accepted once (the time step of the last one is kept), and codes are checked a step either
side of now, as phones' clocks drift. The caller commits.
"""

import base64
import hashlib
import hmac
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup

from portal.accounts import security_notices, services
from portal.accounts.models import RecoveryCode, TwoFactor, User
from portal.accounts.passwords import verify_password
from portal.core import audit
from portal.core.time import utcnow
from portal.extensions import db

RECOVERY_CODES = 10
# Recovery codes are read off paper and typed: no letters that look like digits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
# A code from a step before or after now is accepted too (30 seconds either side).
DRIFT_STEPS = 1

AUDIT_LABELS = {
    "user.two_factor_set_up": "Set up two-factor authentication",
    "user.two_factor_turned_off": "Turned off two-factor authentication",
    "user.two_factor_reset": "Two-factor authentication reset",
    "user.recovery_code_used": "Signed in with a recovery code",
    "user.recovery_codes_replaced": "New recovery codes made",
    "user.two_factor_code_reused": "An authenticator code was used again",
}


# --- keeping the secret ------------------------------------------------------------------


def _cipher() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"two-factor secrets").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _sealed(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def _opened(sealed: str) -> str | None:
    try:
        return _cipher().decrypt(sealed.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the person sets it up again (an admin resets it)
        return None


# --- setting it up -------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def required_for(user: User) -> bool:
    return user.is_staff and bool(current_app.config["STAFF_TWO_FACTOR_REQUIRED"])


def is_set_up(user: User) -> bool:
    return db.session.get(TwoFactor, user.id) is not None


def app_link(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["SERVICE_NAME"])


def qr_code(link: str) -> Markup:
    """The QR code of ``link`` as an inline SVG image, drawn here: the secret never leaves
    the server for a third party to draw."""
    svg = segno.make(link, error="m").svg_inline(scale=5, border=4, dark="#0b0c0c", light="#ffffff")
    labelled = svg.replace("<svg ", '<svg role="img" aria-label="QR code to scan with your authenticator app" ', 1)
    return Markup(labelled)  # noqa: S704 (segno's own markup, with no text of the person's in it)


def spaced(secret: str) -> str:
    """The secret in groups of four, as people type it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _step_of(secret: str, code: str, after: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is right now (give or take drift) and newer
    than ``after``, the step of the last code used."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def turn_on(user: User, secret: str, code: str) -> list[str] | None:
    """Set up the app whose secret is ``secret`` once it shows it works (``code``); returns the
    new recovery codes to show once, or None when the code is wrong."""
    step = _step_of(secret, code, None)
    if step is None:
        return None
    db.session.merge(TwoFactor(user_id=user.id, secret=_sealed(secret), set_up_at=utcnow(), last_step=step))
    audit.record(user, "user.two_factor_set_up", user)
    security_notices.tell(user, "two_factor_on")
    return _new_recovery_codes(user)


def set_up_with(user: User, secret: str) -> None:
    """Set up a known secret without a code: the demo's staff accounts, whose key is published."""
    db.session.merge(TwoFactor(user_id=user.id, secret=_sealed(secret), set_up_at=utcnow()))


def turn_off(user: User) -> None:
    """For a parent or youth member who turned it on: staff cannot (an admin resets it)."""
    remove(user)
    audit.record(user, "user.two_factor_turned_off", user)
    security_notices.tell(user, "two_factor_off")


def reset(actor: User, user: User) -> None:
    """An admin clears a person's second factor (a lost phone): they set it up again at their
    next sign-in, and every session they have ends now."""
    remove(user)
    services.end_all_sessions(user)
    audit.record(actor, "user.two_factor_reset", user)
    security_notices.tell(user, "two_factor_reset")


def remove(user: User) -> None:
    """The app's secret and the recovery codes, gone (turned off, reset, or the account closed)."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(db.delete(TwoFactor).where(TwoFactor.user_id == user.id))


# --- recovery codes ------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    """Keyed with SECRET_KEY: a copy of the database alone cannot be searched for codes."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _normal_recovery(code: str) -> str:
    return "".join(character for character in code.lower() if character.isalnum())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    audit.record(user, "user.recovery_codes_replaced", user)
    security_notices.tell(user, "recovery_codes_replaced")
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# --- signing in ----------------------------------------------------------------------------


def check_code(user: User, code: str) -> bool:
    """Whether ``code`` from the app is right, and not one already used; if so, it is used now."""
    found = db.session.get(TwoFactor, user.id)
    secret = _opened(found.secret) if found else None
    if secret is None:
        return False
    step = _step_of(secret, code, found.last_step)
    if step is None:
        if found.last_step is not None and _step_of(secret, code, None) is not None:
            _code_reused(user)
        return False
    found.last_step = step
    return True


def _code_reused(user: User) -> None:
    """A right code, already used: someone may have watched it being typed (ASVS 2.8.5)."""
    audit.record(user, "user.two_factor_code_reused", user)
    security_notices.tell(user, "code_reused")


def confirms_identity(user: User, secret: str) -> bool:
    """Their password, or for someone without one a code from their app."""
    if user.password_hash:
        return verify_password(user.password_hash, secret)
    return check_code(user, secret)


def use_recovery_code(user: User, code: str) -> bool:
    """Whether ``code`` is one of the person's unused recovery codes; if so, it is used up now."""
    used = db.session.execute(
        db.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(_normal_recovery(code)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        return False
    audit.record(user, "user.recovery_code_used", user)
    security_notices.tell(user, "recovery_code_used")
    return True


def current_code(secret: str) -> str:
    """The code an app shows now for ``secret`` (the demo's known secret, at the command line)."""
    return pyotp.TOTP(secret).at(utcnow())
