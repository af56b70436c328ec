"""The pure domain core: criteria, scoring, thresholds. No Flask, database or form imports."""

from zi_assess.domain.criteria import Criteria, Indicator
from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import DEFAULT_CRITERIA_ID, load_criteria
from zi_assess.domain.scoring import AnswerError, ScoreSheet, score
from zi_assess.domain.verdict import Verdict, verdict, verdicts

__all__ = [
    "DEFAULT_CRITERIA_ID",
    "AnswerError",
    "Criteria",
    "CriteriaError",
    "Indicator",
    "ScoreSheet",
    "Verdict",
    "load_criteria",
    "score",
    "verdict",
    "verdicts",
]
