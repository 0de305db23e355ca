"""Demo ways to take part for seed-demo: a drop-in whose places the demo's parents and youth
forum members have all taken, a youth forum session and an online working group with places
left; the open consultation's documents to read (a plan and its easy read version, each a small
tagged PDF); and answers to it given on paper, by phone and in person. Everything is made
through the real services. Idempotent: once there are opportunities, nothing more is added."""

from datetime import datetime, timedelta

from flask import render_template_string

from portal.accounts.models import User
from portal.consultations import materials, take_part
from portal.consultations import models as m
from portal.consultations import take_part_models as t
from portal.core.files import CheckedFile
from portal.core.tagged_pdf import html_to_pdf
from portal.core.time import LONDON, london_today
from portal.demo.accounts import MANAGER
from portal.extensions import db

CONSULTATION = "the-local-offer-website"

# (days from today, start, end, fields); the drop-in's places go to those below.
OPPORTUNITIES = [
    (
        5,
        (15, 30),
        (17, 0),
        dict(
            kind=t.DROP_IN,
            title="Short breaks drop-in at the Civic Centre",
            description="Drop in for a cup of tea and tell us what short breaks work for your family. "
            "Bring your children if you like: there is a play corner.",
            format=t.IN_PERSON,
            place="Civic Centre, Room 2, High Street",
            accessibility="Step-free access from the car park; hearing loop; a quiet room next door.",
            audience=t.FOR_ANYONE,
            capacity=4,
        ),
    ),
    (
        12,
        (17, 0),
        (18, 30),
        dict(
            kind=t.FORUM_SESSION,
            title="Youth forum session: getting to school",
            description="Help us plan the travel training young people asked for.",
            format=t.IN_PERSON,
            place="The Hub youth centre, Station Road",
            accessibility="Step-free; a quiet space; BSL interpreter on request.",
            audience=t.FOR_YOUNG_PEOPLE,
            capacity=15,
        ),
    ),
    (
        19,
        (19, 0),
        (20, 30),
        dict(
            kind=t.WORKING_GROUP,
            title="Local Offer website working group",
            description="Work with us on the new Local Offer website: four online meetings this term.",
            format=t.ONLINE,
            place="Microsoft Teams (the link is emailed to those with a place)",
            accessibility="Live captions; cameras optional.",
            audience=t.FOR_PARENTS,
            capacity=8,
        ),
    ),
]
# Who took the drop-in's places (all of them), with what they need; and one place on the session.
DROP_IN_PLACES = [
    ("grace.parent@example.org", [t.STEP_FREE], None),
    ("martin.parent@example.org", [], "I will bring my son, who uses a wheelchair"),
    ("sofia.parent@example.org", [t.BSL_INTERPRETER], None),
    ("kezia.forum@example.org", [t.QUIET_SPACE], None),
]
SESSION_PLACES = [("rhys.forum@example.org", [], None)]

DOCUMENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>{% for line in lines %}<p>{{ line }}</p>{% endfor %}</body></html>"""
DOCUMENTS = [
    (
        "Draft plan for the new Local Offer website",
        False,
        [
            "The Local Offer lists the services for children with additional needs and their families.",
            "We plan a new search that understands everyday words, pages that work on a phone, "
            "and a page for each service saying who it is for and how to ask for it.",
        ],
    ),
    (
        "The plan in easy read",
        True,
        ["We want to make our website better.", "You will find things more easily.", "Tell us what you think."],
    ),
]

# Answers given on paper, by phone and in person: (channel, participant, age band, {position: answer}).
OFFLINE_ANSWERS = [
    (m.PAPER, m.PARTICIPANT_PARENT, None, {"search": "I could not find the short breaks page at all."}),
    (m.PHONE, m.PARTICIPANT_PARENT, None, {"search": "Please make the phone numbers bigger on a phone."}),
    (m.IN_PERSON, m.PARTICIPANT_YOUNG_PERSON, "16-18", {"search": "Put the youth forum on the front page."}),
]


def seed_take_part() -> None:
    manager = db.session.scalar(db.select(User).where(User.email == MANAGER))
    if manager is None or db.session.scalar(db.select(t.Opportunity.id).limit(1)) is not None:
        return
    people = {user.email: user for user in db.session.scalars(db.select(User))}
    made = [_opportunity(manager, *spec) for spec in OPPORTUNITIES]
    for opportunity, places in ((made[0], DROP_IN_PLACES), (made[1], SESSION_PLACES)):
        for email, needs, words in places:
            if email in people:
                take_part.take_place(opportunity, people[email], needs, words)
    consultation = db.session.scalar(db.select(m.Consultation).where(m.Consultation.slug == CONSULTATION))
    if consultation is not None:
        _documents(manager, consultation)
        _offline_answers(manager, consultation)


def _opportunity(manager: User, days: int, starts: tuple, ends: tuple, fields: dict) -> t.Opportunity:
    day = london_today() + timedelta(days=days)
    details = take_part.Details(
        starts_at=datetime(day.year, day.month, day.day, *starts, tzinfo=LONDON),
        ends_at=datetime(day.year, day.month, day.day, *ends, tzinfo=LONDON),
        **fields,
    )
    opportunity = take_part.create(manager, details)
    take_part.publish(manager, opportunity)
    return opportunity


def _documents(manager: User, consultation: m.Consultation) -> None:
    for title, easy_read, lines in DOCUMENTS:
        html = render_template_string(DOCUMENT_PAGE, title=title, lines=lines)
        pdf = html_to_pdf(html, base_url="file:///")
        filename = "-".join(title.lower().split()) + ".pdf"
        materials.add_document(manager, consultation, title, easy_read, CheckedFile(filename, "application/pdf", pdf))


def _offline_answers(manager: User, consultation: m.Consultation) -> None:
    free_text = next((q for q in consultation.questions if q.kind == m.FREE_TEXT), None)
    required = [q for q in consultation.questions if q.required and q is not free_text]
    for channel, participant, age_band, words in OFFLINE_ANSWERS:
        answers = {question.id: _first_choice(question) for question in required}
        if free_text is not None:
            answers[free_text.id] = words["search"]
        materials.enter_offline_answers(
            manager,
            consultation,
            answers,
            channel=channel,
            participant=participant,
            age_band=age_band,
            today=london_today(),
        )


def _first_choice(question: m.Question):
    if question.kind == m.SCALE:
        return 4
    ids = [option.id for option in question.options[:1]]
    return ids if question.kind == m.CHOOSE_SEVERAL else (ids[0] if ids else None)
