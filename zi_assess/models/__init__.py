"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from zi_assess.models.action_plans import ActionActivity, ActionPlan, ActionPlanItem
from zi_assess.models.appeals import Appeal, AppealItem
from zi_assess.models.assessments import (
    Answer,
    AreaRevision,
    Assessment,
    CurrentScore,
    ReviewComment,
    ScoreSnapshot,
    StatusChange,
)
from zi_assess.models.audit import AuditEvent
from zi_assess.models.cache import DataRevision
from zi_assess.models.evidence import Evidence, EvidenceBlob, EvidenceLink
from zi_assess.models.interop import ApiKey
from zi_assess.models.notifications import Notification, NotificationPreference, QueueSeen, SentReminder
from zi_assess.models.org import Instansi, InstansiKind, Predicate, Unit, UnitType
from zi_assess.models.predicates import PredicateRecord
from zi_assess.models.records import Deadline, DraftAccess, PrerequisiteRecord, ProposalQuota
from zi_assess.models.reports import ExportItem, ExportJob, RenderJob, StoredReport
from zi_assess.models.tokens import AccountToken, RecoveryCode
from zi_assess.models.users import ReviewAssignment, Role, RoleAssignment, User

__all__ = [
    "Answer", "AreaRevision", "Assessment", "AuditEvent", "CurrentScore", "Deadline", "DraftAccess", "Evidence",
    "EvidenceBlob",
    "EvidenceLink",
    "Instansi", "InstansiKind", "Predicate", "PrerequisiteRecord", "ReviewComment", "Role", "RoleAssignment",
    "ScoreSnapshot", "StatusChange", "Unit", "UnitType", "User",
    "ExportItem", "ExportJob", "RenderJob", "StoredReport", "ProposalQuota",
    "ApiKey", "AccountToken", "RecoveryCode", "Notification", "NotificationPreference", "SentReminder", "QueueSeen",
    "ActionActivity", "ActionPlan", "ActionPlanItem", "Appeal", "AppealItem", "PredicateRecord", "ReviewAssignment",
    "DataRevision",
]
