"""A complaint about a named member of staff (Complaint Handling Code 5.4): once it is marked
so, that person cannot see the case, find it in any list, or be given it, by routing or by hand."""

import re

from portal.accounts import roles
from portal.extensions import db
from portal.feedback import services as feedback_services
from tests.casework_helpers import answer_stage_1, category_id, events_for, get_case, sign_in, submit_case
from tests.factories import make_user

TEAM = "Travel Assist"


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def signed_in(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def about(client, reference, person, reason="The family says the caseworker shouted at them on the phone."):
    return client.post(f"/cases/{reference}/about-staff", data={"person": str(person.id), "reason": reason})


def test_the_person_complained_about_loses_the_case_and_it_is_routed_to_someone_else(app):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        handler = make_user(roles.CASEWORKER, team=TEAM, name="Pat Handler")
        manager = make_user(roles.MANAGER, name="Helen Brooks")
    reference = submit_case(app, category)
    with app.app_context():
        colleague = make_user(roles.CASEWORKER, team=TEAM, name="Ola Colleague")
        assert get_case(reference).caseworker_id == handler.id
    boss = signed_in(app, manager)
    assert "Mark as about a member of staff" in words(boss.get(f"/cases/{reference}"))
    # Nothing chosen: a GOV.UK error, and nothing changes.
    empty = boss.post(f"/cases/{reference}/about-staff", data={"person": "", "reason": "x"})
    assert "Select the member of staff the complaint is about" in words(empty)
    assert about(boss, reference, handler).status_code == 302
    with app.app_context():
        case = get_case(reference)
        assert case.about_staff_id == handler.id and case.caseworker_id == colleague.id
        assert events_for(reference, "case.about_staff")[0].details["person"] == handler.id
    page = words(boss.get(f"/cases/{reference}"))
    assert "About a member of staff Pat Handler: they cannot see this case or be given it" in page
    assert "Mark as about a member of staff" not in page  # marked once

    # Pat, in the same team, can no longer open it or find it.
    pat = signed_in(app, handler)
    assert pat.get(f"/cases/{reference}").status_code == 404
    link = f'href="/cases/{reference}"'
    assert link not in pat.get("/cases?queue=open").get_data(as_text=True)
    assert link not in pat.get(f"/cases?queue=open&q={reference}").get_data(as_text=True)

    # Nor can they be given it by hand.
    refused = boss.post(
        f"/cases/{reference}/transfer", data={"caseworker": str(handler.id), "team": "", "reason": "Back to Pat"}
    )
    assert "The complaint is about Pat Handler, so they cannot handle it" in words(refused)
    with app.app_context():
        assert get_case(reference).caseworker_id == colleague.id


def test_a_manager_complained_about_cannot_see_it_nor_review_it_at_stage_2(app):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        handler = make_user(roles.CASEWORKER, team=TEAM)
        named = make_user(roles.MANAGER, name="Named Manager")
        other = make_user(roles.MANAGER, name="Other Manager")
    reference = submit_case(app, category)
    other_client = signed_in(app, other)
    assert about(other_client, reference, named).status_code == 302
    named_client = signed_in(app, named)
    assert named_client.get(f"/cases/{reference}").status_code == 404
    listed = f"/manage/cases?show=caseworker&caseworker={handler.id}"
    link = f'href="/cases/{reference}"'
    assert link in other_client.get(listed).get_data(as_text=True)
    assert link not in named_client.get(listed).get_data(as_text=True)
    with app.test_request_context():
        answer_stage_1(reference)
        feedback_services.escalate(get_case(reference), None)
        db.session.commit()
        # No stage 2 handler: the manager with fewest cases would be next, but never the one named.
        assert get_case(reference).caseworker_id == other.id


def test_only_a_complaint_can_be_marked(app):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        person = make_user(roles.CASEWORKER, team=TEAM)
    reference = submit_case(app, category, kind="compliment", outcome_wanted="", triage="")
    client = signed_in(app, person)
    assert "Mark as about a member of staff" not in words(client.get(f"/cases/{reference}"))
    assert about(client, reference, person).headers["Location"] == f"/cases/{reference}"
    with app.app_context():
        assert get_case(reference).about_staff_id is None


def test_an_urgent_alert_never_goes_to_the_lead_the_complaint_is_about(app, outbox):
    from tests.casework_helpers import set_lead

    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        make_user(roles.CASEWORKER, team=TEAM)
        lead = make_user(roles.MANAGER, name="Lee Lead")
        set_lead(TEAM, lead)
    reference = submit_case(app, category, worried="yes")
    assert outbox.messages(lead.email, "urgent_case")  # told about an urgent case in the team
    with app.app_context():
        other = make_user(roles.MANAGER)
    assert about(signed_in(app, other), reference, lead).status_code == 302
    with app.test_request_context():
        from portal.casework import routing

        before = len(outbox.messages(lead.email, "urgent_case"))
        routing.notify_team_lead(get_case(reference))
        db.session.commit()
    assert len(outbox.messages(lead.email, "urgent_case")) == before
