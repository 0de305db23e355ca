"""What seed-demo publishes: You Said, We Did entries with their dated history, last term's
update, and the annual complaints report, all with real figures from the demo's cases."""

import csv
import io

import sqlalchemy as sa

from portal.casework.models import CaseOutcome, outcome_theme
from portal.core.terms import recent_terms, term_of
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db
from portal.reports import documents, periods
from portal.yousaid.models import DONE, IN_PROGRESS, PLANNED, YouSaidChange, YouSaidEntry


def london_day(moment):
    return moment.astimezone(LONDON).date()


def test_you_said_we_did_entries_are_published_with_their_history(app, client, demo):
    current, previous = recent_terms(london_today(), 2)
    with app.app_context():
        entries = {entry.title: entry for entry in db.session.scalars(sa.select(YouSaidEntry))}
        published = {title: entry for title, entry in entries.items() if entry.published_at}
        drafts = [entry for entry in entries.values() if not entry.published_at]
        assert len(published) == 3 and len(drafts) == 1 and not drafts[0].changes

        can = published["We say CAN, not SEND"]
        assert can.term == previous.slug
        assert [(change.kind, change.status) for change in can.changes] == [
            (YouSaidChange.PUBLISHED, PLANNED),
            (YouSaidChange.STATUS, IN_PROGRESS),
            (YouSaidChange.STATUS, DONE),
        ]
        assert can.action_status == DONE and can.action_done_on
        assert [c.slug for c in can.consultations] == ["renaming-send-to-can"]

        contact = published["A named caseworker for every family"]
        local_offer = published["Rebuilding the Local Offer website with families"]
        for entry in (contact, local_offer):
            assert entry.term == current.slug and entry.action_status == IN_PROGRESS
            assert entry.changes[-1].status == IN_PROGRESS
            assert entry.cases, entry.title
        assert [c.slug for c in local_offer.consultations] == ["the-local-offer-website"]
        # The cases linked to the named contact entry taught that theme.
        for case in contact.cases:
            themes = db.session.scalars(
                sa.select(outcome_theme.c.theme_id)
                .join(CaseOutcome, CaseOutcome.id == outcome_theme.c.outcome_id)
                .where(CaseOutcome.case_id == case.id)
            ).all()
            assert contact.theme_id in themes

        now = utcnow()
        for entry in published.values():
            moments = [change.occurred_at for change in entry.changes]
            assert moments == sorted(moments) and moments[-1] <= now
            assert entry.published_at == moments[0]
            assert term_of(london_day(entry.published_at)) == (previous if entry is can else current)
        draft_title = drafts[0].title

    page = client.get("/you-said-we-did").get_data(as_text=True)
    for title in published:
        assert title in page
    assert draft_title not in page


def csv_values(client, year) -> dict[tuple[str, str], int]:
    response = client.get(f"/reports/complaints.csv?year={year.start_year}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    return {(measure, breakdown): int(value) for _, _, measure, breakdown, value in rows if value.isdigit()}


def assert_last_terms_update_is_published(client):
    previous = recent_terms(london_today(), 2)[1]
    assert f'href="/updates/{previous.slug}"' in client.get("/updates").get_data(as_text=True)
    page = client.get(f"/updates/{previous.slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Give every family a named caseworker they can reach directly." in text
    assert client.get(f"/updates/{previous.slug}.pdf").mimetype == "application/pdf"
    # seed-demo froze it when it published it: version 1, with its PDF, stored.
    stored = documents.versions(documents.TERMLY_UPDATE, previous.slug)
    assert [version.version for version in stored] == [1]
    assert documents.stored_pdf(documents.TERMLY_UPDATE, previous.slug).startswith(b"%PDF-")
    # The current term's update is left for the manager to write.
    assert client.get(f"/updates/{term_of(london_today()).slug}").status_code == 404


def assert_the_complaints_report_has_real_figures(client):
    current = periods.current_year()
    page = client.get("/reports/complaints")
    assert page.status_code == 200
    assert "No complaints were received in this period" not in page.get_data(as_text=True)
    this_year, last_year = csv_values(client, current), csv_values(client, current.previous())
    assert this_year[("Complaints received", "All categories")] > 0
    assert (
        this_year[("Other feedback received", "Compliments")] + this_year[("Other feedback received", "Suggestions")]
        > 0
    )
    # The three terms fall within this financial year and the one before.
    both = {key: this_year.get(key, 0) + last_year.get(key, 0) for key in this_year}
    for measure in [
        ("Stage 2 reviews asked for", "All categories"),
        ("Complaints taken out of the procedure", "All reasons"),
        ("Stage 1 responses with a finding", "Upheld"),
        ("Stage 1 responses with a finding", "Not upheld"),
        ("Stage 1 acknowledgements", "Within 5 working days"),
        ("Stage 1 responses", "By the deadline that applied"),
        ("Stage 1 extensions agreed", ""),
        ("Stage 2 responses", "Sent"),
        ("Remedies promised", "A policy or practice changed"),
    ]:
        assert both[measure] > 0, measure


def test_last_terms_update_and_the_complaints_report_have_real_figures(app, client, demo):
    with app.app_context():
        assert_last_terms_update_is_published(client)
    assert_the_complaints_report_has_real_figures(client)


def test_last_years_report_is_published_with_its_governance_pack_and_the_local_offer_summary(app, client, demo):
    last_year = periods.current_year().previous()
    response = client.get(f"/reports/complaints?year={last_year.start_year}")
    text = response.get_data(as_text=True)
    assert "These figures are provisional" not in text
    for section in (
        "Self-assessment against the Code",
        "The Ombudsman's annual letter",
        "Findings of non-compliance",
        "Analysis",
        "Governance response",
        "Councillor Amara Okafor",
        "Equality monitoring",
    ):
        assert section in text, section
    # Enough equality answers for some numbers to be shown and some kept back.
    assert "fewer than 5" in text and '<td class="govuk-table__cell govuk-table__cell--numeric">14</td>' in text
    with app.app_context():
        assert [row.version for row in documents.versions(documents.COMPLAINTS_REPORT, str(last_year.start_year))] == [
            1
        ]
        assert [
            row.version for row in documents.versions(documents.LOCAL_OFFER_SUMMARY, str(last_year.start_year))
        ] == [1]
    assert f'href="/reports/local-offer/{last_year.start_year}"' in client.get("/reports/local-offer").get_data(
        as_text=True
    )
    summary = client.get(f"/reports/local-offer/{last_year.start_year}").get_data(as_text=True)
    assert "We are rebuilding the Local Offer website with families" in summary
    assert client.get(f"/reports/local-offer/{last_year.start_year}.pdf").mimetype == "application/pdf"
