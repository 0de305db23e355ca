"""Listening to every SQLAlchemy session's events once per process, however many apps are made
(each test makes its own): the page cache, the kept figures and the family's page versions each
follow what a transaction changed this way."""

import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_adding = threading.Lock()


def listen_once(listeners: dict[str, Callable]) -> None:
    """Add each ``event name -> function`` to every Session, unless it is there already."""
    with _adding:
        for name, listener in listeners.items():
            if not event.contains(Session, name, listener):
                event.listen(Session, name, listener)
