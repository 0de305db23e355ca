"""The feedback journey's questions, in order, and which of them apply to which answers.

Pure functions over the answers dictionary, so the branching can be tested on its own.
"""

from dataclasses import dataclass
from typing import Callable

from portal.feedback.models import COMPLAINT, COMPLIMENT, QUESTION, REPRESENTATIVES, SUGGESTION, YOUNG_PERSON

Answers = dict

# The first question's choices: each kind of feedback, as something to do.
KINDS = {
    COMPLAINT: "Make a complaint",
    COMPLIMENT: "Give a compliment",
    SUGGESTION: "Make a suggestion",
    QUESTION: "Ask a question",
}

# Triage: disagreements with these decisions have their own statutory route.
TRIAGE_CHOICES = {
    "assessment": "A decision not to carry out an EHC needs assessment, or not to issue an EHC plan",
    "plan": "What an EHC plan says about my child's needs or support",
    "school": "The school or setting named in an EHC plan",
    "health": "A health service, such as speech and language therapy from the NHS",
    "school_decision": "A decision made by a school or college itself",
    "none": "None of these",
}
TRIBUNAL_ROUTES = {"assessment", "plan", "school"}
SIGNPOSTED = TRIBUNAL_ROUTES | {"health", "school_decision"}
# What a case records about the route triage pointed to.
ROUTE_OF_TRIAGE = {
    "assessment": "tribunal",
    "plan": "tribunal",
    "school": "tribunal",
    "health": "health",
    "school_decision": "school",
}


def is_complaint(answers: Answers) -> bool:
    return answers.get("kind") == COMPLAINT


def wants_reply(answers: Answers) -> bool:
    return answers.get("reply") == "yes"


def asks_about_safety(answers: Answers) -> bool:
    """Everyone is asked whether a child is at risk, except someone paying a compliment."""
    return answers.get("kind") != COMPLIMENT


def has_representative(answers: Answers) -> bool:
    return answers.get("speaker") in REPRESENTATIVES


def about_a_young_person(answers: Answers) -> bool:
    """Someone else speaks about a young person aged 16 to 25, whose wishes we then ask."""
    return answers.get("speaker") not in (None, "", YOUNG_PERSON) and answers.get("young_person_age") == "yes"


def _has(key: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get(key) not in (None, "")


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    name: str
    slug: str
    title: str
    applies: Callable[[Answers], bool]
    done: Callable[[Answers], bool]


STEPS = [
    Step("kind", "what-would-you-like-to-do", "What would you like to do?", _always, _has("kind")),
    Step("safety", "is-a-child-at-risk", "Is a child at risk of harm?", asks_about_safety, _has("worried")),
    Step("urgent", "urgent-help", "Get help now", lambda a: a.get("worried") == "yes", _has("urgent_seen")),
    Step("category", "what-is-it-about", "What is it about?", _always, _has("category_id")),
    Step("triage", "is-it-about-a-decision", "Is your complaint about one of these?", is_complaint, _has("triage")),
    Step(
        "route",
        "other-ways-to-resolve-this",
        "There may be a better route for this",
        lambda a: is_complaint(a) and a.get("triage") in SIGNPOSTED,
        _has("route_seen"),
    ),
    Step("details", "what-happened", "Tell us what happened", _always, _has("what_happened")),
    Step("child", "about-the-child", "About the child or young person", _always, _has("child_seen")),
    Step("who", "who-is-giving-this-feedback", "Who is giving this feedback?", _always, _has("speaker")),
    Step("representative", "about-you", "About you", has_representative, _has("representative_name")),
    Step(
        "young_person",
        "the-young-persons-wishes",
        "The young person's wishes",
        about_a_young_person,
        _has("young_person_direct"),
    ),
    Step("reply", "do-you-want-a-reply", "Do you want a reply?", _always, _has("reply")),
    Step("contact", "your-details", "Your contact details", wants_reply, _has("contact_name")),
    Step("adjustments", "support-you-need", "Do you need any support from us?", wants_reply, _has("adjustments_seen")),
    Step("evidence", "evidence", "Upload evidence", _always, _has("evidence_seen")),
]
STEP_BY_NAME = {step.name: step for step in STEPS}
STEP_BY_SLUG = {step.slug: step for step in STEPS}


# Answers that only record that a page was seen. Staff logging a case ask every question on
# one page, so all of them are seen at once.
SEEN_MARKS = ("urgent_seen", "route_seen", "child_seen", "adjustments_seen", "evidence_seen")


def with_every_page_seen(answers: Answers) -> Answers:
    return {**answers, **{mark: True for mark in SEEN_MARKS}}


def applicable_steps(answers: Answers) -> list[Step]:
    return [step for step in STEPS if step.applies(answers)]


def first_incomplete(answers: Answers) -> Step | None:
    """The first question that applies and has no answer yet; None when ready to check."""
    for step in applicable_steps(answers):
        if not step.done(answers):
            return step
    return None


def next_step(answers: Answers, current: Step) -> Step | None:
    """The question after ``current`` for these answers; None means the check page."""
    after = False
    for step in STEPS:
        if step is current:
            after = True
        elif after and step.applies(answers):
            return step
    return None


def previous_step(answers: Answers, current: Step) -> Step | None:
    before = None
    for step in STEPS:
        if step is current:
            return before
        if step.applies(answers):
            before = step
    return None


def may_open(answers: Answers, step: Step) -> bool:
    """A question can be opened once every applicable question before it is answered,
    so nobody lands halfway through with missing answers."""
    if not step.applies(answers):
        return False
    for earlier in STEPS:
        if earlier is step:
            return True
        if earlier.applies(answers) and not earlier.done(answers):
            return False
    return True
