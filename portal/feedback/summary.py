"""The check-your-answers page: each answer with a link back to the question that asked it."""

from datetime import date

from flask import url_for
from markupsafe import Markup

from portal.core.time import format_day
from portal.feedback import forms, journey


def _row(label: str, value: str | None, step: str, hidden: str | None = None) -> dict:
    step_obj = journey.STEP_BY_NAME[step]
    href = (
        url_for("feedback.evidence", change=1)
        if step == "evidence"
        else url_for("feedback.question", slug=step_obj.slug, change=1)
    )
    return {
        "key": {"text": label},
        "value": {"html": Markup('<span class="twc-preserve-lines">{}</span>').format(value or "Not given")},
        "actions": {"items": [{"href": href, "text": "Change", "visuallyHiddenText": hidden or label.lower()}]},
    }


def check_sections(
    answers: dict, category, attachments, mediation_deadline: date | None
) -> list[tuple[str, list[dict]]]:
    complaint = journey.is_complaint(answers)
    about = [
        _row("What you want to do", journey.KINDS.get(answers.get("kind")), "kind"),
        _row(
            "A child at risk of harm",
            "Yes – we will treat this as urgent" if answers.get("worried") == "yes" else "No",
            "safety",
            "whether a child is at risk of harm",
        ),
        _row("What it is about", category.name if category else None, "category"),
    ]
    if complaint:
        about.append(
            _row(
                "About a decision",
                journey.TRIAGE_CHOICES.get(answers.get("triage")),
                "triage",
                "whether it is about a decision",
            )
        )
        if answers.get("triage") in journey.TRIBUNAL_ROUTES:
            letter = answers.get("decision_letter_date")
            value = format_day(date.fromisoformat(letter)) if letter else None
            if mediation_deadline:
                value += f" (contact a mediation adviser by {format_day(mediation_deadline)})"
            about.append(_row("Decision letter date", value, "route"))
    details = [
        _row("What happened" if complaint else "What you told us", answers.get("what_happened"), "details"),
    ]
    if complaint:
        details.append(_row("What you would like to happen", answers.get("outcome_wanted"), "details"))
        known = answers.get("problem_known_on")
        details.append(
            _row(
                "When you first knew about the problem",
                format_day(date.fromisoformat(known)) if known else None,
                "details",
                "when you first knew about the problem",
            )
        )
    ehc = {"yes": "Yes", "assessing": "Being assessed", "no": "No", "not_sure": "Not sure"}
    child = [
        _row("First name or initials", answers.get("child_name"), "child"),
        _row("School year", answers.get("child_year_group"), "child"),
        _row("School, college or setting", answers.get("child_setting"), "child"),
        _row("EHC plan", ehc.get(answers.get("child_has_ehc_plan")), "child", "whether they have an EHC plan"),
    ]
    you = [
        _row(
            "Reply",
            "Yes" if journey.wants_reply(answers) else "No – anonymous, so we cannot reply",
            "reply",
            "whether you want a reply",
        )
    ]
    if journey.wants_reply(answers):
        chosen = answers.get("adjustments") or []
        support = []
        for value in chosen:
            text = forms.ADJUSTMENTS[value]
            extra = {"interpreter": "interpreter_language", "time": "preferred_time", "other": "other_adjustments"}.get(
                value
            )
            support.append(f"{text}: {answers.get(extra)}" if extra and answers.get(extra) else text)
        you += [
            _row("Name", answers.get("contact_name"), "contact", "your name"),
            _row("Email address", answers.get("contact_email"), "contact", "your email address"),
            _row("Phone number", answers.get("contact_phone"), "contact", "your phone number"),
            _row("Relationship to the child", answers.get("relationship"), "contact", "your relationship to the child"),
            _row(
                "Contact me by",
                forms.CONTACT_METHODS.get(answers.get("preferred_contact")),
                "contact",
                "how to contact you",
            ),
            _row("Support you need", "; ".join(support) or "None", "adjustments", "the support you need"),
        ]
    files = [_row("Files", ", ".join(a.filename for a in attachments) or "None", "evidence", "files")]
    return [
        ("About your feedback", about),
        ("Details", details),
        ("The child or young person", child),
        ("About you", you),
        ("Evidence", files),
    ]
