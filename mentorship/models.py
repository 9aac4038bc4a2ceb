"""Import every model so that the metadata (and Alembic) sees all tables."""

from . import outbox  # noqa: F401
from .accounts.models import LanguageSkill, User, UserRole  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .awards.models import (  # noqa: F401
    AwardCategory,
    AwardCycle,
    Decline,
    Juror,
    Nomination,
    PublicConsent,
    Shortlisted,
    Vote,
)
from .checkins import models as checkins_models  # noqa: F401
from .hours.models import HourEntry  # noqa: F401
from .mail import SentEmail  # noqa: F401
from .matching.models import BuddyRequest, Match, MatchFlag  # noqa: F401
from .messaging import models as messaging_models  # noqa: F401
from .people import models as people_models  # noqa: F401
from .privacy.models import Consent, ErasureRequest, PrivacyNotice  # noqa: F401
from .programme.models import Neighbourhood, ProgrammeSettings  # noqa: F401
from .recognition.models import Partner, PartnerStaff, Pass, Perk  # noqa: F401
from .reports.models import MilestoneReached, PublishedReport, SentReminder  # noqa: F401
from .training.models import (  # noqa: F401
    CalendarFeed,
    Certificate,
    Enrollment,
    ModuleCompletion,
    ModuleRole,
    QuizAttempt,
    TrainingModule,
    TrainingSession,
)
from .volunteering.models import Application, Commitment, VolunteerRole  # noqa: F401
