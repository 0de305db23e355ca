"""Every model, imported in one place so that the metadata is complete (for Alembic)."""

from portal.accounts.models import AccountToken, SignedInSession, Team, User  # noqa: F401
from portal.casework.models import (  # noqa: F401
    CaseOutcome,
    CaseworkerSettings,
    DeadlineChange,
    OmbudsmanReferral,
    Remedy,
    ReminderSent,
    ResponseTemplate,
)
from portal.consultations.models import (  # noqa: F401
    Agreement,
    AlertChoice,
    AlertSent,
    Answer,
    Comment,
    Consultation,
    Document,
    Question,
    QuestionOption,
    Response,
)
from portal.consultations.take_part_models import Opportunity, SignUp  # noqa: F401
from portal.core.models import AuditEvent, FiguresChange, FiguresVersion, KeptFigures, Setting  # noqa: F401
from portal.equality.models import EqualityResponse  # noqa: F401
from portal.feedback.models import (  # noqa: F401
    AccessRecord,
    Attachment,
    Case,
    CaseAccessToken,
    CaseMessage,
    Category,
    FeedbackDraft,
    FileBlob,
    ReferenceCounter,
)
from portal.feedback.survey_models import SatisfactionSurvey  # noqa: F401
from portal.improvement.models import (  # noqa: F401
    Action,
    Area,
    Measure,
    MeasureValue,
    Milestone,
    MilestoneChange,
    PlanVersion,
)
from portal.notifications.models import OutboxMessage  # noqa: F401
from portal.reports.models import (  # noqa: F401
    AnnualReportAssessment,
    AnnualReportFinding,
    AnnualReportLocalOffer,
    AnnualReportPack,
    PublishedDocument,
    TermlyUpdate,
)
from portal.retention.models import RetentionRun  # noqa: F401
from portal.themes.models import LearningTheme  # noqa: F401
from portal.yousaid.models import UpdateNotice, YouSaidChange, YouSaidEntry  # noqa: F401
