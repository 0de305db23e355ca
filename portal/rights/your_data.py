"""A subject access export (UK GDPR Article 15): everything the portal holds about one parent or
youth member, gathered into plain data, then written as a ZIP holding a readable HTML page, the
same data as JSON, and the files on their cases.

What is held for the family is what they can already see, gathered in one place: their
account, their cases with their answers, the conversation (never staff's internal notes) and
its files, who on the staff opened each case, their consultation answers and comments, and
the emails sent to them. Never a password hash, a second-factor secret, a token, an email's
body (it may hold a live link until it is sent, and is erased once it is), or what staff
record only for themselves (moderators' names, the themes staff tag answers with).

Staff answering a request on a family's behalf (``gather_for_review``) get the same, for an
account holder or for a family known only by their cases, with the internal notes and their
files too, each marked for staff to review before anything is released.
"""

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.consultations import alerts
from portal.consultations import models as consultations
from portal.consultations import take_part_models as take_part
from portal.core import audit
from portal.core.files import ALLOWED, clean_filename
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import access_records, summary
from portal.feedback import services as feedback_services
from portal.feedback.models import STATUS_LABELS, Attachment, Case, CaseMessage, FileBlob
from portal.feedback.survey_models import LISTENED_LABELS, SATISFACTION_LABELS, SatisfactionSurvey
from portal.notifications.models import OutboxMessage

AUDIT_LABELS = {"user.data_exported": "Downloaded their data"}

# How each internal note, and each file on one, is marked in a copy staff produce: staff must
# decide what of it may be released.
REVIEW_MARK = "Internal note: review before release"

HTML_NAME = "your-data.html"
JSON_NAME = "your-data.json"
FILES_FOLDER = "files"

VOICE_LABELS = {
    consultations.OWN_VOICE: "Your own answer",
    consultations.FORUM_VOICE: "For the youth forum as a whole",
}
VISIBILITY_LABELS = {
    consultations.PUBLIC: "Shown on the board once approved",
    consultations.PRIVATE: "Seen only by the council",
}


@dataclass
class YourData:
    """What is held about one person: ``record`` plain data (dicts, lists, strings, numbers,
    dates), and ``files`` each file's path in the ZIP and the id of its stored bytes."""

    record: dict
    files: list[tuple[str, int]] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)


def gather(user: User) -> YourData:
    """Everything held about ``user``, read only: the caller records the export (``record``)."""
    found = sorted(feedback_services.cases_for_parent(user), key=lambda case: (case.received_at, case.id))
    cases, files, case_ids = _cases(found, for_review=False)
    record = {
        "produced_at": utcnow(),
        "account": _account(user),
        "cases": cases,
        "consultation_responses": _responses(user),
        "consultation_comments": _comments(user),
        "consultation_agreements": _agreements(user),
        "consultation_alerts": _alert_choices(user),
        "opportunity_places": _places(user),
        "emails": _emails(user),
    }
    return YourData(record, files, case_ids)


def gather_for_review(
    user: User | None, name: str | None, email: str | None, found: list[Case], reference: str
) -> YourData:
    """What staff produce for a request (``reference``) on a family's behalf: everything held
    about ``user``, or, for a family without an account, about the person known by ``name``
    and ``email`` on the cases ``found``, with internal notes included and marked. Read only:
    the caller records it."""
    cases, files, case_ids = _cases(found, for_review=True)
    record = {
        "produced_at": utcnow(),
        "for_review": {"request": reference, "internal_notes": f"Each is marked \u201c{REVIEW_MARK}\u201d"},
        "account": _account(user) if user is not None else _no_account(name, email),
        "cases": cases,
        "consultation_responses": _responses(user) if user is not None else [],
        "consultation_comments": _comments(user) if user is not None else [],
        "consultation_agreements": _agreements(user) if user is not None else [],
        "consultation_alerts": _alert_choices(user) if user is not None else None,
        "opportunity_places": _places(user) if user is not None else [],
        "emails": _emails_to(email) if email else [],
    }
    return YourData(record, files, case_ids)


