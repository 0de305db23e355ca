"""The address a family's reply to a case email goes to, and reading it back: the team's
mailbox (or MAIL_REPLY_ADDRESS) plus-addressed with a token that names the case, the day it
was issued and an HMAC of both, like ``cases+123.20261204.k3x...@council.example``.

Only the portal can make a signature (it is keyed by SECRET_KEY), so a token cannot be made
up for another case; a token older than MAIL_REPLY_TOKEN_DAYS is refused, so an address
found in an old email stops working. Everything in it is lower case letters and digits,
since mail systems may change the case of an address."""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from portal.core.time import utcnow

SIGNATURE_LENGTH = 20  # base32 characters: 100 bits
_TOKEN = re.compile(r"\+(\d{1,12})\.(\d{8})\.([a-z2-7]{%d})@" % SIGNATURE_LENGTH)

VALID = "valid"
FORGED = "forged"
EXPIRED = "expired"


def _key() -> bytes:
    # A key of its own, derived from SECRET_KEY: a signature made here is good for nothing else.
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"case reply address", hashlib.sha256).digest()


def _signature(case_id: int, issued: str) -> str:
    digest = hmac.new(_key(), f"{case_id}.{issued}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_LENGTH]


def token_for(case_id: int, on: date | None = None) -> str:
    issued = (on or utcnow().date()).strftime("%Y%m%d")
    return f"{case_id}.{issued}.{_signature(case_id, issued)}"


def address_for(mailbox: str | None, case_id: int, on: date | None = None) -> str | None:
    """Where a reply about ``case_id`` should go: ``mailbox`` (or MAIL_REPLY_ADDRESS when it is
    None) with the case's token after a +; None when there is neither."""
    mailbox = mailbox or current_app.config.get("MAIL_REPLY_ADDRESS")
    if not mailbox or "@" not in mailbox:
        return None
    local, domain = mailbox.rsplit("@", 1)
    return f"{local}+{token_for(case_id, on)}@{domain}".lower()


@dataclass(frozen=True)
class Token:
    case_id: int
    issued: date
    state: str  # VALID, FORGED or EXPIRED


def read(address: str) -> Token | None:
    """The token in an address, checked; None if it holds none."""
    found = _TOKEN.search((address or "").strip().lower())
    if found is None:
        return None
    case_id, issued, signature = int(found.group(1)), found.group(2), found.group(3)
    try:
        issued_on = datetime.strptime(issued, "%Y%m%d").date()
    except ValueError:
        return Token(case_id, date.min, FORGED)
    if not hmac.compare_digest(signature, _signature(case_id, issued)):
        return Token(case_id, issued_on, FORGED)
    today = utcnow().date()
    days = current_app.config["MAIL_REPLY_TOKEN_DAYS"]
    if issued_on > today or issued_on + timedelta(days=days) < today:
        return Token(case_id, issued_on, EXPIRED)
    return Token(case_id, issued_on, VALID)
