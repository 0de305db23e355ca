"""The family's answers read back to them. Before sending, the check-your-answers page shows
each with a link back to the question that asked it; once sent, the case page, its printable
copy and its PDF show the same answers as the case keeps them. One list serves all four."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template, url_for
from markupsafe import Markup

from portal.core.tagged_pdf import html_to_pdf
from portal.core.time import format_date, format_day
from portal.core.wording import in_sentence
from portal.feedback import forms, journey, services
from portal.feedback.models import SPEAKER_LABELS, YOUNG_PERSON, Attachment, Case

# A case keeps only the route its triage answer led to (journey.ROUTE_OF_TRIAGE), so a sent
# case's answer is read back as that route: the three choices leading to the SEND Tribunal as one.
TRIBUNAL = "tribunal"
TRIAGE_OF_ROUTE = {TRIBUNAL: TRIBUNAL, "health": "health", "school": "school_decision"}
TRIAGE_WORDS = {
    **journey.TRIAGE_CHOICES,
    TRIBUNAL: "A decision about an EHC needs assessment or plan, or the school or setting it names",
}
EHC_PLAN_WORDS = {"yes": "Yes", "assessing": "Being assessed", "no": "No", "not_sure": "Not sure"}
# The support choices whose answer has a detail, and the answer that holds it.
SUPPORT_DETAILS = {"interpreter": "interpreter_language", "time": "preferred_time", "other": "other_adjustments"}


@dataclass(frozen=True)
class Answer:
    """One answer, and the journey's step that asked it."""

    label: str
    value: str | None
    step: str
    hidden: str | None = None  # the question for a screen reader's "Change" link, if not the label

    @property
    def shown(self) -> str:
        return self.value or "Not given"


Sections = list[tuple[str, list[Answer]]]


# --- the answers -----------------------------------------------------------------------------


def answer_sections(answers: dict, category, attachments, mediation_deadline: date | None) -> Sections:
    """Every answer that applies, in sections, from the journey's answers dictionary."""
    return [
        ("About your feedback", _about(answers, category, mediation_deadline)),
        ("Details", _details(answers)),
        ("The child or young person", _child(answers)),
        ("Who is giving this feedback", _who(answers)),
        ("About you", _you(answers)),
        ("Evidence", [Answer("Files", ", ".join(a.filename for a in attachments) or "None", "evidence", "files")]),
    ]


def _about(answers: dict, category, mediation_deadline: date | None) -> list[Answer]:
    about = [Answer("What you want to do", journey.KINDS.get(answers.get("kind")), "kind")]
    if journey.asks_about_safety(answers):
        about.append(
            Answer(
                "A child at risk of harm",
                "Yes – we will treat this as urgent" if answers.get("worried") == "yes" else "No",
                "safety",
                "whether a child is at risk of harm",
            )
        )
    about.append(Answer("What it is about", category.name if category else None, "category"))
    if journey.is_complaint(answers):
        triage = answers.get("triage")
        about.append(Answer("About a decision", TRIAGE_WORDS.get(triage), "triage", "whether it is about a decision"))
        if triage in journey.TRIBUNAL_ROUTES or triage == TRIBUNAL:
            letter = answers.get("decision_letter_date")
            value = format_day(date.fromisoformat(letter)) if letter else None
            if mediation_deadline:
                value += f" (contact a mediation adviser by {format_day(mediation_deadline)})"
            about.append(Answer("Decision letter date", value, "route"))
    return about


def _details(answers: dict) -> list[Answer]:
    complaint = journey.is_complaint(answers)
    details = [Answer("What happened" if complaint else "What you told us", answers.get("what_happened"), "details")]
    if complaint:
        known = answers.get("problem_known_on")
        details += [
            Answer("What you would like to happen", answers.get("outcome_wanted"), "details"),
            Answer(
                "When you first knew about the problem",
                format_day(date.fromisoformat(known)) if known else None,
                "details",
                "when you first knew about the problem",
            ),
        ]
    return details


def _child(answers: dict) -> list[Answer]:
    return [
        Answer("First name or initials", answers.get("child_name"), "child"),
        Answer("School year", answers.get("child_year_group"), "child"),
        Answer("School, college or setting", answers.get("child_setting"), "child"),
        Answer(
            "EHC plan", EHC_PLAN_WORDS.get(answers.get("child_has_ehc_plan")), "child", "whether they have an EHC plan"
        ),
    ]


def _yes_no(value: str | None) -> str | None:
    return {"yes": "Yes", "no": "No"}.get(value)


