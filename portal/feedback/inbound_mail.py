"""Families' email replies, read from the replies mailbox (IMAP) into their case.

Each message is recorded once, by its Message-ID (InboundMail), with what became of it. It
joins its case as the family's message, through the same path as a reply on the site
(services.family_reply, which tells the caseworker), when the address it was sent to holds a
valid token for an open case (reply_address) and it comes from the case's contact email;
its quoted history and signature are trimmed, and its files are checked like any upload.
Otherwise it is held for staff with the reason, or, for an automatic reply, ignored.
Plain functions; the caller commits, one message at a time."""

import hashlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from flask import current_app
from mailparser_reply import EmailReplyParser

from portal.core import audit
from portal.core.files import MAX_FILE_BYTES, CheckedFile, FileRefused, check_upload, describe_size
from portal.core.paging import Paged, clamp_page
from portal.extensions import db
from portal.feedback import reply_address, representation, services
from portal.feedback.models import Case, CaseMessage, InboundMail

AUDIT_LABELS = {
    "case.email_reply_held": "An email from the family was held for staff",
}

# The longest message text added to a case; a longer one is cut, and says so.
MAX_TEXT = 20_000
# At most this many files from one email (as many as a draft holds).
MAX_FILES = services.MAX_FILES
# Where the case address may be: the headers a mail server keeps the envelope recipient in,
# and the visible ones.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
AUTO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|away from (the )?office",
    re.IGNORECASE,
)


def inbox_configured() -> bool:
    return bool(current_app.config.get("MAIL_INBOX_HOST"))


# --- reading the mailbox -------------------------------------------------------------------


class InboxError(RuntimeError):
    """The mailbox could not be read: what went wrong, for whoever runs the command."""


@dataclass
class Fetched:
    """A message not recorded before: its whole text, or, when it is too large to fetch,
    its headers alone."""

    raw: bytes
    too_large: bool = False


def _connect() -> imaplib.IMAP4:
    config = current_app.config
    host, port = config["MAIL_INBOX_HOST"], config["MAIL_INBOX_PORT"]
    if config["MAIL_INBOX_TLS"]:
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=60)
    else:
        imap = imaplib.IMAP4(host, port, timeout=60)
    imap.login(config["MAIL_INBOX_USER"] or "", config["MAIL_INBOX_PASSWORD"] or "")
    status, answer = imap.select(_quoted(config["MAIL_INBOX_FOLDER"]), readonly=True)
    if status != "OK":
        raise InboxError(f"the folder {config['MAIL_INBOX_FOLDER']} could not be opened: {answer!r}")
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetched_parts(answer: list) -> dict[bytes, tuple[bytes, bytes]]:
    """A UID FETCH answer as {uid: (the line describing it, its literal)}."""
    parts = {}
    for item in answer:
        if isinstance(item, tuple):
            described, literal = item
            uid = re.search(rb"UID (\d+)", described)
            if uid:
                parts[uid.group(1)] = (described, literal)
    return parts


def new_messages() -> Iterator[Fetched]:
    """The messages in the mailbox not recorded yet, oldest first. The mailbox is opened
    read-only: nothing in it is changed, so staff can still read it as they always did."""
    try:
        imap = _connect()
    except (OSError, imaplib.IMAP4.error) as problem:
        raise InboxError(str(problem)) from problem
    try:
        status, answer = imap.uid("SEARCH", None, "ALL")
        uids = answer[0].split() if status == "OK" and answer and answer[0] else []
        limit = current_app.config["MAIL_INBOX_MAX_BYTES"]
        for start in range(0, len(uids), 200):
            chunk = b",".join(uids[start : start + 200]).decode()
            status, answer = imap.uid("FETCH", chunk, "(RFC822.SIZE BODY.PEEK[HEADER])")
            if status != "OK":
                raise InboxError(f"the messages could not be read: {answer!r}")
            headers = _fetched_parts(answer)
            known = _known_ids(message_key(header) for _, header in headers.values())
            for uid, (described, header) in headers.items():
                if message_key(header) in known:
                    continue
                size = re.search(rb"RFC822\.SIZE (\d+)", described)
                if size and int(size.group(1)) > limit:
                    yield Fetched(header, too_large=True)
                    continue
                status, whole = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                parts = _fetched_parts(whole) if status == "OK" else {}
                if uid in parts:
                    yield Fetched(parts[uid][1])
    except imaplib.IMAP4.error as problem:
        raise InboxError(str(problem)) from problem
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _known_ids(keys) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    return set(db.session.scalars(db.select(InboundMail.message_id).where(InboundMail.message_id.in_(keys))))


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def message_key(raw: bytes) -> str:
    """What a message is recorded by: its Message-ID, or, for one without (or with one too
    long to keep), a hash of its headers, which stay the same however often it is read."""
    header_end = raw.find(b"\r\n\r\n")
    if header_end < 0:
        header_end = raw.find(b"\n\n")
    headers = raw if header_end < 0 else raw[:header_end]
    found = BytesParser(policy=policy.compat32).parsebytes(headers, headersonly=True).get("Message-ID")
    message_id = " ".join(str(found).split()) if found else ""
    if message_id and len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(headers).hexdigest()


