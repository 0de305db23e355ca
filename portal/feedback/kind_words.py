"""The words each kind of feedback is asked in: a question is asked for its question, a
compliment who it is for. One place, so that the family's form, the staff form and the pages
around them say the same."""

from typing import NamedTuple

from portal.feedback.models import COMPLAINT, COMPLIMENT, QUESTION, SUGGESTION


class KindWords(NamedTuple):
    details_label: str  # the main question of the details page
    details_hint: str
    details_missing: str  # the error when it is left empty
    evidence_heading: str
    evidence_hint: str


WORDS = {
    COMPLAINT: KindWords(
        "What happened?",
        "Include dates, names of services and anything you have already tried. "
        "Do not include medical records here: you can upload documents later.",
        "Enter what happened",
        "Upload evidence (optional)",
        "For example, letters, emails, reports or photos that help explain what happened.",
    ),
    QUESTION: KindWords(
        "What is your question?",
        "Include anything that helps us answer it, such as the service or the school it is about. "
        "Do not include medical records here.",
        "Enter your question",
        "Add documents (optional)",
        "For example, a letter or an email your question is about.",
    ),
    SUGGESTION: KindWords(
        "What is your suggestion?",
        "Tell us what could be better, and how. Do not include medical records here.",
        "Enter your suggestion",
        "Add documents (optional)",
        "For example, an example from somewhere else that works well.",
    ),
    COMPLIMENT: KindWords(
        "Who would you like to thank, and what for?",
        "Tell us the name of the person or team if you know it. We will pass your compliment on to them.",
        "Enter your compliment",
        "Add a file (optional)",
        "For example, a photo of a card or a letter you would like us to pass on.",
    ),
}


def words_for(kind: str | None) -> KindWords:
    """The words for ``kind``; a complaint's until the kind is chosen."""
    return WORDS.get(kind or COMPLAINT, WORDS[COMPLAINT])
