"""The retention schedule: admins set how long each kind of record is kept, the privacy notice
states those periods, and ``flask retention apply`` anonymises closed cases and consultation
answers past theirs (the published figures unchanged) and deletes everything else past theirs.

The data is made in 2019 through the real services under a moved clock; the command runs today.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.accounts import roles
from portal.accounts.models import SignedInSession, User
from portal.casework import services as casework
from portal.casework.models import CaseOutcome
from portal.consultations import models as m
from portal.consultations import results
from portal.core import audit, retention
from portal.core.files import CheckedFile
from portal.core.models import AuditEvent, KeptForm
from portal.core.terms import term_of
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.feedback import access_records
from portal.feedback import services as feedback
from portal.feedback.models import AccessRecord, Attachment, FeedbackDraft
from portal.notifications.services import send_pending
from portal.reports import periods
from portal.reports.complaints import complaints_report, feedback_received
from portal.reports.termly import assemble
from portal.retention import apply as apply_module
from portal.retention.models import RetentionRun
from portal.themes.models import LearningTheme
from portal.yousaid.models import YouSaidEntry
from tests.casework_helpers import category_id, get_case, submit_case
from tests.consultation_helpers import make_consultation
from tests.factories import make_user
from tests.query_counts import count_queries

LONG_AGO = datetime(2019, 5, 13, 10, tzinfo=LONDON)  # a Monday, in the summer term of 2019
LAST_MONTH = datetime.now(LONDON) - timedelta(days=30)


@dataclass
class World:
    """What was seeded: the references, and the words that must go or must stay."""

    old: list[str] = field(default_factory=list)
    recent: str = ""
    open_old: str = ""
    consultation_id: int = 0
    # Personal data of records past their time: none may be left anywhere.
    expired: list[str] = field(default_factory=list)
    # Personal data of records still in their time: all of it must be left.
    kept: list[str] = field(default_factory=list)


def _case_with_history(app, category: int, staff: User, theme: LearningTheme, family: dict, parent=None) -> str:
    """A complaint as a family sends it, with a reply carrying a file, an internal note, an
    adjustment, an outcome with a remedy and a learning theme; closed."""
    reference = submit_case(app, category, user=parent, **family)
    with app.test_request_context():
        case = get_case(reference)
        staff = db.session.get(User, staff.id)
        casework.acknowledge(case, staff)
        feedback.family_reply(
            case,
            f"{family['child_name']} still has no taxi, says {family['contact_name']}.",
            [CheckedFile("letter.pdf", "application/pdf", b"%PDF-1.4 " + family["contact_name"].encode())],
        )
        casework.add_note(case, staff, f"Spoke to {family['contact_name']} on the phone.")
        casework.record_adjustment(
            case,
            staff,
            None,
            kind="interpreter",
            detail=f"Interpreter for {family['contact_name']}",
            status="requested",
            reason=None,
            review_on=None,
        )
        casework.record_outcome(
            case,
            staff,
            outcome="upheld",
            summary=f"We agree with {family['contact_name']}.",
            remedies=[("apology", f"An apology to {family['contact_name']}", None)],
            theme_ids=[theme.id],
        )
        casework.close(case, staff)
        attachment = db.session.scalar(sa.select(Attachment).where(Attachment.case_id == case.id))
        access_records.record(staff, case, AccessRecord.DOWNLOADED, attachment)
        db.session.commit()
    return reference


def _family(name: str, number: int) -> dict:
    return {
        "contact_name": f"{name} Family",
        "contact_email": f"{name.lower()}@example.org",
        "contact_phone": f"07700 900{number:03d}",
        "child_name": f"{name}child",
        "child_setting": f"{name} Primary School",
        "what_happened": f"{name}'s taxi did not come for three weeks.",
        "outcome_wanted": f"{name} wants a reliable taxi.",
    }


def _needles(family: dict) -> list[str]:
    """Every answer above is the family's personal data (the file sent holds their name too)."""
    return list(family.values())