def _who(answers: dict) -> list[Answer]:
    speaker = answers.get("speaker")
    who = [Answer("Who is giving it", SPEAKER_LABELS.get(speaker), "who", "who is giving this feedback")]
    if speaker != YOUNG_PERSON:
        who.append(
            Answer(
                "Aged 16 to 25",
                _yes_no(answers.get("young_person_age")),
                "who",
                "whether the child or young person is aged 16 to 25",
            )
        )
    if journey.has_representative(answers):
        consent = answers.get("consent_label") or forms.CONSENT_CHOICES.get(answers.get("consent"))
        who += [
            Answer("Representative's name", answers.get("representative_name"), "representative"),
            Answer("Organisation", answers.get("representative_organisation"), "representative", "your organisation"),
            Answer("Representative's email", answers.get("representative_email"), "representative"),
            Answer("The family's consent", consent, "representative", "the family's consent"),
        ]
    if journey.about_a_young_person(answers):
        direct = answers.get("young_person_direct")
        shown = f"Yes, at {answers.get('young_person_email')}" if direct == "yes" else _yes_no(direct)
        who += [
            Answer(
                "Contact the young person directly",
                shown,
                "young_person",
                "whether to contact the young person directly",
            ),
            Answer(
                "Their parent or carer acts for them",
                _yes_no(answers.get("young_person_parent_acts")),
                "young_person",
                "whether the young person agrees that their parent or carer acts for them",
            ),
        ]
    return who


def _you(answers: dict) -> list[Answer]:
    reply = journey.wants_reply(answers)
    you = [
        Answer(
            "Reply",
            "Yes" if reply else "No – anonymous, so we cannot reply",
            "reply",
            "whether you want a reply",
        )
    ]
    if not reply:
        return you
    return you + [
        Answer("Name", answers.get("contact_name"), "contact", "your name"),
        Answer("Email address", answers.get("contact_email"), "contact", "your email address"),
        Answer("Phone number", answers.get("contact_phone"), "contact", "your phone number"),
        Answer("Postal address", answers.get("contact_address"), "contact", "your postal address"),
        Answer("Relationship to the child", answers.get("relationship"), "contact", "your relationship to the child"),
        Answer(
            "Contact me by",
            forms.CONTACT_METHODS.get(answers.get("preferred_contact")),
            "contact",
            "how to contact you",
        ),
        Answer("Support you need", "; ".join(_support(answers)) or "None", "adjustments", "the support you need"),
    ]


def _support(answers: dict) -> list[str]:
    support = []
    for choice in answers.get("adjustments") or []:
        detail = answers.get(SUPPORT_DETAILS.get(choice, ""))
        support.append(f"{forms.ADJUSTMENTS[choice]}: {detail}" if detail else forms.ADJUSTMENTS[choice])
    return support


def answers_of(case: Case) -> dict:
    """A sent case as the journey's answers: what the family gave, and nothing staff added
    since but the support they asked for (as recorded for them)."""
    answers = {
        "kind": case.kind,
        "worried": "yes" if case.urgent else "no",
        "what_happened": case.what_happened,
        "outcome_wanted": case.outcome_wanted,
        "problem_known_on": case.problem_known_on.isoformat() if case.problem_known_on else None,
        "child_name": case.child_name,
        "child_year_group": case.child_year_group,
        "child_setting": case.child_setting,
        "child_has_ehc_plan": case.child_has_ehc_plan,
        "reply": "no" if case.anonymous else "yes",
        "contact_name": case.contact_name,
        "contact_email": case.contact_email,
        "contact_phone": case.contact_phone,
        "contact_address": case.contact_address,
        "relationship": case.relationship_to_child,
        "preferred_contact": case.preferred_contact,
        **_who_answers(case),
    }
    if case.is_complaint:
        answers["triage"] = TRIAGE_OF_ROUTE.get(case.triage_route, "none")
        if case.decision_letter_date:
            answers["decision_letter_date"] = case.decision_letter_date.isoformat()
    answers.update(_support_answers(case))
    return answers


def _yes_or_no(value: bool | None) -> str | None:
    return None if value is None else "yes" if value else "no"


