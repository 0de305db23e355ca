"""Whether a password has appeared in a data breach, asked of a Pwned Passwords range service
without sending the password (OWASP ASVS 2.1.7).

Only the first five characters of the password's SHA-1 go out; the service answers with every
breached hash that starts with them, and the match is made here. Answers are padded with
decoys so that their size gives nothing away either. The service is asked only when
BREACHED_PASSWORDS_URL is set; if it cannot be reached in time, the password is judged by the
local rules alone, so nobody is stopped from registering by another site being down.
"""

import hashlib
import logging
import urllib.error
import urllib.request

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3


def _service_url() -> str:
    return (current_app.config.get("BREACHED_PASSWORDS_URL") or "") if has_app_context() else ""


def times_seen(password: str) -> int | None:
    """How often the password is known from breaches (0 for never), or None when no service
    is set or it did not answer."""
    base = _service_url()
    if not base:
        return None
    digest = hashlib.sha1(password.encode()).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    request = urllib.request.Request(
        base.rstrip("/") + "/" + prefix, headers={"Add-Padding": "true", "User-Agent": "Together We CAN"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            lines = response.read().decode("ascii", "replace").splitlines()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        log.warning("Breached password service did not answer: %s", error)
        return None
    for line in lines:
        found, _, count = line.strip().partition(":")
        if found == suffix:
            return int(count) if count.isdigit() else 1
    return 0
