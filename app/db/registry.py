"""Imports every module that defines tables, so `Base.metadata` is complete for Alembic."""

from app.db import enrichment_models, models  # noqa: F401
