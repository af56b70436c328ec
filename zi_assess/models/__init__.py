"""SQLAlchemy models, one module per aggregate.

``from zi_assess.models import Assessment`` imports the module that declares it (and the modules
it depends on) when first asked for: a ``zi-assess report`` process declares only the models it
uses (declaring and configuring a model costs ~2 ms of start-up each; the report path leaves out
about a third of them). :func:`load_all` registers every model with the metadata: the web app,
migrations and ``create_all`` call it (``zi_assess.app``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: the modules of the package, with the names each one gives the package
MODULES: dict[str, tuple[str, ...]] = {
    "action_plans": ("ActionActivity", "ActionPlan", "ActionPlanItem"),
    "appeals": ("Appeal", "AppealItem"),
    "assessments": ("Answer", "AreaRevision", "Assessment", "CurrentScore", "ReviewComment", "ScoreSnapshot",
                    "StatusChange"),
    "audit": ("AuditEvent",),
    "cache": ("DataRevision",),
    "evidence": ("Evidence", "EvidenceBlob", "EvidenceLink"),
    "interop": ("ApiKey",),
    "notifications": ("Notification", "NotificationPreference", "QueueSeen", "SentReminder"),
    "org": ("Instansi", "InstansiKind", "Predicate", "Unit", "UnitType"),
    "predicates": ("PredicateRecord",),
    "records": ("Deadline", "DraftAccess", "PrerequisiteRecord", "ProposalQuota"),
    "reports": ("ExportItem", "ExportJob", "RenderJob", "StoredReport"),
    "tokens": ("AccountToken", "RecoveryCode"),
    "users": ("ReviewAssignment", "Role", "RoleAssignment", "User"),
}
_WHERE = {name: module for module, names in MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Import every model module: each model is then registered with the metadata and the mappers."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")


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
