"""Errors of the ML layer, shared by serving and training: artifacts, features, the registry."""

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


class InvalidProfileError(FeatureExtractionError, ValueError):
    """A categorical profile value outside its allowed set; `field` names the input.

    Also a ValueError: callers building tables from raw data catch it as one.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field)


class RegistryError(AppError):
    """Base of the model registry's errors; `field` names the offending input."""

    field = "version"


class InvalidModelIdError(RegistryError, ValueError):
    """The model id is not lowercase letters and underscores."""

    status_code = 422
    code = "validation_error"
    field = "model_id"


class InvalidVersionError(RegistryError, ValueError):
    """The version string, checksum or row counts of a registration are malformed."""

    status_code = 422
    code = "validation_error"


class VersionExistsError(RegistryError):
    """That version is already registered; versions are immutable."""

    status_code = 409
    code = "conflict"


class VersionNotFoundError(RegistryError):
    """No registered model version has that name."""

    status_code = 404
    code = "not_found"


class ActivationRefusedError(RegistryError):
    """The version may not become active (rejected, or the live one would be retired)."""

    status_code = 409
    code = "activation_refused"


class NothingToRollBackError(RegistryError):
    """The model has no earlier version to go back to."""

    status_code = 409
    code = "nothing_to_roll_back"
    field = "model_id"
