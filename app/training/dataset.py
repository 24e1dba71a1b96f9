"""Turn label rows into the matcher's feature matrix with the matcher's own feature code.

Only the talents and jobs that occur in the labels are read (in bulk, by
`app.training.initial.features_for_pairs`), so training and serving can never disagree on
what a feature means.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.training.initial import features_for_pairs
from app.training.labels import LabelledInteraction

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Dataset:
    """Aligned arrays: one row per labelled pair; `groups` numbers the talent (the query)."""

    features: FloatArray
    grades: IntArray
    targets: FloatArray
    groups: IntArray
    labels: list[LabelledInteraction]

    def __len__(self) -> int:
        return len(self.labels)

    def with_targets(self, targets_of: Callable[[IntArray], FloatArray]) -> Dataset:
        return replace(self, targets=targets_of(self.grades))

    def subset(self, rows: npt.NDArray[np.int64]) -> Dataset:
        return Dataset(
            features=self.features[rows],
            grades=self.grades[rows],
            targets=self.targets[rows],
            groups=self.groups[rows],
            labels=[self.labels[i] for i in rows],
        )


def build_dataset(session: Session, labels: list[LabelledInteraction]) -> Dataset:
    pairs = [(r.talent_id, r.job_id) for r in labels]
    group_of: dict[uuid.UUID, int] = {}
    groups = np.fromiter(
        (group_of.setdefault(r.talent_id, len(group_of)) for r in labels),
        dtype=np.int64,
        count=len(labels),
    )
    features = features_for_pairs(session, pairs) if pairs else np.zeros((0, 0), dtype=np.float64)
    return Dataset(
        features=features,
        grades=np.fromiter((r.grade for r in labels), dtype=np.int64, count=len(labels)),
        targets=np.fromiter((r.score for r in labels), dtype=np.float64, count=len(labels)),
        groups=groups,
        labels=labels,
    )
