"""Managers write You Said, We Did entries at /manage/you-said-we-did: drafts, evidence links,
publishing and each later change of the action's status. Thin: parse, call
portal.yousaid.entries, commit, render."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.forms import form_page
from portal.core.rules import show_on_form
from portal.core.terms import parse_term, term_of
from portal.core.time import london_today
from portal.extensions import db
from portal.yousaid import entries
from portal.yousaid import manage_forms as forms
from portal.yousaid.evidence import NONE, evidence_for, evidence_of
from portal.yousaid.models import STATUS_LABELS, YouSaidEntry

bp = Blueprint("yousaid_manage", __name__, url_prefix="/manage/you-said-we-did")

managers_only = role_required(roles.MANAGER)

# How many terms before the current one a manager can write about.
TERMS_BACK = 8


def _entry_or_404(entry_id: int) -> YouSaidEntry:
    return db.get_or_404(YouSaidEntry, entry_id)


def _term_choices(current: str | None) -> list[SelectChoice]:
    term = term_of(london_today()).next()
    terms = []
    for _ in range(TERMS_BACK + 2):
        terms.append(term)
        term = term.previous()
    chosen = parse_term(current)
    if chosen is not None and chosen not in terms:
        terms = sorted([*terms, chosen], reverse=True)
    return [SelectChoice("", "Select a term")] + [SelectChoice(t.slug, t.label) for t in terms]


def _theme_choices(current_id: int | None) -> list[SelectChoice]:
    return [SelectChoice("", "Select a theme")] + [
        SelectChoice(str(theme.id), theme.name) for theme in entries.theme_choices(current_id)
    ]


def _values(form: forms.EntryForm) -> dict:
    return {
        "term": form.term.data,
        "theme_id": int(form.theme.data),
        "title": form.title.data,
        "you_said": form.you_said.data,
        "we_did": form.we_did.data,
        "action_owner": form.action_owner.data,
        "action_starts_on": form.action_starts_on.data,
        "action_due_on": form.action_due_on.data,
        "action_done_on": form.action_done_on.data,
    }


def _validate(form: forms.EntryForm) -> bool:
    """The form's own checks, then that the term and theme are among those offered."""
    valid = form.validate_on_submit()
    for field, message in ((form.term, "Select the term"), (form.theme, "Select the learning theme")):
        offered = {choice.value for choice in field.choices if choice.value}
        if not field.errors and field.data not in offered:
            field.errors = [message]
            valid = False
    return valid


# --- the list --------------------------------------------------------------------------------


@bp.route("")
@managers_only
def index():
    rows = entries.all_entries()
    return render_template(
        "yousaid_manage/index.html",
        groups=entries.group_by_term(rows),
        evidence=evidence_of(rows),
        term_label=entries.term_label,
        drafts=sum(1 for entry in rows if not entry.is_published),
    )


# --- writing ---------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_entry():
    form = forms.EntryForm(
        data={"action_status": "planned", "term": term_of(london_today()).slug} if request.method == "GET" else None
    )
    form.term.choices = _term_choices(form.term.data)
    form.theme.choices = _theme_choices(None)
    if request.method == "POST" and _validate(form):
        try:
            entry = entries.create_entry(current_user, action_status=form.action_status.data, **_values(form))
        except entries.EntryError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            flash("Draft saved. Link the evidence, then publish it when it is ready.", "success")
            return redirect(url_for("yousaid_manage.edit_entry", entry_id=entry.id))
    return render_template("yousaid_manage/edit.html", form=form, entry=None)