def record(user: User, data: YourData) -> None:
    """Put the export in the audit log: ids only, as the log is kept longer than cases. The
    staff access log is not written: it records staff looking at a family's case, and a family
    reading their own is not recorded there (feedback.access_records). The caller commits."""
    audit.record(user, "user.data_exported", user, cases=data.case_ids)


# --- the account -----------------------------------------------------------------------------


def _account(user: User) -> dict:
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "role_label": user.role_label,
        "created_at": user.created_at,
        "email_confirmed_at": user.email_confirmed_at,
        "approved_at": user.approved_at,
        "last_signed_in_at": user.last_signed_in_at,
        "age_band": user.age_band_label if user.age_band else None,
    }


def _no_account(name: str | None, email: str | None) -> dict:
    """A family known only by the contact details on their cases."""
    return {"name": name, "email": email, "role": None, "role_label": "No account"}


# --- cases -----------------------------------------------------------------------------------


def _cases(found: list[Case], *, for_review: bool) -> tuple[list[dict], list[tuple[str, int]], list[int]]:
    """Each case of ``found`` (oldest first) with what the family sees of it, and for a copy
    staff review, the internal notes and their files too."""
    ids = [case.id for case in found]
    messages = _messages(ids, with_internal=for_review)
    attachments = _attachments(ids, with_internal=for_review)
    surveys = _survey_answers(ids)
    cases, files = [], []
    for case in found:
        case_files = []
        taken: set[str] = set()
        for attachment in attachments.get(case.id, []):
            path = _file_path(case.reference, attachment, taken)
            files.append((path, attachment.blob_id))
            case_files.append(
                {
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                    "from_you": attachment.from_family,
                    "added_at": attachment.created_at,
                    "path": path,
                }
                | _marked(for_review, attachment.message is not None and attachment.message.internal)
            )
        cases.append(
            {
                "reference": case.reference,
                "kind": case.kind,
                "kind_label": case.kind_label,
                "category": case.category.name if case.category else None,
                "status": case.status,
                "status_label": STATUS_LABELS.get(case.status, case.status),
                "stage": case.stage,
                "channel_label": case.channel_label,
                "received_at": case.received_at,
                "acknowledged_at": case.acknowledged_at,
                "acknowledge_by": case.acknowledge_by,
                "respond_by": case.respond_by,
                "responded_at": case.responded_at,
                "escalated_at": case.escalated_at,
                "closed_at": case.closed_at,
                "answers": [
                    {"section": heading, "question": answer.label, "answer": answer.shown}
                    for heading, section in summary.case_sections(case)
                    for answer in section
                ],
                "support": [
                    {
                        "kind": adjustment.label,
                        "detail": adjustment.detail,
                        "status": adjustment.STATUSES.get(adjustment.status),
                        "reason": adjustment.reason,
                    }
                    for adjustment in case.adjustments
                ],
                "messages": [
                    _message(message) | _marked(for_review, message.internal) for message in messages.get(case.id, [])
                ],
                "files": case_files,
                "survey_answers": [
                    {
                        "stage": survey.stage,
                        "answered_at": survey.answered_at,
                        "satisfaction": SATISFACTION_LABELS.get(survey.satisfaction),
                        "listened": LISTENED_LABELS.get(survey.listened),
                        "comments": survey.comments,
                    }
                    for survey in surveys.get(case.id, [])
                ],
                "access_log": [_access(entry) for entry in access_records.records_of(case.id)],
            }
        )
    return cases, files, ids


def _survey_answers(case_ids: list[int]) -> dict[int, list[SatisfactionSurvey]]:
    """The family's answers to how each case's complaint was handled, for every case in one query."""
    rows = db.session.scalars(
        sa.select(SatisfactionSurvey)
        .where(SatisfactionSurvey.case_id.in_(case_ids), SatisfactionSurvey.answered_at.is_not(None))
        .order_by(SatisfactionSurvey.stage)
    )
    by_case: dict[int, list[SatisfactionSurvey]] = {}
    for survey in rows:
        by_case.setdefault(survey.case_id, []).append(survey)
    return by_case


