"""Consultation alerts: what signed-in parents and youth forum members asked to be told, and
telling them once each.

Consultations open and close by date, with no write to hang an email on, so
``flask --app wsgi alerts send`` (run daily from cron) finds the opening and closing-soon
alerts due and queues them; on Mondays it also sends each weekly digest. Outcome alerts are
queued when the outcome is published (portal.consultations.outcome). Every alert is recorded
in AlertSent, whose unique key makes sure nobody is told of the same thing twice.

Every alert email carries a one-click unsubscribe (RFC 8058): a signed token naming the
person, which needs no signing in.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import models as m
from portal.core.links import public_url
from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.services import queue_email

# "A few days before it closes": told on the third day before the closing date, or later.
CLOSING_SOON_DAYS = 3
DIGEST_WEEKDAY = 0  # Monday
KIND_LABELS = {
    m.OPENING: "When a consultation opens for you",
    m.CLOSING_SOON: f"{CLOSING_SOON_DAYS} days before a consultation you started closes, if your answers are not sent",
    m.OUTCOME: "When the outcome of a consultation you took part in is published",
}
FREQUENCY_LABELS = {m.AT_ONCE: "At once, one email for each", m.WEEKLY: "In one email each Monday (weekly digest)"}
TOKEN_SALT = "consultation-alerts-unsubscribe"


# --- choices ---------------------------------------------------------------------------------


def choice_for(user: User) -> m.AlertChoice:
    """The person's saved choices, or the defaults (not saved) when they have chosen nothing."""
    return db.session.get(m.AlertChoice, user.id) or m.AlertChoice(
        user_id=user.id, on_opening=False, on_closing=False, on_outcome=True, frequency=m.AT_ONCE
    )


def save_choice(user: User, kinds: set[str], frequency: str) -> m.AlertChoice:
    """Keep the alerts ``user`` wants and how often. Alerts waiting for a digest that they no
    longer want are dropped."""
    choice = db.session.get(m.AlertChoice, user.id)
    if choice is None:
        choice = m.AlertChoice(user_id=user.id)
        db.session.add(choice)
    choice.on_opening = m.OPENING in kinds
    choice.on_closing = m.CLOSING_SOON in kinds
    choice.on_outcome = m.OUTCOME in kinds
    choice.frequency = frequency
    unwanted = [kind for kind in m.ALERT_KINDS if kind not in kinds]
    if unwanted:
        db.session.execute(
            sa.delete(m.AlertSent).where(
                m.AlertSent.user_id == user.id, m.AlertSent.emailed_at.is_(None), m.AlertSent.kind.in_(unwanted)
            )
        )
    return choice


def unsubscribe(user: User, kinds: set[str]) -> bool:
    """Turn these kinds of alert off, leaving the others as they are. Returns whether any of
    them was on; asking again is harmless."""
    choice = choice_for(user)
    was_on = any(choice.wants(kind) for kind in kinds)
    save_choice(user, {kind for kind in m.ALERT_KINDS if choice.wants(kind)} - kinds, choice.frequency)
    return was_on


# --- the unsubscribe link ----------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def unsubscribe_token(user: User, kinds: Iterable[str] = m.ALERT_KINDS) -> str:
    """A link's proof of whom it stops alerts for, and which kinds: those the email was about.
    It never expires: an unsubscribe link in an old email must still work."""
    return _serializer().dumps([user.id, sorted(kinds)])


def token_holder(token: str) -> tuple[User, set[str]] | None:
    """The person a genuine token names, with the kinds it stops (every kind, for a link made
    before links named them), or None for a forged or damaged one."""
    try:
        signed = _serializer().loads(token)
    except BadSignature:
        return None
    if isinstance(signed, int):
        user_id, kinds = signed, set(m.ALERT_KINDS)
    elif isinstance(signed, list) and len(signed) == 2 and isinstance(signed[1], list):
        user_id, kinds = signed[0], set(signed[1]) & set(m.ALERT_KINDS)
    else:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) and kinds else None
    return (user, kinds) if user is not None else None


