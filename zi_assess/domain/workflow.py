"""The evaluation workflow as one pure state machine.

``draft`` (mandiri) → ``submitted`` → ``tpi_review`` ⇄ ``returned`` → ``tpi_done`` → ``proposed``
→ ``tpn_desk`` → ``tpn_field`` → ``decided``. A returned LKE goes back to ``tpi_review`` when the
unit resubmits it.

Each transition says who may take it, what must hold first, which answer layer it locks and
which layer's score it snapshots. :func:`check_transition` decides from plain facts; the
operations layer gathers the facts, applies the effects and records them. Nothing here touches
the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    TPI_REVIEW = "tpi_review"
    RETURNED = "returned"
    TPI_DONE = "tpi_done"
    PROPOSED = "proposed"
    TPN_DESK = "tpn_desk"
    TPN_FIELD = "tpn_field"
    DECIDED = "decided"


class Layer(StrEnum):
    """Answer layers in order (decision D9); the latest layer that answered wins."""

    MANDIRI = "mandiri"
    TPI = "tpi"
    TPN_DESK = "tpn_desk"
    TPN_LAPANGAN = "tpn_lapangan"


LAYERS: tuple[Layer, ...] = tuple(Layer)

#: the one layer that can be edited in each status (absent: nothing is editable)
EDITABLE_LAYER: dict[Status, Layer] = {
    Status.DRAFT: Layer.MANDIRI,
    Status.RETURNED: Layer.MANDIRI,
    Status.TPI_REVIEW: Layer.TPI,
    Status.TPN_DESK: Layer.TPN_DESK,
    Status.TPN_FIELD: Layer.TPN_LAPANGAN,
}

#: roles that write each layer
LAYER_ROLES: dict[Layer, frozenset[str]] = {
    Layer.MANDIRI: frozenset({"unit_operator", "unit_head"}),
    Layer.TPI: frozenset({"tpi_evaluator", "tpi_lead"}),
    Layer.TPN_DESK: frozenset({"tpn_evaluator"}),
    Layer.TPN_LAPANGAN: frozenset({"tpn_evaluator"}),
}

#: statuses from which the national team (TPN) can see an assessment
PROPOSED_OR_LATER: frozenset[Status] = frozenset(
    {Status.PROPOSED, Status.TPN_DESK, Status.TPN_FIELD, Status.DECIDED}
)


def previous_layer(layer: Layer) -> Layer | None:
    """The layer before ``layer`` (None for mandiri)."""
    index = LAYERS.index(layer)
    return LAYERS[index - 1] if index else None


def is_editable(status: Status, layer: Layer) -> bool:
    """Only the layer of the current step can change; every other layer is locked or not open yet."""
    return EDITABLE_LAYER.get(status) == layer


@dataclass(frozen=True)
class Transition:
    """One step of the workflow."""

    name: str
    sources: frozenset[Status]
    target: Status
    roles: frozenset[str]
    #: the layer whose answers must be complete (D7) before the step, if any
    needs_complete: Layer | None = None
    #: the effective LKE (every layer merged) must be complete
    needs_effective_complete: bool = False
    #: the layer locked by this step; its score is snapshotted with the criteria version
    locks: Layer | None = None
    #: the yearly deadline window that applies ("submit", "propose"), if any
    deadline: str | None = None
    #: other facts that must be true: "fix_requests", "tpi_eligible", "prerequisites", "quota"
    requires: frozenset[str] = field(default_factory=frozenset)
    #: the layer that opens for editing (pre-fill offered from the previous layer)
    opens: Layer | None = None


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", frozenset({Status.DRAFT}), Status.SUBMITTED,
                   frozenset({"unit_head"}), needs_complete=Layer.MANDIRI, locks=Layer.MANDIRI, deadline="submit"),
        Transition("resubmit", frozenset({Status.RETURNED}), Status.TPI_REVIEW,
                   frozenset({"unit_head"}), needs_complete=Layer.MANDIRI, locks=Layer.MANDIRI),
        Transition("start_tpi_review", frozenset({Status.SUBMITTED}), Status.TPI_REVIEW,
                   frozenset({"tpi_evaluator", "tpi_lead"}), opens=Layer.TPI),
        Transition("return_to_unit", frozenset({Status.TPI_REVIEW}), Status.RETURNED,
                   frozenset({"tpi_evaluator", "tpi_lead"}), requires=frozenset({"fix_requests"})),
        Transition("conclude_tpi", frozenset({Status.TPI_REVIEW}), Status.TPI_DONE,
                   frozenset({"tpi_lead"}), needs_effective_complete=True, locks=Layer.TPI),
        Transition("propose", frozenset({Status.TPI_DONE}), Status.PROPOSED,
                   frozenset({"tpi_lead"}), deadline="propose",
                   requires=frozenset({"tpi_eligible", "prerequisites", "quota"})),
        Transition("start_desk", frozenset({Status.PROPOSED}), Status.TPN_DESK,
                   frozenset({"tpn_evaluator"}), opens=Layer.TPN_DESK),
        Transition("start_field", frozenset({Status.TPN_DESK}), Status.TPN_FIELD,
                   frozenset({"tpn_evaluator"}), needs_effective_complete=True, locks=Layer.TPN_DESK,
                   opens=Layer.TPN_LAPANGAN),
        Transition("decide", frozenset({Status.TPN_FIELD}), Status.DECIDED,
                   frozenset({"national_manager"}), needs_effective_complete=True, locks=Layer.TPN_LAPANGAN),
    )
}


@dataclass(frozen=True)
class Facts:
    """What the operations layer knows about an assessment when a step is asked for."""

    status: Status
    roles: frozenset[str]
    complete_layers: frozenset[Layer] = frozenset()
    effective_complete: bool = False
    open_fix_requests: int = 0
    tpi_eligible: bool | None = None
    prerequisites_met: bool = False
    #: None when no window is set for the step; else whether today is inside it
    within_deadline: bool | None = None
    #: answers copied from last year's assessment that the unit has not confirmed yet
    unconfirmed_carried: int = 0
    #: a monitoring of a predicate held: it ends with the TPI's conclusion and is never proposed
    monitoring: bool = False
    #: None when the instansi has no proposal quota for the year; else whether one more fits
    within_quota: bool | None = None


@dataclass(frozen=True)
class Outcome:
    """``allowed``: do it; ``repeat``: already done, change nothing; else refused with ``code``."""

    allowed: bool
    repeat: bool = False
    code: str = ""
    detail: str = ""


def check_transition(name: str, facts: Facts) -> Outcome:
    """Decide whether ``name`` may happen now. Pure: the same facts give the same outcome."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return Outcome(False, code="unknown_transition", detail=name)
    if not facts.roles & transition.roles:
        return Outcome(False, code="role", detail=", ".join(sorted(transition.roles)))
    if facts.status == transition.target:
        return Outcome(False, repeat=True, code="repeat")
    if facts.status not in transition.sources:
        return Outcome(False, code="status", detail=facts.status.value)
    if facts.monitoring and transition.target == Status.PROPOSED:
        return Outcome(False, code="monitoring")
    if transition.needs_complete and transition.needs_complete not in facts.complete_layers:
        return Outcome(False, code="incomplete", detail=transition.needs_complete.value)
    if transition.needs_complete == Layer.MANDIRI and facts.unconfirmed_carried:
        return Outcome(False, code="unconfirmed_carried", detail=str(facts.unconfirmed_carried))
    if transition.needs_effective_complete and not facts.effective_complete:
        return Outcome(False, code="incomplete", detail="effective")
    if transition.deadline and facts.within_deadline is False:
        return Outcome(False, code="deadline", detail=transition.deadline)
    if "fix_requests" in transition.requires and facts.open_fix_requests < 1:
        return Outcome(False, code="no_fix_requests")
    if "tpi_eligible" in transition.requires and facts.tpi_eligible is not True:
        return Outcome(False, code="not_eligible")
    if "prerequisites" in transition.requires and not facts.prerequisites_met:
        return Outcome(False, code="prerequisites")
    if "quota" in transition.requires and facts.within_quota is False:
        return Outcome(False, code="quota")
    return Outcome(True)


def available_transitions(status: Status, roles: Collection[str]) -> list[Transition]:
    """Steps whose source is ``status`` and that one of ``roles`` may take (preconditions aside)."""
    held = set(roles)
    return [t for t in TRANSITIONS.values() if status in t.sources and held & t.roles]
