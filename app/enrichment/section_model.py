"""A trained section classifier: logistic regression on sentence embeddings.

Trained from annotation exports (JSONL: {"text", "header"?, "label"}) by
`app enrich train-sections`; used instead of the rules when its file is present. The weights
are plain JSON (never pickle) and a sidecar .meta.json holds their sha256, checked on load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.enrichment.config import get_model_registry
from app.enrichment.sections import (
    SECTION_LABELS,
    Section,
    SectionLabel,
    classify_rule,
    header_label,
    relevance_of,
)
from app.enrichment.semantic import Encoder, default_encoder
from app.settings import get_settings

FORMAT = "section-logreg-v1"
MAX_CHARS = 600


class SectionModelError(ValueError):
    """The model file is missing pieces or does not match its recorded checksum."""


@dataclass(frozen=True, slots=True)
class AnnotatedSection:
    text: str
    label: str
    header: str | None = None

    @property
    def classify_text(self) -> str:
        body = f"{self.header}: {self.text}" if self.header else self.text
        return body[:MAX_CHARS]


def load_annotations(path: Path) -> list[AnnotatedSection]:
    out: list[AnnotatedSection] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            label = raw.get("label")
            if label not in SECTION_LABELS:
                raise ValueError(f"{path}:{number}: label {label!r} not in {SECTION_LABELS}")
            out.append(AnnotatedSection(str(raw["text"]), label, raw.get("header")))
    return out


@dataclass
class SectionModel:
    version: str
    classes: list[str]
    coef: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]
    encoder: Encoder | None = None
    method: str = "ml_model"

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        encoder = self.encoder or default_encoder()
        x = np.asarray(encoder.encode([t[:MAX_CHARS] for t in texts]), dtype=np.float64)
        logits = x @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            p1 = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.stack([1 - p1, p1], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)

    def __call__(self, sections: Sequence[Section]) -> list[SectionLabel]:
        """Rules first: a specific header ("Benefits") decides; the model reads the rest."""
        out: list[SectionLabel | None] = [
            classify_rule(s) if header_label(s.header) else None for s in sections
        ]
        todo = [i for i, label in enumerate(out) if label is None]
        if todo:
            probs = self.probabilities([sections[i].classify_text for i in todo])
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


def train_section_model(
    examples: Sequence[AnnotatedSection],
    encoder: Encoder | None = None,
    *,
    version: str = "section_classification_v1.1-logreg",
    folds: int = 5,
) -> tuple[SectionModel, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    labels = [e.label for e in examples]
    if len(set(labels)) < 2:
        raise ValueError("need at least two section labels to train")
    enc = encoder or default_encoder()
    x = np.asarray(enc.encode([e.classify_text for e in examples]), dtype=np.float64)
    y = np.asarray(labels)
    metrics: dict[str, Any] = {"n_samples": len(examples), "label_counts": {}}
    for label in sorted(set(labels)):
        metrics["label_counts"][label] = labels.count(label)
    smallest = min(metrics["label_counts"].values())
    n_folds = min(folds, smallest)
    if n_folds >= 2:
        cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=7)
        scores = cross_val_score(LogisticRegression(C=4.0, max_iter=2000), x, y, cv=cv)
        metrics["cv_accuracy"] = float(scores.mean())
        metrics["cv_folds"] = n_folds
    clf = LogisticRegression(C=4.0, max_iter=2000).fit(x, y)
    model = SectionModel(
        version=version,
        classes=[str(c) for c in clf.classes_],
        coef=np.asarray(clf.coef_, dtype=np.float64),
        intercept=np.asarray(clf.intercept_, dtype=np.float64),
        encoder=enc,
    )
    metrics["train_accuracy"] = float(clf.score(x, y))
    return model, metrics


def _meta_path(path: Path) -> Path:
    return path.with_name(path.stem + ".meta.json")


def save_section_model(model: SectionModel, path: Path, metrics: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": model.version,
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
    if payload.get("format") != FORMAT:
        raise SectionModelError(f"{path}: unknown format {payload.get('format')!r}")
    return SectionModel(
        version=str(payload["version"]),
        classes=list(payload["classes"]),
        coef=np.asarray(payload["coef"], dtype=np.float64),
        intercept=np.asarray(payload["intercept"], dtype=np.float64),
        encoder=encoder,
    )


def section_model_path() -> Path:
    settings = get_settings()
    return settings.section_model_path or settings.model_dir / "section_classifier.json"


def get_section_classifier() -> SectionModel | RuleSectionClassifier:
    """The trained model when its file is present (and verifies), the rules otherwise."""
    path = section_model_path()
    if path.exists():
        return load_section_model(path)
    return RuleSectionClassifier()