def _consultation_with_answers(parent: User, words: str) -> m.Consultation:
    consultation = make_consultation(title=f"Transport {secrets.token_hex(3)}", state=m.CLOSED)
    free, one, several, scale = consultation.questions
    response = m.Response(
        consultation=consultation, author_id=parent.id, submitted_at=utcnow(), wants_learning_updates=True
    )
    response.answers = [
        m.Answer(question=free, text=words, themes=[db.session.scalar(sa.select(LearningTheme))]),
        m.Answer(question=one, choices=[one.options[1]]),
        m.Answer(question=several, choices=[several.options[0], several.options[2]]),
        m.Answer(question=scale, scale=4),
    ]
    db.session.add(response)
    db.session.flush()
    db.session.add(m.Comment(response_id=response.id, author_id=parent.id, body=f"A comment: {words}"))
    db.session.add(m.Response(consultation=consultation, author_id=make_user(roles.PARENT).id, voice=m.OWN_VOICE))
    db.session.commit()
    return consultation


def _leftovers(owner: User, words: str) -> None:
    """A draft never sent, a form kept after a session ended, and an ended session."""
    db.session.add(FeedbackDraft(key=secrets.token_urlsafe(16), answers={"contact_name": words}))
    db.session.add(
        KeptForm(key_hash=secrets.token_hex(32), page="/feedback", sent={"values": [["name", words]], "files": 0})
    )
    db.session.add(
        SignedInSession(token_hash=secrets.token_hex(32), user_id=owner.id, expires_at=utcnow(), revoked_at=utcnow())
    )
    db.session.commit()


@pytest.fixture
def world(app) -> World:
    seeded = World()
    with app.app_context():
        category = category_id("Home-to-school transport", "Travel Assist")
        staff = db.session.get(User, make_user(roles.MANAGER, team="Travel Assist").id)
        theme = LearningTheme(name="Transport reliability")
        db.session.add(theme)
        db.session.commit()
        with time_machine.travel(LONG_AGO, tick=False):
            parent = db.session.get(
                User, make_user(roles.PARENT, name="Ottoline Account", email="ottoline@example.org").id
            )
            for number, name in enumerate(["Bartholomew", "Ottoline"]):
                family = _family(name, number)
                seeded.old.append(
                    _case_with_history(app, category, staff, theme, family, parent if name == "Ottoline" else None)
                )
                seeded.expired += _needles(family)
            seeded.open_old = submit_case(app, category, **_family("Openshaw", 7))
            seeded.kept += _needles(_family("Openshaw", 7))
            db.session.add(
                YouSaidEntry(
                    term=term_of(LONG_AGO.date()).slug,
                    theme_id=theme.id,
                    title="Taxis",
                    you_said="Late taxis.",
                    we_did="New contract.",
                    action_owner="Travel Assist",
                    published_at=utcnow(),
                )
            )
            seeded.consultation_id = _consultation_with_answers(parent, "Ottoline thinks the buses are late").id
            seeded.expired += ["Ottoline thinks the buses are late"]
            _leftovers(parent, "Wilhelmina Draftwriter")
            seeded.expired += ["Wilhelmina Draftwriter"]
            audit.record(staff, "case.viewed_long_ago", parent, note="Old audit row")
            db.session.commit()
            with app.test_request_context():
                send_pending()
        with time_machine.travel(LAST_MONTH, tick=False):
            family = _family("Rosamund", 9)
            seeded.recent = _case_with_history(app, category, staff, theme, family)
            seeded.kept += _needles(family)
        _leftovers(parent, "Cressida Recentdraft")
        seeded.kept += ["Cressida Recentdraft"]
    return seeded


def apply(runner, *args: str):
    result = runner.invoke(args=["retention", "apply", *args])
    assert result.exit_code == 0, result.output
    return result.output


def every_text_in_the_database() -> str:
    """Every text, JSON and file column of every table but the accounts', as one string. (The
    family's account is theirs to close: retention never touches it.)"""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name == "user":
            continue
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)).all():
            found += [value.decode(errors="replace") if isinstance(value, bytes) else str(value) for value in row]
    return "\n".join(found)


