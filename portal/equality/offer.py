"""Whether this browser may answer the equality questions now: offered once, after feedback is
sent or a consultation answered, and withdrawn once answered or skipped. The session holds only
where they were offered; the answers themselves never touch it."""

from flask import session

OFFERED_KEY = "equality_offered"


def offer(source: str) -> None:
    session[OFFERED_KEY] = source


def is_offered(source: str) -> bool:
    return session.get(OFFERED_KEY) == source


def withdraw() -> None:
    session.pop(OFFERED_KEY, None)
