"""Errors of the ML layer, shared by serving and training."""

from __future__ import annotations

from app.core.errors import AppError


class ModelLoadError(AppError):
    """A model artifact is missing, corrupt, or does not fit the code's feature list."""

    status_code = 503
    code = "model_unavailable"


class FeatureExtractionError(AppError):
    """Input could not be turned into features (unknown seniority, bad embedding, bad limit)."""

    status_code = 422
    code = "unprocessable_input"
