"""Hashing with argon2, and the rule that refuses easily guessed passwords."""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

from portal.accounts import breached_passwords

MIN_LENGTH = 12  # OWASP ASVS 2.1.1
MAX_LENGTH = 128  # argon2 copes with more; this keeps the strength check quick.
# zxcvbn scores 0-4; 3 means "safely unguessable". Three random words pass easily.
MIN_SCORE = 3


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


@cache
def _dummy_hash(profile: str) -> str:
    # Verified against when there is no account, so that a wrong email takes as long as
    # a wrong password and timing tells nobody which addresses are registered.
    return _hasher_for(profile).hash("no account has this password")


def _profile() -> str:
    """argon2 parameters from PASSWORD_HASH_PROFILE (tests use the cheapest to stay quick)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    return "RFC_9106_LOW_MEMORY"


def hash_password(password: str) -> str:
    return _hasher_for(_profile()).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    profile = _profile()
    try:
        return _hasher_for(profile).verify(password_hash or _dummy_hash(profile), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher_for(_profile()).check_needs_rehash(password_hash)


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, in words a person can act on, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    result = zxcvbn(password, user_inputs=_personal_words(user_inputs))
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning")
        advice = "Choose a password that is harder to guess, for example three random words"
        return f"{warning.rstrip('.')}. {advice}" if warning else advice
    if breached_passwords.times_seen(password):
        return "This password has appeared in a data breach on another website, so criminals may try it. Choose a different password"
    return None


def _personal_words(values: tuple[str, ...]) -> list[str]:
    """A person's name and email, whole and word by word, so that a password built from
    them ("adalovelace2026") is caught."""
    words = []
    for value in values:
        value = (value or "").strip().lower()
        if not value:
            continue
        local = value.split("@")[0]
        parts = [part for part in local.replace(".", " ").replace("_", " ").replace("-", " ").split() if len(part) > 2]
        words += [value, local, "".join(parts), *parts]
    return words
