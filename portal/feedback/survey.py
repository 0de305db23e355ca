"""Asking families how we did: when a stage of a complaint closes, the family is asked once, on
their channel, three short questions about how it was handled.

The invitation carries a signed link (itsdangerous, with the survey's id) that works for
LINK_DAYS days; only its hash is stored. Opening the link records nothing, because link
scanners in mail systems follow links: the answer is recorded when the family presses the
button, once. Plain functions: they record audit events and leave the commit to the caller.
"""

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.links import public_url
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.feedback import access
from portal.feedback.models import Case
from portal.feedback.services import email_family, family_channel
from portal.feedback.survey_models import LISTENED_LABELS, SATISFACTION_LABELS, SatisfactionSurvey
from portal.notifications.models import SMS
from portal.themes.models import LearningTheme

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "survey.invited": "Family asked how their complaint was handled",
    "survey.answered": "Family said how their complaint was handled",
    "survey.tagged": "Survey comments tagged with learning themes",
}

LINK_DAYS = 60
TOKEN_SALT = "satisfaction-survey"
TEMPLATE = "satisfaction_survey"


class SurveyLinkExpired(Exception):
    """The link was ours, but is older than LINK_DAYS."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def invite(case: Case, stage: int, actor=None) -> SatisfactionSurvey | None:
    """Ask the family how ``stage`` of their complaint was handled, on their channel: once per
    case and stage (the database's unique key decides), and never a family who cannot be
    written to. ``actor`` is whoever closed the stage (None for the system). Returns the
    invitation, or None if none was sent."""
    reached = family_channel(case)
    if reached is None:
        return None
    channel = reached[0]
    if case.id is None:
        db.session.flush()
    already = db.session.scalar(
        sa.select(SatisfactionSurvey.id).where(SatisfactionSurvey.case_id == case.id, SatisfactionSurvey.stage == stage)
    )
    if already is not None:
        return None
    survey = SatisfactionSurvey(case_id=case.id, stage=stage, channel=channel, invited_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(survey)
            db.session.flush()
    except IntegrityError:  # asked at the same moment by another request: that one counts
        return None
    token = _serializer().dumps(survey.id)
    survey.token_hash = access.hash_secret(token)
    # Like every message about a case, it carries the family's own link to the case too.
    email_family(
        case,
        f"How did we do? {case.reference}",
        TEMPLATE,
        written_for_texts=True,
        text_message=channel == SMS,
        stage=stage,
        survey_link=public_url("feedback_survey.answer", token=token),
        survey_expires_on=(survey.invited_at + timedelta(days=LINK_DAYS)).astimezone(LONDON).date(),
    )
    audit.record(actor, "survey.invited", case, stage=stage, channel=channel)
    return survey


def find(token: str) -> SatisfactionSurvey | None:
    """The invitation a link is for; None for a link we did not make. SurveyLinkExpired for one
    we made more than LINK_DAYS days ago."""
    try:
        survey_id = _serializer().loads(token, max_age=LINK_DAYS * 24 * 60 * 60)
    except SignatureExpired as expired:
        try:
            expired_id = _serializer().load_payload(expired.payload)
        except BadSignature:
            return None
        if _stored(expired_id, token) is None:
            return None
        raise SurveyLinkExpired() from None
    except BadSignature:
        return None
    return _stored(survey_id, token)


def _stored(survey_id, token: str) -> SatisfactionSurvey | None:
    if not isinstance(survey_id, int):
        return None
    survey = db.session.get(SatisfactionSurvey, survey_id)
    if survey is None or survey.token_hash != access.hash_secret(token):
        return None
    return survey


def answer(survey: SatisfactionSurvey, *, satisfaction: int, listened: str, comments: str | None) -> bool:
    """Record the family's answer, once: a second press (or a second tab) changes nothing.
    Returns whether this was the answer recorded."""
    if satisfaction not in SATISFACTION_LABELS or listened not in LISTENED_LABELS:
        raise ValueError("an answer the page does not offer")
    comments = (comments or "").strip() or None
    recorded = db.session.execute(
        sa.update(SatisfactionSurvey)
        .where(SatisfactionSurvey.id == survey.id, SatisfactionSurvey.answered_at.is_(None))
        .values(answered_at=utcnow(), satisfaction=satisfaction, listened=listened, comments=comments)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(survey)
    if recorded != 1:
        return False
    audit.record(None, "survey.answered", survey.case, stage=survey.stage)
    return True


# --- comments for learning -------------------------------------------------------------------


def comments_to_tag(*, tagged: bool = False, limit: int = 50) -> list[SatisfactionSurvey]:
    """Answers with comments, waiting to be tagged (or, with ``tagged``, already tagged), newest
    first, with their cases and themes: two queries."""
    state = SatisfactionSurvey.tagged_at.is_not(None) if tagged else SatisfactionSurvey.tagged_at.is_(None)
    return db.session.scalars(
        sa.select(SatisfactionSurvey)
        .options(sa.orm.joinedload(SatisfactionSurvey.case), sa.orm.selectinload(SatisfactionSurvey.themes))
        .where(SatisfactionSurvey.comments.is_not(None), state)
        .order_by(SatisfactionSurvey.answered_at.desc(), SatisfactionSurvey.id.desc())
        .limit(limit)
    ).all()


def tag(actor, survey: SatisfactionSurvey, theme_ids: Iterable[int]) -> None:
    """Tag an answer's comments with the learning themes they teach (none is an answer too: the
    comments have been read). Retired themes already on it stay; new ones must be active."""
    wanted = set(theme_ids)
    kept = [theme for theme in survey.themes if theme.id in wanted]
    new = wanted - {theme.id for theme in kept}
    if new:
        kept += db.session.scalars(
            sa.select(LearningTheme).where(LearningTheme.id.in_(sorted(new)), LearningTheme.active.is_(True))
        ).all()
    survey.themes = kept
    survey.tagged_at = utcnow()
    survey.tagged_by_id = actor.id
    audit.record(actor, "survey.tagged", survey.case, stage=survey.stage, themes=sorted(t.id for t in kept))


def comments_waiting() -> int:
    """How many answers have comments not yet tagged: one query."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SatisfactionSurvey)
        .where(SatisfactionSurvey.comments.is_not(None), SatisfactionSurvey.tagged_at.is_(None))
    )