def _marked(for_review: bool, internal: bool) -> dict:
    """In a copy for staff to review, every message and file says whether it is internal."""
    return {"internal_note": REVIEW_MARK if internal else None} if for_review else {}


def _messages(case_ids: list[int], *, with_internal: bool) -> dict[int, list[CaseMessage]]:
    """The conversation of each case as the family sees it (feedback.services.public_messages),
    or with staff's internal notes too, for every case in one query."""
    query = (
        sa.select(CaseMessage)
        .options(selectinload(CaseMessage.attachments), joinedload(CaseMessage.author))
        .where(CaseMessage.case_id.in_(case_ids))
        .order_by(CaseMessage.id)
    )
    if not with_internal:
        query = query.where(CaseMessage.internal.is_(False))
    rows = db.session.scalars(query).all()
    by_case: dict[int, list[CaseMessage]] = {}
    for message in rows:
        by_case.setdefault(message.case_id, []).append(message)
    return by_case


def _attachments(case_ids: list[int], *, with_internal: bool) -> dict[int, list[Attachment]]:
    """The files of each case the family may download (feedback.services.family_attachment):
    any but those on an internal note, unless ``with_internal``."""
    query = (
        sa.select(Attachment)
        .options(joinedload(Attachment.message))
        .outerjoin(CaseMessage, CaseMessage.id == Attachment.message_id)
        .where(Attachment.case_id.in_(case_ids))
        .order_by(Attachment.id)
    )
    if not with_internal:
        query = query.where(sa.or_(Attachment.message_id.is_(None), CaseMessage.internal.is_(False)))
    rows = db.session.scalars(query).all()
    by_case: dict[int, list[Attachment]] = {}
    for attachment in rows:
        by_case.setdefault(attachment.case_id, []).append(attachment)
    return by_case


def _message(message: CaseMessage) -> dict:
    return {
        "at": message.created_at,
        "from_you": message.from_family,
        "from": "You" if message.from_family else (message.author.name if message.author else "The council"),
        "body": message.body,
        "files": [attachment.filename for attachment in message.attachments],
    }


def _access(entry: dict) -> dict:
    """A line of the staff access log, without the staff member's internal id."""
    return {
        "at": entry["at"],
        "name": entry["name"],
        "role": entry["role_label"],
        "what": entry["what_label"],
        "filename": entry["filename"],
    }


def _folder(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "_", reference) or "case"


def _file_path(reference: str, attachment: Attachment, taken: set[str]) -> str:
    """files/<reference>/<name>: the name cleaned again (no folders, no control characters),
    and numbered when two files of a case share one, so none overwrites another."""
    extension = ALLOWED.get(attachment.content_type, (PurePosixPath(attachment.filename).suffix.lstrip(".") or "bin",))[
        0
    ]
    extension = re.sub(r"[^A-Za-z0-9]", "", extension) or "bin"
    name = clean_filename(attachment.filename, extension)
    stem, number = name[: -len(extension) - 1], 2
    while name.lower() in taken:
        name = f"{stem} ({number}).{extension}"
        number += 1
    taken.add(name.lower())
    return f"{FILES_FOLDER}/{_folder(reference)}/{name}"


# --- consultations ---------------------------------------------------------------------------


def _responses(user: User) -> list[dict]:
    responses = db.session.scalars(
        sa.select(consultations.Response)
        .options(
            joinedload(consultations.Response.consultation),
            selectinload(consultations.Response.answers).joinedload(consultations.Answer.question),
            selectinload(consultations.Response.answers).selectinload(consultations.Answer.choices),
        )
        .where(consultations.Response.author_id == user.id)
        .order_by(consultations.Response.created_at, consultations.Response.id)
    ).all()
    return [
        {
            "consultation": response.consultation.title,
            "voice": VOICE_LABELS.get(response.voice, response.voice),
            "visibility": VISIBILITY_LABELS.get(response.visibility, response.visibility),
            "started_at": response.created_at,
            "submitted_at": response.submitted_at,
            "moderation": response.moderation_label,
            "moderation_reason": response.moderation_reason,
            "changed_by_moderator_at": response.redacted_at,
            "answers": [
                {"question": answer.question.prompt, "answer": _answer_words(answer)}
                for answer in sorted(
                    response.answers, key=lambda answer: (answer.question.position, answer.question.id)
                )
            ],
        }
        for response in responses
    ]