def _who_answers(case: Case) -> dict:
    """Who spoke, for whom and with what consent, as the journey's answers."""
    about_young_person = case.young_person and case.speaker != YOUNG_PERSON
    return {
        "speaker": case.speaker,
        "young_person_age": "yes" if case.young_person else "no",
        "representative_name": case.representative_name,
        "representative_organisation": case.representative_organisation,
        "representative_email": case.representative_email,
        "consent_label": case.consent_label,
        "young_person_direct": _yes_or_no(case.young_person_contact_directly) if about_young_person else None,
        "young_person_email": case.young_person_email,
        "young_person_parent_acts": _yes_or_no(case.young_person_parent_acts) if about_young_person else None,
    }


def _support_answers(case: Case) -> dict:
    """The support on the case as the journey's choices, each with its detail."""
    choice_of = {kind: choice for choice, (kind, _detail) in services.ADJUSTMENT_ANSWERS.items()}
    chosen, details = [], {}
    for adjustment in case.adjustments:
        choice = choice_of.get(adjustment.kind)
        if choice is None:
            continue
        if choice not in chosen:
            chosen.append(choice)
        if adjustment.detail and choice in SUPPORT_DETAILS:
            details.setdefault(SUPPORT_DETAILS[choice], []).append(adjustment.detail)
    return {"adjustments": chosen, **{key: "; ".join(values) for key, values in details.items()}}


def sent_files(case: Case) -> list[Attachment]:
    """The files sent with the feedback itself (later ones belong to a message)."""
    return [a for a in case.attachments if a.message_id is None and a.from_family]


def case_sections(case: Case) -> Sections:
    return answer_sections(
        answers_of(case),
        case.category,
        sent_files(case),
        services.mediation_deadline(case.decision_letter_date),
    )


# --- as summary lists ------------------------------------------------------------------------


def _row(answer: Answer, value: Markup | None = None) -> dict:
    shown = value or Markup('<span class="twc-preserve-lines">{}</span>').format(answer.shown)
    return {"key": {"text": answer.label}, "value": {"html": shown}}


def _change_link(answer: Answer) -> dict:
    if answer.step == "evidence":
        href = url_for("feedback.evidence", change=1)
    else:
        href = url_for("feedback.question", slug=journey.STEP_BY_NAME[answer.step].slug, change=1)
    return {"href": href, "text": "Change", "visuallyHiddenText": answer.hidden or answer.label.lower()}


def check_sections(answers: dict, category, attachments, mediation_deadline: date | None) -> list[tuple[str, list]]:
    """The check-your-answers page's summary lists: each answer with a link to change it."""
    sections = []
    for heading, answers_in_section in answer_sections(answers, category, attachments, mediation_deadline):
        rows = [{**_row(answer), "actions": {"items": [_change_link(answer)]}} for answer in answers_in_section]
        sections.append((heading, rows))
    return sections


def told_us_sections(case: Case, file_url: Callable[[Attachment], str] | None = None) -> list[tuple[str, list]]:
    """A sent case's summary lists, read only. With ``file_url``, each file sent is a link to it."""
    files = sent_files(case)
    sections = []
    for heading, answers_in_section in case_sections(case):
        rows = []
        for answer in answers_in_section:
            links = _file_links(files, file_url) if answer.step == "evidence" and files and file_url else None
            rows.append(_row(answer, links))
        sections.append((heading, rows))
    return sections


def _file_links(files: list[Attachment], file_url: Callable[[Attachment], str]) -> Markup:
    link = Markup('<li><a class="govuk-link twc-break-words" href="{}">{}</a></li>')
    items = Markup("").join(link.format(file_url(attachment), attachment.filename) for attachment in files)
    return Markup('<ul class="govuk-list govuk-!-margin-bottom-0">{}</ul>').format(items)


# --- as a PDF --------------------------------------------------------------------------------


def told_us_pdf(case: Case) -> bytes:
    """The printable copy as a tagged A4 PDF: the same answers, under the same headings."""
    content = render_template("feedback_tracking/_told_us.html", told_us=told_us_sections(case), section_heading="h2")
    html = render_template(
        "feedback_tracking/what_you_told_us_print.html",
        case=case,
        opening=told_us_opening(case),
        content=Markup(content),
    )
    return html_to_pdf(html, base_url=current_app.config["PUBLIC_URL"].rstrip("/") + "/")


def told_us_opening(case: Case) -> str:
    """The sentence the printable copy and its PDF open with."""
    about = f" about {in_sentence(case.category.name)}" if case.category else ""
    return f"Your {case.kind}{about}, reference {case.reference}, sent on {format_date(case.received_at)}."


def told_us_filename(case: Case) -> str:
    return f"what-you-told-us-{case.reference}.pdf"
