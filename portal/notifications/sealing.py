"""Email bodies are kept encrypted while they wait to be sent: they hold live links (password
resets, sign-in links) and what families wrote, and a database copy or backup must not.

The keys are Fernet keys from OUTBOX_ENCRYPTION_KEY, comma-separated: the first encrypts, all
of them decrypt, so a key can be rotated by putting the new one first. Without that setting
one key is derived from SECRET_KEY, so development and tests need no configuration; it is
also kept last for decrypting, so setting OUTBOX_ENCRYPTION_KEY later strands no waiting mail.
"""

import base64
from functools import lru_cache

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy.types import TypeDecorator

# Changing this changes the derived key, and every waiting body would become unreadable.
DERIVED_KEY_PURPOSE = b"together-we-can outbox message body"


class UnreadableBody(ValueError):
    """A stored body that none of the configured keys decrypts (a key was removed too early)."""


def key_from_secret(secret: str) -> bytes:
    """A Fernet key of its own for the outbox, so the session signing key is never reused as is."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVED_KEY_PURPOSE).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=8)
def _keyring(configured: str | None, secret: str | None) -> MultiFernet:
    keys = [Fernet(key.strip()) for key in (configured or "").split(",") if key.strip()]
    if secret:
        keys.append(Fernet(key_from_secret(secret)))
    if not keys:
        raise RuntimeError("Set OUTBOX_ENCRYPTION_KEY or SECRET_KEY: email bodies are stored encrypted")
    return MultiFernet(keys)


def keyring(config=None) -> MultiFernet:
    config = current_app.config if config is None else config
    return _keyring(config.get("OUTBOX_ENCRYPTION_KEY"), config.get("SECRET_KEY"))


def seal(text: str, config=None) -> str:
    return keyring(config).encrypt(text.encode()).decode("ascii")


def unseal(token: str, config=None) -> str:
    try:
        return keyring(config).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise UnreadableBody("none of the configured keys decrypts this message") from None


class SealedText(TypeDecorator):
    """Text encrypted on its way into the database and decrypted on its way out."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)
