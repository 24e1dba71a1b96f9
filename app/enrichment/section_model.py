"""A trained section classifier: logistic regression on sentence embeddings and position.

Trained from annotation exports (JSONL: {"text", "label", "header"?, "posting"?, "index"?}) by
`app enrich train-sections`; used instead of the rules when its file is present. The weights
are plain JSON (never pickle) and a sidecar .meta.json holds their sha256, checked on load.

Features (`FEATURES`): the embedding of "header: text" (first MAX_CHARS characters) and four
position features (`POSITION_FEATURES`): first section, last section, relative position and
whether the section has a header. An untitled opening section is usually the pitch and the
closing ones the company blurb and boilerplate, which the text alone does not say.

The hybrid (`SectionModel.__call__`): where the rules have specific evidence
(`sections.decisive_rule`: a specific header, a header opening the body, or specific cues such
as an EEO sentence or a phone number) they decide; the model decides the rest. The small
labels (application, legal, benefits: 2-4 labelled examples each) are too rare to learn, and
their cues are precise; the model is better than the generic cues at overview vs
responsibilities vs requirements.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.enrichment.config import get_model_registry
from app.enrichment.errors import SectionModelError
from app.enrichment.sections import (
    SECTION_LABELS,
    Section,
    SectionLabel,
    classify_rule,
    decisive_rule,
    relevance_of,
)
from app.enrichment.semantic import Encoder, default_encoder
from app.settings import get_settings

FORMAT = "section-logreg-v2"
# Older files: the features they were trained on (v1: the embedding alone).
LEGACY_FORMATS: dict[str, tuple[str, ...]] = {"section-logreg-v1": ("embedding",)}
FEATURES: tuple[str, ...] = ("embedding", "position")
POSITION_FEATURES: tuple[str, ...] = ("first", "last", "relative_position", "has_header")
DEFAULT_VERSION = "section_classification_v1.2-logreg-position"
MAX_CHARS = 600
C = 4.0


@dataclass(frozen=True, slots=True)
class AnnotatedSection:
    """One labelled section; `index` and `count` place it in its posting (0 of 1 if unknown)."""

    text: str
    label: str
    header: str | None = None
    index: int = 0
    count: int = 1
    posting: str | None = None

    @property
    def classify_text(self) -> str:
        body = f"{self.header}: {self.text}" if self.header else self.text
        return body[:MAX_CHARS]

    @property
    def section(self) -> Section:
        return Section(self.index, self.header, self.text, 0, len(self.text))


def load_annotations(path: Path) -> list[AnnotatedSection]:
    """Read an export; a posting's section count is its highest labelled index + 1 unless the
    rows say otherwise ("count")."""
    raws: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            label = raw.get("label")
            if label not in SECTION_LABELS:
                raise ValueError(f"{path}:{number}: label {label!r} not in {SECTION_LABELS}")
            raws.append(raw)
    counts: dict[str, int] = defaultdict(int)
    for raw in raws:
        if raw.get("posting") is not None:
            key = str(raw["posting"])
            counts[key] = max(counts[key], int(raw.get("index", 0)) + 1, int(raw.get("count", 0)))
    out: list[AnnotatedSection] = []
    for raw in raws:
        index = int(raw.get("index", 0))
        posting = None if raw.get("posting") is None else str(raw["posting"])
        count = counts[posting] if posting is not None else max(int(raw.get("count", 1)), index + 1)
        out.append(
            AnnotatedSection(
                str(raw["text"]), raw["label"], raw.get("header"), index, count, posting
            )
        )
    return out


def position_features(index: int, count: int, has_header: bool) -> list[float]:
    """POSITION_FEATURES of section `index` of `count`."""
    count = max(count, index + 1)
    relative = index / (count - 1) if count > 1 else 0.0
    return [float(index == 0), float(index == count - 1), relative, float(has_header)]


def design_matrix(
    encoder: Encoder,
    texts: Sequence[str],
    positions: Sequence[Sequence[float]],
    features: Sequence[str] = FEATURES,
) -> npt.NDArray[np.float64]:
    blocks: list[npt.NDArray[np.float64]] = []
    for feature in features:
        if feature == "embedding":
            emb = encoder.encode([t[:MAX_CHARS] for t in texts])
            blocks.append(np.asarray(emb, dtype=np.float64).reshape(len(texts), -1))
        elif feature == "position":
            blocks.append(np.asarray(positions, dtype=np.float64).reshape(len(texts), -1))
        else:
            raise SectionModelError(f"unknown feature {feature!r}; known: {FEATURES}")
    return np.hstack(blocks)


@dataclass
class SectionModel:
    version: str
    classes: list[str]
    coef: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]
    encoder: Encoder | None = None
    method: str = "ml_model"
    features: tuple[str, ...] = FEATURES

    def probabilities_for(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if x.shape[1] != self.coef.shape[1]:
            raise SectionModelError(
                f"model {self.version} expects {self.coef.shape[1]} features, got {x.shape[1]}"
            )
        logits = x @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            p1 = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.stack([1 - p1, p1], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)

    def probabilities(
        self, sections: Sequence[Section], count: int | None = None
    ) -> npt.NDArray[np.float64]:
        """Label probabilities (columns: `classes`) of sections of one posting of `count`
        sections (default: the highest index + 1)."""
        total = count if count is not None else max((s.index for s in sections), default=0) + 1
        x = design_matrix(
            self.encoder or default_encoder(),
            [s.classify_text[:MAX_CHARS] for s in sections],
            [position_features(s.index, total, s.header is not None) for s in sections],
            self.features,
        )
        return self.probabilities_for(x)

    def __call__(self, sections: Sequence[Section], count: int | None = None) -> list[SectionLabel]:
        """The sections of one posting: the rules decide where they have specific evidence,
        the model reads the rest."""
        out: list[SectionLabel | None] = [decisive_rule(s) for s in sections]
        todo = [i for i, label in enumerate(out) if label is None]
        if todo:
            total = count if count is not None else max(s.index for s in sections) + 1
            probs = self.probabilities([sections[i] for i in todo], total)
            for i, row in zip(todo, probs, strict=True):
                by_label = {c: float(p) for c, p in zip(self.classes, row, strict=True)}
                best = max(by_label, key=lambda c: by_label[c])
                out[i] = SectionLabel(best, relevance_of(by_label), by_label[best], self.method)
        return [label for label in out if label is not None]


class RuleSectionClassifier:
    method = "rule_based"

    def __init__(self, version: str | None = None) -> None:
        self.version = version or get_model_registry().entry("section_classification").version

    def __call__(self, sections: Sequence[Section]) -> list[SectionLabel]:
        return [classify_rule(s) for s in sections]


def _fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.str_], version: str, encoder: Encoder | None
) -> SectionModel:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=3000).fit(x, y)
    return SectionModel(
        version=version,
        classes=[str(c) for c in clf.classes_],
        coef=np.asarray(clf.coef_, dtype=np.float64),
        intercept=np.asarray(clf.intercept_, dtype=np.float64),
        encoder=encoder,
    )


def examples_matrix(
    examples: Sequence[AnnotatedSection], encoder: Encoder
) -> npt.NDArray[np.float64]:
    return design_matrix(
        encoder,
        [e.classify_text for e in examples],
        [position_features(e.index, e.count, e.header is not None) for e in examples],
    )


def _groups(examples: Sequence[AnnotatedSection]) -> list[str]:
    return [e.posting if e.posting is not None else f"#{i}" for i, e in enumerate(examples)]


def cross_validated_labels(
    examples: Sequence[AnnotatedSection],
    x: npt.NDArray[np.float64],
    folds: int = 5,
) -> tuple[list[str], list[str], int]:
    """Out-of-fold labels (hybrid, model alone) and the number of folds. Folds are grouped by
    posting (no posting in both train and test; examples without a posting are their own
    group), so a template repeated within a posting cannot leak into its own test fold."""
    from sklearn.model_selection import GroupKFold

    groups = _groups(examples)
    n_folds = min(folds, len(set(groups)))
    y = np.asarray([e.label for e in examples])
    hybrid = [""] * len(examples)
    alone = [""] * len(examples)
    for train, test in GroupKFold(n_splits=n_folds).split(x, y, groups):
        if len(set(y[train])) < 2:
            raise ValueError("a training fold has fewer than two labels; label more postings")
        model = _fit(x[train], y[train], "cv", None)
        probs = model.probabilities_for(x[test])
        for i, row in zip(test, probs, strict=True):
            alone[i] = model.classes[int(np.argmax(row))]
            rule = decisive_rule(examples[i].section)
            hybrid[i] = rule.label if rule is not None else alone[i]
    return hybrid, alone, n_folds


def _accuracy(predicted: Sequence[str], gold: Sequence[str]) -> float:
    return float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)]))


def train_section_model(
    examples: Sequence[AnnotatedSection],
    encoder: Encoder | None = None,
    *,
    version: str = DEFAULT_VERSION,
    folds: int = 5,
) -> tuple[SectionModel, dict[str, Any]]:
    labels = [e.label for e in examples]
    if len(set(labels)) < 2:
        raise ValueError("need at least two section labels to train")
    enc = encoder or default_encoder()
    x = examples_matrix(examples, enc)
    y = np.asarray(labels)
    metrics: dict[str, Any] = {
        "n_samples": len(examples),
        "label_counts": {label: labels.count(label) for label in sorted(set(labels))},
        "features": list(FEATURES),
    }
    if folds >= 2 and len(set(_groups(examples))) >= 2:
        try:
            hybrid, alone, n_folds = cross_validated_labels(examples, x, folds)
        except ValueError as exc:
            metrics["cv_skipped"] = str(exc)
        else:
            metrics["cv_accuracy"] = _accuracy(hybrid, labels)
            metrics["cv_accuracy_model_alone"] = _accuracy(alone, labels)
            metrics["cv_folds"] = n_folds
            metrics["cv_grouped_by"] = "posting"
    model = _fit(x, y, version, enc)
    fitted = [model.classes[int(k)] for k in np.argmax(model.probabilities_for(x), axis=1)]
    metrics["train_accuracy"] = _accuracy(fitted, labels)
    return model, metrics


def _meta_path(path: Path) -> Path:
    return path.with_name(path.stem + ".meta.json")


def save_section_model(model: SectionModel, path: Path, metrics: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": model.version,
        "features": list(model.features),
        "position_features": list(POSITION_FEATURES),
        "classes": model.classes,
        "coef": model.coef.tolist(),
        "intercept": model.intercept.tolist(),
    }
    path.write_text(json.dumps(payload), encoding="utf-8")
    meta = {
        "version": model.version,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "embedding_model": get_settings().embedding_model_id,
        "trained_at": datetime.now(UTC).isoformat(),
        "metrics": metrics,
    }
    _meta_path(path).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def load_section_model(path: Path, encoder: Encoder | None = None) -> SectionModel:
    meta_path = _meta_path(path)
    if not path.exists() or not meta_path.exists():
        raise SectionModelError(f"{path}: model or its .meta.json is missing")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if meta.get("sha256") != digest:
        raise SectionModelError(f"{path}: sha256 {digest} does not match {meta.get('sha256')}")
    payload = json.loads(path.read_text(encoding="utf-8"))
    fmt = payload.get("format")
    if fmt == FORMAT:
        features = tuple(str(f) for f in payload.get("features", ()))
        unknown = [f for f in features if f not in FEATURES]
        if not features or unknown:
            raise SectionModelError(f"{path}: features {features!r} not a subset of {FEATURES}")
        if "position" in features and payload.get("position_features") != list(POSITION_FEATURES):
            raise SectionModelError(f"{path}: position features differ from {POSITION_FEATURES}")
    elif fmt in LEGACY_FORMATS:
        features = LEGACY_FORMATS[fmt]
    else:
        raise SectionModelError(f"{path}: unknown format {fmt!r}")
    model = SectionModel(
        version=str(payload["version"]),
        classes=list(payload["classes"]),
        coef=np.asarray(payload["coef"], dtype=np.float64),
        intercept=np.asarray(payload["intercept"], dtype=np.float64),
        encoder=encoder,
        features=features,
    )
    rows = 1 if len(model.classes) == 2 else len(model.classes)
    if model.coef.ndim != 2 or model.coef.shape[0] != rows or model.intercept.shape != (rows,):
        raise SectionModelError(
            f"{path}: coef/intercept shapes do not fit {len(model.classes)} classes"
        )
    return model


def section_model_path() -> Path:
    settings = get_settings()
    return settings.section_model_path or settings.model_dir / "section_classifier.json"


def get_section_classifier() -> SectionModel | RuleSectionClassifier:
    """The trained model when its file is present (and verifies), the rules otherwise."""
    path = section_model_path()
    if path.exists():
        return load_section_model(path)
    return RuleSectionClassifier()