@bp.route("/<int:entry_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_entry(entry_id: int):
    entry = _entry_or_404(entry_id)
    data = None
    if request.method == "GET":
        data = {
            "term": entry.term,
            "theme": str(entry.theme_id),
            "title": entry.title,
            "you_said": entry.you_said,
            "we_did": entry.we_did,
            "action_owner": entry.action_owner,
            "action_status": entry.action_status,
            "action_starts_on": entry.action_starts_on,
            "action_due_on": entry.action_due_on,
            "action_done_on": entry.action_done_on,
        }
    form = forms.EntryForm(data=data)
    form.term.choices = _term_choices(entry.term)
    form.theme.choices = _theme_choices(entry.theme_id)
    if entry.is_published:
        del form.action_status
        form.submit.label.text = "Save changes"
    if request.method == "POST" and _validate(form):
        status = form.action_status.data if not entry.is_published else None
        try:
            changed = entries.update_entry(current_user, entry, action_status=status, **_values(form))
        except entries.EntryError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            if changed:
                flash("Changes saved." if entry.is_published else "Draft saved.", "success")
            return redirect(url_for("yousaid_manage.edit_entry", entry_id=entry.id))
    evidence = evidence_for([(entry.theme_id, entry.term)]).get((entry.theme_id, entry.term), NONE)
    return render_template(
        "yousaid_manage/edit.html",
        form=form,
        entry=entry,
        evidence=evidence,
        term_label=entries.term_label,
        linked_cases=entries.linked_case_counts([entry.id]).get(entry.id, 0),
    )


@bp.route("/<int:entry_id>/publish", methods=["POST"])
@managers_only
def publish(entry_id: int):
    entry = _entry_or_404(entry_id)
    try:
        change = entries.publish(current_user, entry)
    except entries.EntryError:
        db.session.rollback()
        flash("This entry was already published.", "info")
        return redirect(url_for("yousaid_manage.edit_entry", entry_id=entry_id))
    told = entries.notify(change)
    db.session.commit()
    flash(_published_message(told), "success")
    return redirect(url_for("yousaid_manage.edit_entry", entry_id=entry.id))


def _published_message(told: int) -> str:
    if not told:
        return "Published. It is now on the public You Said, We Did page."
    families = "1 family" if told == 1 else f"{told} families"
    return f"Published. It is now on the public You Said, We Did page, and {families} who asked will be emailed."


@bp.route("/<int:entry_id>/status", methods=["GET", "POST"])
@form_page
@managers_only
def change_status(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = forms.StatusForm(data={"status": entry.action_status} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            change = entries.change_status(current_user, entry, form.status.data, form.note.data)
        except entries.EntryError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            told = entries.notify(change) if change is not None else 0
            db.session.commit()
            if change is not None or entry.action_status == form.status.data:
                label = STATUS_LABELS[entry.action_status].lower()
                message = f"The action is now {label}."
                if change is not None:
                    message += " The change is in the entry\u2019s public history."
                if told:
                    message += f" {'1 family' if told == 1 else f'{told} families'} who asked will be emailed."
                flash(message, "success")
            return redirect(url_for("yousaid_manage.edit_entry", entry_id=entry.id))
    return render_template("yousaid_manage/status.html", form=form, entry=entry, term_label=entries.term_label)


@bp.route("/<int:entry_id>/evidence", methods=["GET", "POST"])
@form_page
@managers_only
def evidence(entry_id: int):
    entry = _entry_or_404(entry_id)
    consultations = entries.linkable_consultations()
    linked = entries.linked_cases(entry)
    data = None
    if request.method == "GET":
        data = {
            "consultations": [c.id for c in entry.consultations],
            "cases": "\n".join(case.reference for case in linked),
        }
    form = forms.EvidenceForm(data=data)
    form.consultations.choices = [SelectChoice(c.id, c.title) for c in consultations]
    if form.validate_on_submit():
        try:
            changed = entries.set_evidence(
                current_user,
                entry,
                consultation_ids=form.consultations.data or [],
                references=entries.parse_references(form.cases.data),
            )
        except entries.EntryError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            if changed:
                flash("Evidence saved.", "success")
            return redirect(url_for("yousaid_manage.edit_entry", entry_id=entry.id))
    return render_template(
        "yousaid_manage/evidence.html",
        form=form,
        entry=entry,
        consultations=consultations,
        linked=linked,
        term_label=entries.term_label,
    )
