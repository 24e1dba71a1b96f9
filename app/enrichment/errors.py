"""Errors of enrichment: unknown rows to enrich, and model files that cannot be used."""

from __future__ import annotations

from app.core.errors import AppError, ServiceUnavailableError


class EnrichmentNotFoundError(AppError):
    """The job or talent to enrich does not exist."""

    status_code = 404
    code = "not_found"


class ModelConfigError(AppError):
    """The model registry file is missing or invalid; the message names the file and the field."""

    status_code = 503
    code = "model_unavailable"


class SectionModelError(AppError, ValueError):
    """The section model file is missing pieces or does not match its recorded checksum.

    Also a ValueError: cross-validation treats an unusable fold model like any bad fold.
    """

    status_code = 503
    code = "model_unavailable"


class OccupationModelError(AppError):
    """The shipped occupation artifact is missing, incomplete or does not match its checksums."""

    status_code = 503
    code = "model_unavailable"


class TextWorkersBusyError(ServiceUnavailableError):
    """Every text worker is busy and the queue in front of them is full: refused at once, so a
    burst of long texts waits in no unbounded queue and the client learns when to retry."""


class TextWorkerCrashedError(ServiceUnavailableError):
    """The text worker running this request died (killed, out of memory); it is replaced, and
    the request may be retried."""