# --- one message ---------------------------------------------------------------------------


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header too malformed to read
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _headers(message: EmailMessage, name: str) -> list[str]:
    try:
        return [str(value) for value in message.get_all(name) or []]
    except (ValueError, IndexError, TypeError):
        return []


def is_auto_reply(message: EmailMessage) -> bool:
    """An out-of-office answer, a bounce or other mail no person wrote (RFC 3834 and the
    headers auto-responders commonly add)."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").lower() in {"bulk", "junk", "auto_reply"}:
        return True
    if message.get_content_type() == "multipart/report":  # a delivery or read report
        return True
    return bool(AUTO_SUBJECT.search(_header(message, "Subject")))


def _token(message: EmailMessage) -> reply_address.Token | None:
    """The case token in the addresses the message was sent to: a valid one if any is."""
    found = []
    for name in RECIPIENT_HEADERS:
        for _, address in getaddresses(_headers(message, name)):
            token = reply_address.read(address)
            if token is not None:
                found.append(token)
    valid = [token for token in found if token.state == reply_address.VALID]
    return (valid or found or [None])[0]


class _TextOfHtml(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.skipping += 1
        elif tag in ("br", "p", "div", "tr", "li", "blockquote"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_text(message: EmailMessage) -> str:
    """What the family wrote this time: the message's text without the quoted emails before
    it or the signature after it."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, ValueError):  # an unknown or broken character set
        text = body.get_payload(decode=True).decode("utf-8", errors="replace")
    if body.get_content_type() == "text/html":
        text = _html_text(text)
    text = text.replace("\r\n", "\n")
    replies = EmailReplyParser(languages=["en"]).read(text=text).replies
    trimmed = replies[0].body.strip() if replies else text.strip()
    if len(trimmed) > MAX_TEXT:
        trimmed = trimmed[:MAX_TEXT].rstrip() + "\n\n[The rest of this email was too long to add.]"
    return trimmed


@dataclass
class Files:
    accepted: list[CheckedFile] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, why)


def _attachments(message: EmailMessage, case: Case) -> Files:
    """The message's files, each checked as an upload is, and together within what the case may
    receive in a day (UPLOAD_TOTAL_PER_CASE_PER_DAY)."""
    files = Files()
    room = current_app.config["UPLOAD_TOTAL_PER_CASE_PER_DAY"] - services.reply_files_size_today(case)
    for part in message.iter_attachments():
        if part.get_content_disposition() == "inline" and part.get("Content-ID") and not part.get_filename():
            continue  # a picture in the email's own layout, such as a logo in a signature
        name = part.get_filename() or "attachment"
        data = part.get_payload(decode=True) or b""
        try:
            if len(files.accepted) >= MAX_FILES:
                raise FileRefused(f"An email can add up to {MAX_FILES} files")
            checked = check_upload(name, data)
            if checked.size > room:
                raise FileRefused(f"The files sent each day must be {describe_size(room)} or less in total")
        except FileRefused as refused:
            files.refused.append((name[:100], str(refused)))
            continue
        room -= checked.size
        files.accepted.append(checked)
    return files


def _hold(record: InboundMail, reason: str, outcome: str = InboundMail.HELD) -> InboundMail:
    record.outcome = outcome
    record.reason = reason
    if record.case is not None and outcome == InboundMail.HELD:
        audit.record(None, "case.email_reply_held", record.case, reason=reason)
    return record


def receive(fetched: Fetched) -> InboundMail | None:
    """Record one message and do what it calls for; None if it was recorded before."""
    key = message_key(fetched.raw)
    if db.session.scalar(db.select(InboundMail.id).where(InboundMail.message_id == key)) is not None:
        return None
    message = _parse(fetched.raw)
    sender = parseaddr(_header(message, "From"))[1][:254] or None
    record = InboundMail(
        message_id=key, sender=sender, subject=_header(message, "Subject")[:255] or None, outcome=InboundMail.HELD
    )
    db.session.add(record)
    # A second reader of the mailbox at the same moment fails here, and adds nothing.
    db.session.flush()

    if is_auto_reply(message):
        return _hold(record, InboundMail.AUTO_REPLY, InboundMail.IGNORED)
    case, reason = _case_of(message)
    record.case = case
    if reason is None and not (
        sender and (services.contact_matches(case, sender) or representation.writes_for_the_case(case, sender))
    ):
        reason = InboundMail.UNKNOWN_SENDER
    if reason is None and fetched.too_large:
        reason = InboundMail.TOO_LARGE
    if reason is None and not case.is_open:
        _tell_case_is_closed(case)
        reason = InboundMail.CASE_CLOSED
    if reason == InboundMail.EXPIRED and sender and services.contact_matches(case, sender):
        _tell_reply_address_expired(case)
    if reason is not None:
        return _hold(record, reason)
    return _add(record, message, case)


