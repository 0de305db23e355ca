"""What staff add to a consultation at /manage/consultations/<id>: documents to read before
answering, and answers given on paper, by phone or in person. Managers only; thin views over
portal.consultations.materials."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.consultations import materials
from portal.consultations import materials_forms as forms
from portal.consultations import models as m
from portal.consultations.answering import Incomplete, missing_answers
from portal.core.files import FileRefused, check_document, describe_size
from portal.core.forms import form_page
from portal.core.rules import RuleError, show_on_form
from portal.core.time import london_today
from portal.extensions import db

bp = Blueprint("consultations_materials", __name__, url_prefix="/manage/consultations")

managers_only = role_required(roles.MANAGER)


def _consultation_or_404(consultation_id: int, *, lock: bool = False) -> m.Consultation:
    query = (
        db.select(m.Consultation)
        .where(m.Consultation.id == consultation_id)
        .options(selectinload(m.Consultation.questions).selectinload(m.Question.options))
    )
    if lock:
        query = query.with_for_update(of=m.Consultation)
    consultation = db.session.scalar(query)
    if consultation is None:
        abort(404)
    return consultation


# --- documents -------------------------------------------------------------------------------


@bp.route("/<int:consultation_id>/documents", methods=["GET", "POST"])
@form_page
@managers_only
def documents(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    form = forms.DocumentForm()
    if form.validate_on_submit():
        try:
            checked = check_document(request.files.get(form.file.name))
        except FileRefused as refused:
            form.file.errors = [*form.file.errors, str(refused)]
        else:
            if checked is None:
                form.file.errors = [*form.file.errors, "Select a file to upload"]
            else:
                materials.add_document(
                    current_user, consultation, form.title.data, form.easy_read.data == forms.YES, checked
                )
                db.session.commit()
                flash(f"\u201c{form.title.data}\u201d added. People see it before the questions.", "success")
                return redirect(url_for(".documents", consultation_id=consultation.id))
    return render_template(
        "consultations_materials/documents.html",
        consultation=consultation,
        documents=materials.documents_of(consultation),
        form=form,
        describe_size=describe_size,
    )


@bp.route("/<int:consultation_id>/documents/<int:document_id>/remove", methods=["POST"])
@managers_only
def remove_document(consultation_id: int, document_id: int):
    consultation = _consultation_or_404(consultation_id)
    document = materials.document_of(consultation, document_id)
    if document is None:
        abort(404)
    if forms.RemoveForm().validate_on_submit():
        title = document.title
        materials.remove_document(current_user, document)
        db.session.commit()
        flash(f"\u201c{title}\u201d removed.", "success")
    return redirect(url_for(".documents", consultation_id=consultation.id))


# --- answers given offline ---------------------------------------------------------------------


@bp.route("/<int:consultation_id>/offline-answers", methods=["GET", "POST"])
@form_page
@managers_only
def offline_answers(consultation_id: int):
    consultation = _consultation_or_404(consultation_id, lock=request.method == "POST")
    today = london_today()
    if consultation.published_at is None:
        abort(404)
    form = forms.offline_form(consultation.questions)
    taking = materials.takes_offline_answers(consultation, today)
    if taking and form.validate_on_submit():
        try:
            materials.enter_offline_answers(
                current_user,
                consultation,
                form.answers(),
                channel=form.channel.data,
                participant=form.participant.data,
                age_band=form.age_band.data or None,
                today=today,
            )
            db.session.commit()
        except Incomplete as incomplete:
            db.session.rollback()
            form.show_missing(incomplete.missing, visibility_missing=False)
        except RuleError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            flash(
                "The answers have been saved and counted. Enter the next person\u2019s, or go back to the results.",
                "success",
            )
            return redirect(url_for(".offline_answers", consultation_id=consultation.id))
    elif taking and form.is_submitted():
        # Every problem at once: the required questions left empty as well as the fields.
        form.show_missing(missing_answers(consultation, form.answers()), visibility_missing=False)
    return render_template(
        "consultations_materials/offline_answers.html",
        consultation=consultation,
        form=form,
        taking=taking,
        not_taking=materials.NOT_TAKING_OFFLINE,
        results_path=f"/manage/consultations/{consultation.id}/results",
    )
