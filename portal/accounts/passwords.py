"""Hashing with argon2, and the rule that refuses easily guessed passwords."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 copes with more; this keeps the strength check quick.
# zxcvbn scores 0-4; 3 means "safely unguessable". Three random words pass easily.
MIN_SCORE = 3

_hasher = PasswordHasher()
# A hash to verify against when there is no account, so that a wrong email takes as
# long as a wrong password and timing tells nobody which addresses are registered.
_DUMMY_HASH = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, in words a person can act on, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    result = zxcvbn(password, user_inputs=[value for value in user_inputs if value])
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning")
        advice = "Choose a password that is harder to guess, for example three random words"
        return f"{warning.rstrip('.')}. {advice}" if warning else advice
    return None