def unsubscribe_headers(user: User, kinds: Iterable[str]) -> tuple[str, dict[str, str]]:
    """The unsubscribe address and the RFC 8058 headers that let a mail app use it in one click."""
    link = public_url("consultations_alerts.unsubscribe", token=unsubscribe_token(user, kinds))
    return link, {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- who is due what ---------------------------------------------------------------------------


def _choosers(column, kind: str):
    """People who can take part and asked for ``kind`` alerts, and have not been told yet
    about the consultation in ``column``."""
    already = sa.exists().where(
        m.AlertSent.user_id == User.id, m.AlertSent.consultation_id == column, m.AlertSent.kind == kind
    )
    wants = {m.OPENING: m.AlertChoice.on_opening, m.CLOSING_SOON: m.AlertChoice.on_closing}[kind]
    return sa.and_(
        wants.is_(True),
        User.disabled_at.is_(None),
        sa.or_(User.role != roles.YOUTH, User.approved_at.is_not(None)),
        ~already,
    )


def _open_on(today: date):
    return sa.and_(
        m.Consultation.published_at.is_not(None),
        m.Consultation.outcome_published_at.is_(None),
        m.Consultation.opens_on <= today,
        m.Consultation.closes_on >= today,
    )


def opening_due(today: date) -> list[tuple[User, m.Consultation]]:
    """Each open consultation with each person in its audience who asked to hear of openings."""
    in_audience = sa.or_(
        *(
            sa.and_(m.Consultation.audience == audience, User.role.in_(allowed))
            for audience, allowed in m.AUDIENCE_ROLES.items()
        )
    )
    return _pairs(
        sa.select(User, m.Consultation)
        .join(m.AlertChoice, m.AlertChoice.user_id == User.id)
        .join(m.Consultation, in_audience)
        .where(_open_on(today), _choosers(m.Consultation.id, m.OPENING))
    )


def closing_due(today: date) -> list[tuple[User, m.Consultation]]:
    """Each consultation closing within CLOSING_SOON_DAYS with each person holding unsent
    answers on it (a started draft) who asked to be reminded."""
    return _pairs(
        sa.select(User, m.Consultation)
        .join(m.AlertChoice, m.AlertChoice.user_id == User.id)
        .join(m.Response, sa.and_(m.Response.author_id == User.id, m.Response.submitted_at.is_(None)))
        .join(m.Consultation, m.Consultation.id == m.Response.consultation_id)
        .where(
            _open_on(today),
            m.Consultation.closes_on <= today + timedelta(days=CLOSING_SOON_DAYS),
            _choosers(m.Consultation.id, m.CLOSING_SOON),
        )
        .distinct()
    )


def _pairs(query) -> list[tuple[User, m.Consultation]]:
    return [(user, consultation) for user, consultation in db.session.execute(query.order_by(User.id)).all()]


# --- telling people ----------------------------------------------------------------------------


@dataclass
class Item:
    kind: str
    consultation: m.Consultation
    link: str


SUBJECTS = {
    m.OPENING: "Now open: \u201c{title}\u201d",
    m.CLOSING_SOON: "Your answers to \u201c{title}\u201d are not sent yet",
    m.OUTCOME: "What happened after \u201c{title}\u201d",
}


def _item(kind: str, consultation: m.Consultation) -> Item:
    return Item(kind, consultation, public_url("consultations.consultation", slug=consultation.slug))


TEMPLATES = {
    m.OPENING: "consultation_opened",
    m.CLOSING_SOON: "consultation_closing_soon",
    m.OUTCOME: "consultation_outcome",
}


def _email(user: User, items: list[Item], *, digest: bool) -> None:
    """One alert on its own, or the digest of several, with the unsubscribe link and headers."""
    unsubscribe_link, headers = unsubscribe_headers(user, {item.kind for item in items})
    links = {"settings_link": public_url("consultations_alerts.settings"), "unsubscribe_link": unsubscribe_link}
    if digest:
        queue_email(
            user.email,
            "Your weekly consultation alerts",
            "consultation_alert_digest",
            headers=headers,
            user=user,
            items=items,
            kind_labels=DIGEST_HEADINGS,
            **links,
        )
        return
    item = items[0]
    queue_email(
        user.email,
        SUBJECTS[item.kind].format(title=item.consultation.title),
        TEMPLATES[item.kind],
        headers=headers,
        user=user,
        consultation=item.consultation,
        link=item.link,
        **links,
    )


DIGEST_HEADINGS = {
    m.OPENING: "Now open",
    m.CLOSING_SOON: "Closing soon, and your answers are not sent yet",
    m.OUTCOME: "Outcome published",
}


def record(user: User, consultation: m.Consultation, kind: str, choice: m.AlertChoice) -> None:
    """Tell ``user`` now, or keep the alert for their digest."""
    alert = m.AlertSent(user_id=user.id, consultation_id=consultation.id, kind=kind)
    db.session.add(alert)
    if choice.frequency == m.AT_ONCE:
        _email(user, [_item(kind, consultation)], digest=False)
        alert.emailed_at = utcnow()


def outcome_published(consultation: m.Consultation, people: list[User]) -> int:
    """Tell those who took part (and still want to be told) of a newly published outcome, at
    once or in their digest. Returns how many will be told."""
    told = 0
    for person in people:
        choice = choice_for(person)
        if choice.wants(m.OUTCOME):
            record(person, consultation, m.OUTCOME, choice)
            told += 1
    return told


def send_digests() -> int:
    """One email to each person with alerts waiting, gathering them all. Returns how many emails."""
    waiting = db.session.scalars(
        sa.select(m.AlertSent).where(m.AlertSent.emailed_at.is_(None)).order_by(m.AlertSent.user_id, m.AlertSent.id)
    ).all()
    by_user: dict[int, list[m.AlertSent]] = {}
    for alert in waiting:
        by_user.setdefault(alert.user_id, []).append(alert)
    now = utcnow()
    for user_id, alerts in by_user.items():
        _email(db.session.get(User, user_id), [_item(a.kind, a.consultation) for a in alerts], digest=True)
        for alert in alerts:
            alert.emailed_at = now
    return len(by_user)


def send_due(today: date) -> dict[str, int]:
    """Queue the opening and closing-soon alerts due today, and on Mondays the weekly digests.
    Running it again the same day queues nothing more."""
    counts = {m.OPENING: 0, m.CLOSING_SOON: 0, "digests": 0}
    for kind, due in ((m.OPENING, opening_due), (m.CLOSING_SOON, closing_due)):
        for user, consultation in due(today):
            record(user, consultation, kind, choice_for(user))
            counts[kind] += 1
    db.session.flush()
    if today.weekday() == DIGEST_WEEKDAY:
        counts["digests"] = send_digests()
    return counts
