"""The cells of the staff's lists of cases, drawn in Python: a caseworker's queue shows 25
cases on every page they open, and a Jinja macro per cell cost more than the rest of the page."""

from datetime import date

from flask import current_app, url_for
from markupsafe import Markup

from portal.casework import clocks, services
from portal.core.components import component
from portal.core.time import format_day
from portal.feedback.models import STATUS_LABELS, Case

TAG_MACROS = "govuk_frontend_jinja/components/tag/macro.html"
STATE_TAGS = {"overdue": ("Overdue", "govuk-tag--red"), "due_soon": ("Due soon", "govuk-tag--yellow")}


def tag(text: str, classes: str) -> Markup:
    """A GOV.UK tag, rendered by its macro once for each text and colour."""
    macro = current_app.jinja_env.get_template(TAG_MACROS).module.govukTag
    return component(macro, {"text": text, "classes": classes})


def deadline_cell(case: Case, today: date) -> Markup:
    """The next deadline in words, with a tag that says its state (never colour alone)."""
    deadline = clocks.next_deadline(case)
    if deadline is None:
        return Markup('<span class="govuk-body-s">No deadline</span>')
    clock, due = deadline
    state = STATE_TAGS.get(clocks.state(due, today))
    shown = tag(*state) + Markup(" ") if state else Markup("")
    verb = "Acknowledge" if clock == clocks.ACKNOWLEDGE else "Respond"
    return shown + Markup('<span class="govuk-body-s">{} by {}</span>').format(verb, format_day(due))


def workspace_rows(cases: list[Case], today: date) -> list[list[dict]]:
    """One row of cells for each case in a caseworker's queue."""
    rows = []
    for case in cases:
        link = Markup('<a class="govuk-link" href="{}">{}</a>').format(
            url_for("casework.case", reference=case.reference), case.reference
        )
        if case.urgent:
            link += Markup(" ") + tag("Urgent", "govuk-tag--red")
        if services.late_decision_needed(case):
            link += Markup(" ") + tag("Made late: decide", "govuk-tag--orange")
        family = (case.contact_name or "Anonymous") + (f" – {case.child_name}" if case.child_name else "")
        about = case.kind.capitalize() + (f", {case.category.name}" if case.category else "")
        about += f", stage {case.stage}" if case.stage else ""
        rows.append(
            [
                {"html": link},
                {"text": family, "classes": "twc-break-anywhere"},
                {"text": about},
                {"text": STATUS_LABELS.get(case.status, case.status)},
                {"html": deadline_cell(case, today)},
                {"text": case.caseworker.name if case.caseworker else "Unassigned"},
            ]
        )
    return rows