def _answer_words(answer: consultations.Answer) -> str:
    if answer.choices:
        return ", ".join(option.label for option in answer.choices)
    if answer.scale is not None:
        return f"{answer.scale} out of 5"
    return answer.text or ""


def _comments(user: User) -> list[dict]:
    comments = db.session.scalars(
        sa.select(consultations.Comment)
        .options(joinedload(consultations.Comment.response).joinedload(consultations.Response.consultation))
        .where(consultations.Comment.author_id == user.id)
        .order_by(consultations.Comment.created_at, consultations.Comment.id)
    ).all()
    return [
        {
            "consultation": comment.response.consultation.title,
            "at": comment.created_at,
            "body": comment.body,
            "moderation": comment.moderation_label,
            "moderation_reason": comment.moderation_reason,
            "changed_by_moderator_at": comment.redacted_at,
        }
        for comment in comments
    ]


def _agreements(user: User) -> list[dict]:
    rows = db.session.execute(
        sa.select(consultations.Consultation.title, consultations.Agreement.created_at)
        .join(consultations.Response, consultations.Response.id == consultations.Agreement.response_id)
        .join(consultations.Consultation, consultations.Consultation.id == consultations.Response.consultation_id)
        .where(consultations.Agreement.user_id == user.id)
        .order_by(consultations.Agreement.created_at)
    ).all()
    return [{"consultation": title, "at": at} for title, at in rows]


def _alert_choices(user: User) -> dict:
    """The consultation alerts they asked for (or the defaults, if they never chose)."""
    choice = alerts.choice_for(user)
    return {
        "chosen": [label for kind, label in alerts.KIND_LABELS.items() if choice.wants(kind)],
        "how_often": alerts.FREQUENCY_LABELS[choice.frequency],
        "saved_at": choice.updated_at,
    }


def _places(user: User) -> list[dict]:
    """Every place they took (and gave up), with what they said they need to take part."""
    sign_ups = db.session.scalars(
        sa.select(take_part.SignUp)
        .options(joinedload(take_part.SignUp.opportunity))
        .where(take_part.SignUp.user_id == user.id)
        .order_by(take_part.SignUp.created_at, take_part.SignUp.id)
    ).all()
    return [
        {
            "opportunity": sign_up.opportunity.title,
            "kind": sign_up.opportunity.kind_label,
            "starts_at": sign_up.opportunity.starts_at,
            "taken_at": sign_up.created_at,
            "given_up_at": sign_up.cancelled_at,
            "needs": [*sign_up.need_labels, *([sign_up.access_needs] if sign_up.access_needs else [])],
        }
        for sign_up in sign_ups
    ]


# --- emails ----------------------------------------------------------------------------------


def _emails(user: User) -> list[dict]:
    return _emails_to(user.email)


def _emails_to(address: str) -> list[dict]:
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)
    ).all()
    return [
        {
            "subject": message.subject,
            "kind": message.kind_label,
            "queued_at": message.created_at,
            "sent_at": message.sent_at,
            "status": message.state_label,
        }
        for message in messages
    ]


# --- the ZIP ---------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not plain data")


def as_json(data: YourData) -> str:
    return json.dumps(data.record, default=_plain, ensure_ascii=False, indent=2)


def as_zip(data: YourData) -> bytes:
    """The export as a ZIP: the readable page, the JSON, and each file's stored bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            HTML_NAME, render_template("rights/your_data_document.html", data=data.record, review_mark=REVIEW_MARK)
        )
        archive.writestr(JSON_NAME, as_json(data))
        for path, blob_id in data.files:
            blob = db.session.get(FileBlob, blob_id)
            archive.writestr(path, blob.data)
            # Each file's bytes are let go once written, so they are not all held at once.
            db.session.expunge(blob)
    return buffer.getvalue()
