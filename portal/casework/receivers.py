"""The staff side's answers to what families do (see portal.feedback.signals), and to an
account being disabled (portal.accounts.signals); and which of its tables the kept report figures
are counted from."""

from portal.accounts import signals as account_signals
from portal.casework import clocks, figure_changes, handover, remedy_due, routing
from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, Remedy, outcome_theme
from portal.core import kept_figures
from portal.core.time import LONDON, london_today
from portal.feedback import signals
from portal.feedback.models import Case, Category
from portal.themes.models import LearningTheme


def on_case_submitted(case, actor=None, **_):
    received = case.received_at.astimezone(LONDON).date()
    if case.is_complaint:
        clocks.start_stage(case, received, actor)
    else:
        clocks.start_target(case, received)
    routing.route(case, actor)


def on_case_escalated(case, actor=None, received=None, **_):
    # Each later stage goes to someone who handled none of the stages before.
    previous = case.caseworker_id
    case.stage1_caseworker_id = case.stage1_caseworker_id or previous
    clocks.start_stage(case, received or london_today(), actor)
    case.caseworker = None
    routing.route(case, actor, also_exclude={previous} if previous else set())


def on_user_disabled(user, actor=None, **_):
    handover.hand_over_open_cases(user, actor)


def open_cases_held(user, **_) -> list[str]:
    return [handover.describe(case) for case in handover.open_cases_of(user)]


def connect() -> None:
    signals.case_submitted.connect(on_case_submitted)
    signals.case_escalated.connect(on_case_escalated)
    account_signals.user_disabled.connect(on_user_disabled)
    account_signals.holdings.connect(open_cases_held)
    # What the reports count: a change to any of these puts kept figures out of date, those
    # of the periods from the change's earliest date on. Names are shown in every period; an
    # outcome's themes change through the outcome, or by statements that may touch any period.
    remedy_due.watch()
    kept_figures.watch(Category.__table__, LearningTheme.__table__, outcome_theme)
    kept_figures.watch(Case.__table__, since=figure_changes.of_case)
    kept_figures.watch(
        CaseOutcome.__table__,
        Remedy.__table__,
        DeadlineChange.__table__,
        OmbudsmanReferral.__table__,
        since=figure_changes.of_case_row,
    )
