"""Keeping the improvement plan: areas, actions, milestones and their status, measures and their
values, evidence links; and publishing the whole plan as a new numbered version.

Plain functions: each takes what it needs, records what happened in the audit log (ids only),
and leaves the commit to the caller. Every change here is a draft: the public sees it only once
a manager publishes, which freezes the whole working plan as a PlanVersion.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.consultations.models import Consultation
from portal.core import audit, links
from portal.core.rules import RuleError
from portal.core.terms import Term
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.improvement import measure_sources, published
from portal.improvement.models import (
    HORIZON_LABELS,
    OWNER_LABELS,
    STATUS_LABELS,
    Action,
    Area,
    Measure,
    MeasureValue,
    Milestone,
    MilestoneChange,
    PlanVersion,
)
from portal.themes.models import LearningTheme
from portal.yousaid.entries import consultation_url
from portal.yousaid.models import YouSaidEntry

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "improvement.area_added": "Improvement plan: area of weakness added",
    "improvement.area_changed": "Improvement plan: area of weakness changed",
    "improvement.evidence_changed": "Improvement plan: evidence links changed",
    "improvement.action_added": "Improvement plan: action added",
    "improvement.action_changed": "Improvement plan: action changed",
    "improvement.milestone_added": "Improvement plan: milestone added",
    "improvement.milestone_changed": "Improvement plan: milestone changed",
    "improvement.status_changed": "Improvement plan: milestone status changed",
    "improvement.measure_added": "Improvement plan: measure added",
    "improvement.measure_changed": "Improvement plan: measure changed",
    "improvement.value_added": "Improvement plan: measure value added",
    "improvement.published": "Improvement plan published",
}


class PlanError(RuleError):
    """A change the rules do not allow, in words for the manager; ``field`` names the form field."""


# --- areas and evidence --------------------------------------------------------------------


def add_area(actor: User, *, title: str, finding: str) -> Area:
    area = Area(title=title, finding=finding)
    db.session.add(area)
    db.session.flush()
    audit.record(actor, "improvement.area_added", area)
    return area


def _change(obj, values: dict) -> list[str]:
    changed = sorted(name for name, value in values.items() if getattr(obj, name) != value)
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def update_area(actor: User, area: Area, *, title: str, finding: str) -> bool:
    changed = _change(area, {"title": title, "finding": finding})
    if changed:
        audit.record(actor, "improvement.area_changed", area, fields=changed)
    return bool(changed)


def linkable_you_said() -> list[YouSaidEntry]:
    return list(
        db.session.scalars(
            sa.select(YouSaidEntry).where(YouSaidEntry.published_at.is_not(None)).order_by(YouSaidEntry.title)
        )
    )


def linkable_consultations() -> list[Consultation]:
    return list(
        db.session.scalars(
            sa.select(Consultation).where(Consultation.published_at.is_not(None)).order_by(Consultation.title)
        )
    )


def linkable_themes() -> list[LearningTheme]:
    return list(db.session.scalars(sa.select(LearningTheme).order_by(LearningTheme.name)))


def _chosen(rows: list, ids: list[int], field: str) -> list:
    by_id = {row.id: row for row in rows}
    if any(row_id not in by_id for row_id in ids):
        raise PlanError("Choose only from the list", field)
    return [by_id[row_id] for row_id in dict.fromkeys(ids)]


def set_evidence(
    actor: User, area: Area, *, you_said_ids: list[int], consultation_ids: list[int], theme_ids: list[int]
) -> bool:
    """Link the area to the evidence chosen, in place of what it linked before."""
    chosen = {
        "you_said_entries": _chosen(linkable_you_said(), you_said_ids, "you_said"),
        "consultations": _chosen(linkable_consultations(), consultation_ids, "consultations"),
        "themes": _chosen(linkable_themes(), theme_ids, "themes"),
    }
    changed = sorted(
        name for name, rows in chosen.items() if {row.id for row in getattr(area, name)} != {row.id for row in rows}
    )
    for name in changed:
        setattr(area, name, chosen[name])
    if changed:
        audit.record(actor, "improvement.evidence_changed", area, kinds=changed)
    return bool(changed)


# --- actions and milestones ----------------------------------------------------------------


def _check_owner(owner: str) -> None:
    if owner not in OWNER_LABELS:
        raise PlanError("Select who owns the action", "owner")


def add_action(actor: User, area: Area, *, title: str, owner: str, lead_name: str, lead_role: str) -> Action:
    _check_owner(owner)
    action = Action(title=title, owner=owner, lead_name=lead_name, lead_role=lead_role)
    area.actions.append(action)
    db.session.flush()
    audit.record(actor, "improvement.action_added", action, area_id=area.id)
    return action


def update_action(actor: User, action: Action, **values) -> bool:
    _check_owner(values["owner"])
    changed = _change(action, {name: values[name] for name in ("title", "owner", "lead_name", "lead_role")})
    if changed:
        audit.record(actor, "improvement.action_changed", action, fields=changed)
    return bool(changed)


def add_milestone(actor: User, action: Action, *, title: str, horizon_months: int, target_on: date) -> Milestone:
    if horizon_months not in HORIZON_LABELS:
        raise PlanError("Select when the milestone is due", "horizon_months")
    milestone = Milestone(title=title, horizon_months=horizon_months, target_on=target_on)
    action.milestones.append(milestone)
    db.session.flush()
    audit.record(actor, "improvement.milestone_added", milestone, action_id=action.id)
    return milestone


def update_milestone(actor: User, milestone: Milestone, *, title: str, horizon_months: int, target_on: date) -> bool:
    """Change what a milestone says and when it is due (its status changes only with a reason)."""
    if horizon_months not in HORIZON_LABELS:
        raise PlanError("Select when the milestone is due", "horizon_months")
    changed = _change(milestone, {"title": title, "horizon_months": horizon_months, "target_on": target_on})
    if changed:
        audit.record(actor, "improvement.milestone_changed", milestone, fields=changed)
    return bool(changed)


def change_status(actor: User, milestone: Milestone, status: str, reason: str | None) -> MilestoneChange | None:
    """Move a milestone on, with the reason, dated today and kept in its history. Returns the
    change, or None when the status is the one it already had."""
    if status not in STATUS_LABELS:
        raise PlanError("Select the status of the milestone", "status")
    reason = (reason or "").strip()
    if not reason:
        raise PlanError("Enter why the status is changing", "reason")
    # Two managers saving at once: the second waits, then sees the first one's status.
    db.session.refresh(milestone, with_for_update=True)
    if status == milestone.status:
        return None
    old = milestone.status
    milestone.status = status
    change = MilestoneChange(
        status=status,
        reason=reason,
        changed_on=london_today(),
        changed_at=utcnow(),
        changed_by_id=getattr(actor, "id", None),
    )
    milestone.changes.append(change)
    db.session.flush()
    audit.record(actor, "improvement.status_changed", milestone, old=old, new=status, change_id=change.id)
    return change


# --- measures ------------------------------------------------------------------------------


def add_measure(
    actor: User,
    area: Area,
    *,
    title: str,
    unit: str,
    baseline: float,
    target: float,
    higher_is_better: bool,
    source_key: str | None = None,
) -> Measure:
    if source_key and measure_sources.source(source_key) is None:
        raise PlanError("Select one of the portal's own figures, or none", "source_key")
    measure = Measure(
        title=title,
        unit=unit,
        baseline=baseline,
        target=target,
        higher_is_better=higher_is_better,
        source_key=source_key or None,
    )
    area.measures.append(measure)
    db.session.flush()
    audit.record(actor, "improvement.measure_added", measure, area_id=area.id, source=source_key or None)
    return measure


def update_measure(actor: User, measure: Measure, **values) -> bool:
    """Change what a measure says; where its values come from stays as it was set."""
    names = ("title", "unit", "baseline", "target", "higher_is_better")
    changed = _change(measure, {name: values[name] for name in names})
    if changed:
        audit.record(actor, "improvement.measure_changed", measure, fields=changed)
    return bool(changed)


def add_value(
    actor: User | None,
    measure: Measure,
    *,
    period: str,
    measured_on: date,
    value: float,
    source: str,
    term: str | None = None,
) -> MeasureValue:
    if measured_on > london_today():
        raise PlanError("The date of the value must be today or in the past", "measured_on")
    row = MeasureValue(period=period, measured_on=measured_on, value=value, source=source, term=term)
    measure.values.append(row)
    db.session.flush()
    audit.record(actor, "improvement.value_added", measure, value_id=row.id, term=term)
    return row


def fill_computed_measures(term: Term, actor: User | None = None) -> int:
    """Record this term's value of every measure the portal computes, once per term: a measure
    that has the term's value already, or a source with nothing to count, is left alone.
    Returns how many values were recorded."""
    measures = db.session.scalars(sa.select(Measure).where(Measure.source_key.is_not(None)).order_by(Measure.id))
    done = set(db.session.scalars(sa.select(MeasureValue.measure_id).where(MeasureValue.term == term.slug)).all())
    recorded = 0
    for measure in measures:
        found = measure_sources.source(measure.source_key)
        if measure.id in done or found is None:
            continue
        value = found.compute(term)
        if value is None:
            continue
        add_value(
            actor,
            measure,
            period=term.label,
            measured_on=min(term.ends_on, london_today()),
            value=value,
            source=found.label,
            term=term.slug,
        )
        recorded += 1
    return recorded


# --- the plan as a whole, and publishing it ------------------------------------------------


def areas() -> list[Area]:
    """Every area with all it holds, in a fixed number of queries."""
    return list(
        db.session.scalars(
            sa.select(Area)
            .options(
                selectinload(Area.actions).selectinload(Action.milestones).selectinload(Milestone.changes),
                selectinload(Area.measures).selectinload(Measure.values),
                selectinload(Area.you_said_entries),
                selectinload(Area.consultations),
                selectinload(Area.themes),
            )
            .order_by(Area.id)
        )
    )


def _evidence(area: Area) -> list[published.Evidence]:
    entries = [
        published.Evidence(published.YOU_SAID, entry.title, links.public_url("yousaid.entry", entry_id=entry.id))
        for entry in area.you_said_entries
        if entry.is_published
    ]
    consultations = [
        published.Evidence(
            published.CONSULTATION,
            consultation.title,
            consultation_url(consultation, external=True),
            consultation.we_did if consultation.outcome_published_at else None,
        )
        for consultation in area.consultations
        if consultation.published_at is not None
    ]
    themes = [published.Evidence(published.THEME, theme.name, None) for theme in area.themes]
    return entries + consultations + themes


def _source_label(key: str | None) -> str | None:
    found = measure_sources.source(key)
    return found.label if found else None


def _frozen(area: Area) -> published.Area:
    actions = [
        published.Action(
            action.id,
            action.title,
            action.owner,
            action.lead_name,
            action.lead_role,
            [
                published.Milestone(
                    m.id,
                    m.title,
                    m.horizon_months,
                    m.target_on,
                    m.status,
                    [published.StatusChange(c.status, c.reason, c.changed_on) for c in m.changes],
                )
                for m in action.milestones
            ],
        )
        for action in area.actions
    ]
    measures = [
        published.Measure(
            m.id,
            m.title,
            m.unit,
            m.baseline,
            m.target,
            m.higher_is_better,
            _source_label(m.source_key),
            [published.MeasureValue(v.period, v.measured_on, v.value, v.source) for v in m.values],
        )
        for m in area.measures
    ]
    return published.Area(area.id, area.title, area.finding, actions, measures, _evidence(area))


def working_document() -> dict:
    """The whole working plan, drafts and all, as a version would keep it."""
    return published.to_document([_frozen(area) for area in areas()])


def latest_version() -> PlanVersion | None:
    return db.session.scalar(
        sa.select(PlanVersion).options(sa.orm.undefer(PlanVersion.plan)).order_by(PlanVersion.number.desc()).limit(1)
    )


def has_unpublished_changes() -> bool:
    latest = latest_version()
    return latest is None or latest.plan != working_document()


def publish(actor: User, summary: str) -> PlanVersion:
    """Freeze the working plan as the next numbered version: from now on the public reads it.
    Refused when nothing changed since the last version, or when another manager published
    the same number at the same moment (the database's unique number decides)."""
    summary = (summary or "").strip()
    if not summary:
        raise PlanError("Enter a short summary of what changed", "summary")
    document = working_document()
    latest = latest_version()
    if latest is not None and latest.plan == document:
        raise PlanError(f"Nothing has changed since version {latest.number} was published", "summary")
    version = PlanVersion(
        number=(latest.number if latest else 0) + 1,
        published_at=utcnow(),
        published_by_id=getattr(actor, "id", None),
        summary=summary,
        plan=document,
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError:
        raise PlanError(
            "Another manager published a version at the same moment: check the plan and publish again"
        ) from None
    audit.record(actor, "improvement.published", version, number=version.number)
    return version
