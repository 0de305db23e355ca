"""Walk the feedback journey through the real pages, as a family would."""

import io

from portal.accounts.models import Team
from portal.extensions import db
from portal.feedback.models import Category

COMPLAINT = {
    "kind": {"kind": "complaint"},
    "safety": {"worried": "no"},
    "category": None,  # filled in with a real category id
    "triage": {"triage": "none"},
    "details": {
        "what_happened": "The taxi did not come for three weeks.",
        "outcome_wanted": "A reliable taxi and an apology.",
    },
    "child": {
        "child_name": "JS",
        "child_year_group": "Year 5",
        "child_setting": "Riverside Primary",
        "child_has_ehc_plan": "yes",
    },
    "who": {"speaker": "parent", "young_person_age": "no"},
    "reply": {"reply": "yes"},
    "contact": {
        "contact_name": "Jo Smith",
        "contact_email": "jo@example.org",
        "contact_phone": "07700 900982",
        "relationship": "Parent",
        "preferred_contact": "email",
    },
    "adjustments": {"adjustments": ["easy_read"]},
}

SLUGS = {
    "kind": "what-would-you-like-to-do",
    "safety": "is-a-child-at-risk",
    "urgent": "urgent-help",
    "category": "what-is-it-about",
    "triage": "is-it-about-a-decision",
    "route": "other-ways-to-resolve-this",
    "details": "what-happened",
    "child": "about-the-child",
    "who": "who-is-giving-this-feedback",
    "representative": "about-you",
    "young_person": "the-young-persons-wishes",
    "reply": "do-you-want-a-reply",
    "contact": "your-details",
    "adjustments": "support-you-need",
}


STEP_ORDER = list(SLUGS)


def make_category(name="Home-to-school transport", team="Travel Assist") -> int:
    """Call inside an app context."""
    team_row = db.session.scalar(db.select(Team).where(Team.name == team)) or Team(name=team)
    category = Category(name=name, team=team_row)
    db.session.add(category)
    db.session.commit()
    return category.id


def answer(client, step: str, data: dict):
    return client.post(f"/feedback/{SLUGS[step]}", data=data)


def walk(client, category_id: int, overrides: dict | None = None, skip: tuple = ()) -> None:
    """Answer every question up to the check page, in the journey's order.
    ``overrides`` replaces a step's answers (None leaves the step out)."""
    steps = {**COMPLAINT, "category": {"category_id": str(category_id)}, **(overrides or {})}
    client.post("/feedback/begin")
    answered = set()
    for step in STEP_ORDER:
        data = steps.get(step)
        if step in skip or data is None:
            continue
        response = answer(client, step, data)
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:3000])
        went_to = response.headers["Location"].split("?")[0].rsplit("/", 1)[-1]
        # Sent back to a question: an earlier answer was missing or refused.
        assert went_to not in {SLUGS[name] for name in answered | {step}}, (step, response.headers["Location"])
        answered.add(step)
    client.post("/feedback/evidence", data={"continue": "1"})


def open_case_by_link(app, outbox, reference, contact="jo@example.org"):
    """A family's browser that has opened the case through /track's emailed link."""
    family = app.test_client()
    family.post("/track", data={"reference": reference, "contact": contact})
    family.get(outbox.link_in(outbox.last(contact, "case_link")))
    return family


def submit(client):
    return client.post("/feedback/check-your-answers")


def upload_evidence(client, name: str, data: bytes):
    """Upload one file on the evidence page of the client's draft."""
    return client.post(
        "/feedback/evidence",
        data={"evidence": (io.BytesIO(data), name), "upload": "Upload file"},
        content_type="multipart/form-data",
    )


def send_reply(client, reference: str, body: str, file: tuple[str, bytes] | None = None):
    """Reply on the case page, with a file if given as (name, data)."""
    data = {"body": body}
    if file is not None:
        data["evidence"] = (io.BytesIO(file[1]), file[0])
    return client.post(f"/my-cases/{reference}/reply", data=data, content_type="multipart/form-data")