def snapshot() -> dict[str, list]:
    """Every row of every table but the record of runs, the audit log's own entries for them,
    and the case pages' versions (keys for pages kept once rendered, not data)."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("retention_run", "case_page_version"):
            continue
        query = sa.select(table).order_by(*table.primary_key.columns)
        if table.name == "audit_event":
            query = query.where(table.c.action != "retention.applied")
        rows[table.name] = [tuple(row) for row in db.session.execute(query).all()]
    return rows


def published_figures(consultation_id: int) -> dict:
    """What the annual report, the termly update (with You Said, We Did) and a consultation's
    results show for 2019, through the functions their pages use."""
    year = periods.year_of(LONG_AGO.date())
    term = term_of(LONG_AGO.date())
    termly = assemble(term)
    consultation = db.session.get(m.Consultation, consultation_id)
    return {
        "annual": complaints_report(year).figures(),
        "received": feedback_received(year),
        "termly": termly.complaints.figures(),
        "termly_received": termly.feedback,
        "you_said_we_did": [(entry.title, evidence) for entry, evidence in termly.entries],
        "totals": results.totals(consultation),
        "charts": [
            (c.question.prompt, c.answered, [(b.label, b.count) for b in c.bars]) for c in results.charts(consultation)
        ],
    }


# --- the command -----------------------------------------------------------------------------


def test_expired_records_keep_no_personal_data_and_recent_ones_keep_theirs(app, runner, world):
    with app.app_context():
        before = every_text_in_the_database()
        assert all(words in before for words in world.expired + world.kept)

    output = apply(runner)

    assert "Closed cases: 2 anonymised" in output
    assert "Consultation answers: 2 anonymised" in output  # one sent response, one never sent
    # The one left unsent long ago, and those the open and the recent case were sent from (the
    # anonymised cases' own drafts went with their personal data).
    assert "Feedback not sent: 3 deleted" in output
    for name in ("Bartholomew", "Ottoline", "ottoline@example.org"):
        assert name not in output
    with app.app_context():
        after = every_text_in_the_database()
        for words in world.expired:
            assert words not in after, words
        for words in world.kept:
            assert words in after, words
        old = [get_case(reference) for reference in world.old]
        assert all(case.anonymised_at and case.user_id is None and not case.attachments for case in old)
        assert all(case.kind == "complaint" and case.category_id and case.closed_at for case in old)
        assert get_case(world.recent).anonymised_at is None and get_case(world.recent).attachments
        assert db.session.scalar(sa.select(User).where(User.email == "ottoline@example.org")) is not None
        response = db.session.scalar(sa.select(m.Response).where(m.Response.consultation_id == world.consultation_id))
        assert response.author_id is None and response.shown_as == "Someone who took part"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(m.Comment)) == 0
        left = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert "case.viewed_long_ago" not in left and "retention.applied" in left


def test_the_published_figures_are_the_same_after_anonymising(app, runner, world):
    with app.app_context():
        before = published_figures(world.consultation_id)
        assert any(row[-1] for row in before["annual"])
        assert before["you_said_we_did"][0][1].complaints == 2 and before["you_said_we_did"][0][1].answers == 1
    apply(runner)
    with app.app_context():
        assert published_figures(world.consultation_id) == before


def test_a_second_run_changes_nothing_and_says_so(app, runner, world):
    apply(runner)
    with app.app_context():
        before = snapshot()
    output = apply(runner)
    assert "Nothing had reached the end of its retention period" in output
    with app.app_context():
        assert snapshot() == before


def test_a_dry_run_changes_nothing_and_lists_what_would_change(app, runner, world):
    with app.app_context():
        before = snapshot()
    output = apply(runner, "--dry-run")
    assert "Dry run: nothing was changed" in output
    assert "Closed cases: 2 would be anonymised" in output
    assert all(reference in output for reference in world.old)
    assert world.recent not in output and world.open_old not in output
    assert "Bartholomew" not in output
    with app.app_context():
        assert snapshot() == before
        run = db.session.scalar(sa.select(RetentionRun))
        assert run.dry_run and run.counts["closed_cases"] == 2 and run.finished_at is not None


def test_a_run_while_another_is_running_changes_nothing(app, runner, world):
    with app.app_context():
        db.session.add(RetentionRun(started_at=utcnow(), dry_run=False, counts={}, running=True))
        db.session.commit()
        before = snapshot()
    assert "Another retention run has not finished" in apply(runner)
    with app.app_context():
        assert snapshot() == before


def test_a_run_that_died_long_ago_does_not_stop_the_next(app, runner, world):
    with app.app_context():
        db.session.add(RetentionRun(started_at=utcnow() - timedelta(days=1), dry_run=False, counts={}, running=True))
        db.session.commit()
    assert "Closed cases: 2 anonymised" in apply(runner)


def test_a_backlog_goes_batch_by_batch(app, runner, world, monkeypatch):
    monkeypatch.setattr(apply_module, "BATCH", 1)
    output = apply(runner)
    assert "Closed cases: 2 anonymised" in output and "Consultation answers: 2 anonymised" in output
    with app.app_context():
        assert all(get_case(reference).anonymised_at for reference in world.old)


def test_a_changed_period_is_the_one_applied(app, runner, world, users):
    with app.app_context():
        retention.set_period(None, "closed_cases", retention.Period(20, "years"))
        db.session.commit()
    assert "Closed cases: 0 anonymised" in apply(runner)


# --- staff pages of an anonymised case -------------------------------------------------------


def test_the_staff_case_page_of_an_anonymised_case_renders(app, runner, world, users, auth, client):
    apply(runner)
    manager = users.make(roles.MANAGER, team="Travel Assist")
    auth.sign_in(manager)
    response = client.get(f"/cases/{world.old[1]}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Anonymised under the retention schedule" in page
    assert "Ottoline" not in page and "Upheld" in page
    assert "Reopen the case" not in page  # nobody could be told
    assert client.get(f"/cases/{world.old[1]}/access-log").status_code == 200
    assert client.get(f"/cases/{world.old[1]}/reopen").status_code == 302  # back to the case page
    assert client.get(f"/cases/{world.recent}/reopen").status_code == 200


def test_the_pages_of_an_anonymised_consultation_answer_render(app, runner, world, users, auth, client):
    with app.app_context():
        consultation = db.session.get(m.Consultation, world.consultation_id)
        consultation.published_at = utcnow()
        response_id = db.session.scalar(
            sa.select(m.Response.id).where(
                m.Response.consultation_id == world.consultation_id, m.Response.submitted_at.is_not(None)
            )
        )
        db.session.get(m.Response, response_id).moderation = m.APPROVED
        db.session.commit()
        slug = consultation.slug
    apply(runner)
    assert "Someone who took part" in client.get(f"/consultations/{slug}").get_data(as_text=True)
    auth.sign_in(users.make(roles.MANAGER))
    base = f"/manage/consultations/{world.consultation_id}"
    for path in (f"{base}/results", f"{base}/export.csv", f"/manage/consultations/moderation/responses/{response_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Ottoline" not in response.get_data(as_text=True), path


# --- the admin page --------------------------------------------------------------------------


@pytest.fixture
def admin_client(users, auth, client):
    auth.sign_in(users.make(roles.ADMIN))
    return client


def test_the_schedule_shows_every_kind_and_the_last_runs(app, runner, world, admin_client):
    apply(runner, "--dry-run")
    apply(runner)
    page = admin_client.get("/admin/retention").get_data(as_text=True)
    assert "Kept for 6 years after the case is closed, then anonymised." in page
    assert "Kept for 1 year after the email was queued, then deleted." in page
    assert "Dry run (nothing changed)" in page and "Applied" in page
    assert "Closed cases: 2 would be anonymised" in page and "Closed cases: 2 anonymised" in page
    # What the portal stops using after a fixed time has no period to change.
    assert 'href="/admin/retention/closed_cases"' in page
    assert 'href="/admin/retention/feedback_drafts"' not in page
    assert "Feedback not sent and forms kept after a session ended cannot be changed" in page
    assert admin_client.get("/admin/retention/kept_forms").status_code == 404


def test_the_schedule_costs_the_same_queries_however_many_runs_and_changes(app, runner, admin_client):
    few = count_queries(app, admin_client, "/admin/retention")
    with app.app_context():
        for kind in ("closed_cases", "outbox", "audit_log"):
            retention.set_period(None, kind, retention.LIMITS[kind][1])
        db.session.commit()
    for _ in range(3):
        apply(runner)
    assert count_queries(app, admin_client, "/admin/retention") == few


def test_an_admin_changes_a_period_and_the_privacy_notice_says_so(app, admin_client, client):
    response = admin_client.post("/admin/retention/closed_cases", data={"amount": "8", "unit": "years"})
    assert response.status_code == 302
    assert "Kept for 8 years after the case is closed" in admin_client.get("/admin/retention").get_data(as_text=True)
    assert "We keep it for 8 years after the case is closed" in client.get("/privacy").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention.period_changed"))
        assert event.details == {"kind": "closed_cases", "old": "6 years", "new": "8 years"}


@pytest.mark.parametrize(
    "kind, amount, unit, message",
    [
        ("closed_cases", "", "years", "Enter the period"),
        ("closed_cases", "six", "years", "The period must be a whole number, like 1"),
        ("closed_cases", "11", "months", "The period must be at least 1 year"),
        ("signed_in_sessions", "2", "hours", "The period must be at least 12 hours"),
        ("audit_log", "200", "years", "The period must be at most 20 years"),
        ("outbox", "2", None, "Select hours, days, months or years"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused_by_its_field(app, admin_client, kind, amount, unit, message):
    data = {"amount": amount} | ({"unit": unit} if unit else {})
    response = admin_client.post(f"/admin/retention/{kind}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    assert page.count(message) == 2  # in the error summary and by the field
    assert f'value="{amount}"' in page  # what was typed is still there
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention.period_changed")) is None


@pytest.mark.parametrize("role", [roles.MANAGER, roles.CASEWORKER, roles.PARENT])
def test_only_admins_see_or_change_the_schedule(users, auth, client, role):
    auth.sign_in(users.make(role))
    assert client.get("/admin/retention").status_code == 403
    assert client.post("/admin/retention/closed_cases", data={"amount": "1", "unit": "years"}).status_code == 403


def test_an_unknown_kind_is_not_found(admin_client):
    assert admin_client.get("/admin/retention/everything").status_code == 404


def test_the_outcome_text_goes_but_the_finding_stays(app, runner, world):
    apply(runner)
    with app.app_context():
        case = get_case(world.old[0])
        outcome = db.session.scalar(sa.select(CaseOutcome).where(CaseOutcome.case_id == case.id))
        assert outcome.outcome == "upheld" and outcome.summary == "" and [t.name for t in outcome.themes]
        assert [remedy.kind for remedy in outcome.remedies] == ["apology"]


def test_who_was_emailed_about_a_you_said_change_goes_with_the_email_records(app, runner):
    from portal.yousaid.models import UpdateNotice, YouSaidChange
    from tests.test_yousaid_entries import make_entry, make_theme

    entry_id = make_entry(app, make_theme(app, "Letters home"))
    with app.app_context():
        change = db.session.scalar(sa.select(YouSaidChange).where(YouSaidChange.entry_id == entry_id))
        db.session.add_all(
            [
                UpdateNotice(
                    change_id=change.id, email="told-long-ago@example.org", sent_at=utcnow() - timedelta(days=800)
                ),
                UpdateNotice(
                    change_id=change.id, email="told-last-week@example.org", sent_at=utcnow() - timedelta(days=7)
                ),
            ]
        )
        db.session.commit()
    assert "1 would be deleted" in apply(runner, "--dry-run")
    apply(runner)
    with app.app_context():
        assert db.session.scalars(sa.select(UpdateNotice.email)).all() == ["told-last-week@example.org"]
