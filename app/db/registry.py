"""Imports every module that defines tables, so `Base.metadata` is complete for Alembic."""

from app.db import models  # noqa: F401
from app.enrichment import models as _enrichment_models  # noqa: F401
