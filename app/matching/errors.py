"""Domain errors of matching; the API maps each to one HTTP status in a single handler."""

from __future__ import annotations


class MatchingError(Exception):
    """Base of every error matching raises on purpose; `field` names the offending input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(MatchingError):
    """The talent or job asked for does not exist (or is not matchable)."""


class ModelLoadError(MatchingError):
    """A model artifact is missing, corrupt, or does not fit the code's feature list."""


class FeatureExtractionError(MatchingError):
    """Input could not be turned into features (unknown seniority, bad embedding, bad limit)."""
