"""Imports every module that defines tables, so `Base.metadata` is complete for Alembic."""

from app.db import enrichment_models, models, monitoring_models  # noqa: F401
