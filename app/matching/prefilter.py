"""Stage 1's pre-filter: the part of the linear proxy that is cheap for every candidate.

The proxy is a weighted sum of features, so any subset of its terms ranks candidates by an
exact part of the same score. The pre-filter takes the terms that cost one pass or less
over all N candidates:

- skill features: sums over the entries of the subject's skills (`SkillSums`);
- categorical context (seniority, remote setup, company size, work style, occupation): a
  candidate takes one of a few hundred value combinations, so for one subject these terms
  are a lookup table over the candidate's code, built with the same formulas as
  `pair_features` and gathered once for every candidate;
- text similarity, in the reduced basis, when the proxy weighs it positively (more similar
  text never lowers the pre-filter score).

What is left (years, distance, timezone, salary, industry) is computed only for the rows
the pre-filter keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.core.enums import CompanySize, RemotePolicy, RemotePreference, Seniority, WorkStyle
from app.ml import fallback
from app.ml.features import (
    FEATURES,
    REMOTE_COMPATIBILITY,
    SkillSums,
    level_features,
    occupation_match,
    preference_match,
)
from app.ml.profiles import JobTable, TalentTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CATEGORICAL_FEATURES = frozenset(
    {
        "experience_level_match",
        "experience_level_distance",
        "seniority_alignment",
        "occupation_match",
        "remote_compatibility",
        "company_size_match",
        "work_style_match",
    }
)
SKILL_FEATURES = frozenset(f.name for f in FEATURES if f.category == "skills")
TEXT_FEATURE = "embedding_cosine"

# Codes of "not stated" are -1: shifted by one, every code indexes a table from 0.
_SIZES = np.arange(-1, len(CompanySize), dtype=np.int8)
_STYLES = np.arange(-1, len(WorkStyle), dtype=np.int8)
_LEVELS = np.arange(len(Seniority), dtype=np.float64)


def prefilter_weights(weights: dict[str, float] | None) -> dict[str, float]:
    """The proxy's weights of the pre-filter's features: the model's linear proxy when there
    is one, else the fallback's rules that are linear (on features in [0, 1])."""
    if not weights:
        return dict(fallback.LINEAR_WEIGHTS)
    kept = {
        name: w
        for name, w in weights.items()
        if w and (name in SKILL_FEATURES or name in CATEGORICAL_FEATURES)
    }
    if weights.get(TEXT_FEATURE, 0.0) > 0:
        kept[TEXT_FEATURE] = weights[TEXT_FEATURE]
    return kept


@dataclass(frozen=True, slots=True)
class CategoricalCodes:
    """Each candidate's categorical context as two codes: one for (seniority, remote setup,
    company size, work style) and one for its occupation among the distinct occupations."""

    combined: npt.NDArray[np.intp]
    occupation_id: npt.NDArray[np.intp]
    occupations: npt.NDArray[np.int32]
    """(5, U) distinct occupation prefix codes of the candidates."""
    remote_values: int

    @classmethod
    def of(cls, table: TalentTable | JobTable) -> CategoricalCodes:
        if isinstance(table, JobTable):
            remote_values, size, style = len(RemotePolicy), table.company_size, table.work_style
        else:
            remote_values = len(RemotePreference)
            size, style = table.preferred_size, table.preferred_work_style
        combined = table.seniority.astype(np.int16) * remote_values + table.remote
        combined = (combined * len(_SIZES) + (size + 1)) * len(_STYLES) + (style + 1)
        occupations, occupation_id = np.unique(table.occupation, axis=1, return_inverse=True)
        return cls(
            # Platform-width codes: np.take would otherwise convert them on every call.
            combined=combined.astype(np.intp),
            occupation_id=occupation_id.reshape(-1).astype(np.intp),
            occupations=np.ascontiguousarray(occupations, dtype=np.int32),
            remote_values=remote_values,
        )

    def scores(self, subject: TalentTable | JobTable, weights: dict[str, float]) -> FloatArray:
        """sum(weight x categorical feature) of the subject against every candidate."""
        table = self._combined_table(subject, weights)
        score: FloatArray = np.take(table, self.combined)
        if occupation_weight := weights.get("occupation_match", 0.0):
            per_occupation = occupation_weight * self._per_occupation(subject)
            score += np.take(per_occupation, self.occupation_id)
        return score

    def occupation_match(self, subject: TalentTable | JobTable, rows: IntArray) -> FloatArray:
        """The occupation match of the subject with the candidates' `rows` (a lookup)."""
        return np.take(self._per_occupation(subject), self.occupation_id[rows])

    def _per_occupation(self, subject: TalentTable | JobTable) -> FloatArray:
        return occupation_match(subject.occupation[:, :1], self.occupations)

    def _combined_table(
        self, subject: TalentTable | JobTable, weights: dict[str, float]
    ) -> FloatArray:
        """The categorical terms for every value of the combined code, in code order."""
        level = float(subject.seniority[0])
        if isinstance(subject, TalentTable):
            gap = level - _LEVELS
            remote = REMOTE_COMPATIBILITY[int(subject.remote[0]), :]
            size = preference_match(subject.preferred_size[:1], _SIZES)
            style = preference_match(subject.preferred_work_style[:1], _STYLES)
        else:
            gap = _LEVELS - level
            remote = REMOTE_COMPATIBILITY[:, int(subject.remote[0])]
            size = preference_match(_SIZES, subject.company_size[:1])
            style = preference_match(_STYLES, subject.work_style[:1])
        levels = np.zeros(len(_LEVELS))
        for name, values in level_features(gap).items():
            levels += weights.get(name, 0.0) * values
        terms = (
            levels[:, None, None, None]
            + weights.get("remote_compatibility", 0.0) * remote[None, :, None, None]
            + weights.get("company_size_match", 0.0) * size[None, None, :, None]
            + weights.get("work_style_match", 0.0) * style[None, None, None, :]
        )
        return np.asarray(terms.reshape(-1), dtype=np.float64)


def prefilter_scores(
    subject: TalentTable | JobTable,
    sums: SkillSums,
    codes: CategoricalCodes,
    weights: dict[str, float],
    text: npt.NDArray[np.float32] | None,
) -> FloatArray:
    """The pre-filter score of every candidate (`weights` from `prefilter_weights`; `text`
    the reduced-basis similarities, needed when the text feature is weighed)."""
    score = sums.linear_scores(weights)
    score += codes.scores(subject, weights)
    if text is not None and (text_weight := weights.get(TEXT_FEATURE, 0.0)):
        score += text_weight * text
    return score