def record_unreadable(fetched: Fetched) -> InboundMail:
    """Hold a message that could not be handled (after the caller rolled back what it started),
    so that it is listed for staff and not tried again on every run."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(fetched.raw, headersonly=True)
        sender = parseaddr(str(headers.get("From", "")))[1][:254] or None
        subject = " ".join(str(headers.get("Subject", "")).split())[:255] or None
    except Exception:  # noqa: BLE001 - what could be read of it is only for the list
        sender = subject = None
    record = InboundMail(
        message_id=message_key(fetched.raw),
        sender=sender,
        subject=subject,
        outcome=InboundMail.HELD,
        reason=InboundMail.UNREADABLE,
    )
    db.session.add(record)
    return record


def _case_of(message: EmailMessage) -> tuple[Case | None, str | None]:
    """The case the message's address names, and why it cannot be added to it (None if it can,
    as far as the address goes)."""
    token = _token(message)
    if token is None:
        return _case_in_subject(message)
    if token.state == reply_address.FORGED:
        return None, InboundMail.FORGED
    case = db.session.get(Case, token.case_id)
    if case is None:
        return None, InboundMail.NO_CASE
    return case, InboundMail.EXPIRED if token.state == reply_address.EXPIRED else None


REFERENCE_IN_SUBJECT = re.compile(r"\bCAN-\d{4}-\d{5}\b", re.IGNORECASE)


def _case_in_subject(message: EmailMessage) -> tuple[Case | None, str | None]:
    """A reply sent to an address without a token (the one reply-to address GOV.UK Notify
    sends from) is matched by the case reference its subject keeps; the sender must then be
    someone the case writes to, as for any reply."""
    found = REFERENCE_IN_SUBJECT.search(_header(message, "Subject"))
    case = services.find_case(found.group(0)) if found else None
    return (case, None) if case is not None else (None, InboundMail.NO_TOKEN)


def _tell_case_is_closed(case: Case) -> None:
    """A family who writes back to a closed case expects to hear something, and may be asking
    for the next stage or raising something new: their email is held for staff (so nothing they
    said is lost, and a request for the next stage made by email can be logged), and they are
    told at once that the case is closed and what they can do."""
    services.email_family(
        case,
        f"Your case {case.reference} is closed",
        "reply_to_closed_case",
        headers={"Auto-Submitted": "auto-replied"},
        can_escalate=services.can_escalate(case),
        feedback_url=_feedback_url(),
    )


def _tell_reply_address_expired(case: Case) -> None:
    """The family answered an email so old that its reply address no longer works: their email
    is held for staff, and they are told so, and how to reach the case now (this email's own
    reply address works)."""
    services.email_family(
        case,
        f"Your email about {case.reference} has not been added to your case yet",
        "reply_address_expired",
        headers={"Auto-Submitted": "auto-replied"},
    )


def _add(record: InboundMail, message: EmailMessage, case: Case) -> InboundMail:
    text = reply_text(message)
    files = _attachments(message, case)
    if files.refused:
        record.note = "\n".join(f"{name}: {why}" for name, why in files.refused)
    if not text and not files.accepted:
        return _hold(record, InboundMail.NOTHING_ADDED)
    added = services.family_reply(case, text, files.accepted)
    record.outcome = InboundMail.ADDED
    db.session.flush()
    record.case_message_id = added.id
    if files.refused:
        record.reason = InboundMail.FILES_REFUSED
        _tell_about_refused_files(case, files.refused)
    return record


def _feedback_url() -> str:
    from portal.core.links import public_url

    return public_url("feedback.start")


def _tell_about_refused_files(case: Case, refused: list[tuple[str, str]]) -> None:
    """A note on the case for the caseworker, and a word to the family, so that they can send
    the file another way."""
    listed = "\n".join(f"- {name}: {why}" for name, why in refused)
    db.session.add(
        CaseMessage(
            case=case,
            internal=True,
            body=f"The family's email was added, but not these files from it:\n{listed}",
        )
    )
    services.email_family(
        case,
        f"A file you sent was not added to case {case.reference}",
        "reply_files_refused",
        headers={"Auto-Submitted": "auto-replied"},
        refused=refused,
        largest=describe_size(MAX_FILE_BYTES),
    )


HELD_PER_PAGE = 50


def held(page: int = 1) -> Paged:
    """One page of the mail held for staff, newest first: two queries, however much there is."""
    total = db.session.scalar(db.select(db.func.count(InboundMail.id)).where(InboundMail.outcome == InboundMail.HELD))
    page = clamp_page(page, total, HELD_PER_PAGE)
    rows = db.session.scalars(
        db.select(InboundMail)
        .options(db.joinedload(InboundMail.case))
        .where(InboundMail.outcome == InboundMail.HELD)
        .order_by(InboundMail.received_at.desc(), InboundMail.id.desc())
        .limit(HELD_PER_PAGE)
        .offset((page - 1) * HELD_PER_PAGE)
    ).all()
    return Paged(rows, total, page, HELD_PER_PAGE)
