"""What the audit log calls each action, gathered from the packages that record them. Each
package declares its own AUDIT_LABELS; this is the one place they are put together."""

from portal.accounts.services import AUDIT_LABELS as ACCOUNTS
from portal.accounts.single_sign_on_accounts import AUDIT_LABELS as SINGLE_SIGN_ON
from portal.accounts.two_factor import AUDIT_LABELS as TWO_FACTOR
from portal.casework.handover import AUDIT_LABELS as CASEWORK_HANDOVER
from portal.casework.management import AUDIT_LABELS as CASEWORK_MANAGEMENT
from portal.casework.services import AUDIT_LABELS as CASEWORK
from portal.consultations.answering import AUDIT_LABELS as CONSULTATION_ANSWERS
from portal.consultations.authoring import AUDIT_LABELS as CONSULTATION_AUTHORING
from portal.consultations.materials import AUDIT_LABELS as CONSULTATION_MATERIALS
from portal.consultations.moderation import AUDIT_LABELS as CONSULTATION_MODERATION
from portal.consultations.outcome import AUDIT_LABELS as CONSULTATION_OUTCOMES
from portal.consultations.results import AUDIT_LABELS as CONSULTATION_RESULTS
from portal.consultations.take_part import AUDIT_LABELS as TAKE_PART
from portal.core.retention import AUDIT_LABELS as RETENTION_SCHEDULE
from portal.core.settings import AUDIT_LABELS as SETTINGS
from portal.feedback.inbound_mail import AUDIT_LABELS as EMAIL_REPLIES
from portal.feedback.representation import AUDIT_LABELS as REPRESENTATION
from portal.feedback.services import AUDIT_LABELS as FEEDBACK
from portal.feedback.survey import AUDIT_LABELS as SATISFACTION_SURVEY
from portal.improvement.plan import AUDIT_LABELS as IMPROVEMENT_PLAN
from portal.reports.annual import AUDIT_LABELS as ANNUAL_REPORTS
from portal.reports.board_pack import AUDIT_LABELS as BOARD_PACKS
from portal.reports.governance import AUDIT_LABELS as GOVERNANCE_PACKS
from portal.reports.local_offer import AUDIT_LABELS as LOCAL_OFFER_SUMMARIES
from portal.reports.termly import AUDIT_LABELS as TERMLY_UPDATES
from portal.retention.apply import AUDIT_LABELS as RETENTION_RUNS
from portal.rights.requests import AUDIT_LABELS as DATA_REQUESTS
from portal.rights.your_data import AUDIT_LABELS as YOUR_DATA
from portal.themes.services import AUDIT_LABELS as LEARNING_THEMES
from portal.yousaid.entries import AUDIT_LABELS as YOU_SAID_WE_DID

ALL = {
    **ACCOUNTS,
    **TWO_FACTOR,
    **SINGLE_SIGN_ON,
    **FEEDBACK,
    **REPRESENTATION,
    **SATISFACTION_SURVEY,
    **EMAIL_REPLIES,
    **CASEWORK,
    **CASEWORK_MANAGEMENT,
    **CASEWORK_HANDOVER,
    **LEARNING_THEMES,
    **CONSULTATION_AUTHORING,
    **CONSULTATION_ANSWERS,
    **CONSULTATION_MODERATION,
    **CONSULTATION_RESULTS,
    **CONSULTATION_OUTCOMES,
    **CONSULTATION_MATERIALS,
    **TAKE_PART,
    **YOU_SAID_WE_DID,
    **IMPROVEMENT_PLAN,
    **TERMLY_UPDATES,
    **ANNUAL_REPORTS,
    **BOARD_PACKS,
    **GOVERNANCE_PACKS,
    **LOCAL_OFFER_SUMMARIES,
    **SETTINGS,
    **YOUR_DATA,
    **DATA_REQUESTS,
    **RETENTION_SCHEDULE,
    **RETENTION_RUNS,
}
