"""The only code that writes assessments, answers, comments and workflow steps.

Every function takes the acting :class:`~zi_assess.audit.Actor`, checks permission itself,
records what it changed in the audit trail and flushes; the caller (a view or a CLI command)
owns the transaction and commits. Nothing typed is lost: a stale save raises
:class:`StaleAnswer` with both versions instead of overwriting, and an illegal step raises
:class:`WorkflowRefused` having changed nothing.

Split by concern — :mod:`.lookup` (finding an assessment, marking it changed), :mod:`.answers`
(saving answers), :mod:`.workflow` (opening, review comments, workflow steps) — and imported
from here as one module, ``from zi_assess.assessments import operations as ops``. The answer and
workflow functions load on first use (a module ``__getattr__``): a process that only reads an
assessment, as ``zi-assess report`` does, never imports them nor declares the models only they
use (issue #15: ~8 ms of a report process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zi_assess.assessments.loading import AssessmentBundle, load_bundle
from zi_assess.assessments.operations.lookup import (
    NotFound,
    bump_revision,
    get_area_assessment,
    get_assessment,
    get_bundle,
    page_area,
)

if TYPE_CHECKING:
    from zi_assess.assessments.operations.answers import (
        REASON_MAX,
        AnswerInput,
        ConflictItem,
        ReasonRequired,
        StaleAnswer,
        answer_fingerprint,
        layer_was_submitted,
        prefill_layer,
        save_answer,
        save_answers,
    )
    from zi_assess.assessments.operations.workflow import (
        LAYER_LOCKED,
        StepResult,
        WorkflowRefused,
        add_comment,
        create_assessment,
        open_fix_requests,
        prerequisite_result,
        prerequisite_results,
        prerequisite_values,
        prerequisites_met,
        transition,
        within_deadline,
        within_quota,
    )

#: the names loaded on first use, by the module that defines them
_LAZY: dict[str, str] = {
    **dict.fromkeys(("REASON_MAX", "AnswerInput", "ConflictItem", "ReasonRequired", "StaleAnswer",
                     "answer_fingerprint", "layer_was_submitted", "prefill_layer", "save_answer", "save_answers"),
                    "answers"),
    **dict.fromkeys(("LAYER_LOCKED", "StepResult", "WorkflowRefused", "add_comment", "create_assessment",
                     "open_fix_requests", "prerequisite_result", "prerequisite_results", "prerequisite_values",
                     "prerequisites_met", "transition", "within_deadline", "within_quota"), "workflow"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "LAYER_LOCKED", "REASON_MAX", "AnswerInput", "AssessmentBundle", "ConflictItem", "NotFound", "ReasonRequired",
    "StaleAnswer", "StepResult", "WorkflowRefused", "add_comment", "answer_fingerprint", "bump_revision",
    "create_assessment", "get_area_assessment", "get_assessment", "get_bundle", "layer_was_submitted", "load_bundle",
    "open_fix_requests", "page_area", "prefill_layer", "prerequisite_result", "prerequisite_results",
    "prerequisite_values", "prerequisites_met", "save_answer", "save_answers", "transition", "within_deadline",
    "within_quota",
]
