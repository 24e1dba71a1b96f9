"""Response bodies of the health probes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    model_version: str | None
    last_trained: datetime | None
    uptime_seconds: float = Field(ge=0)
    database_reachable: bool
    fallback_active: bool

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "model_version": "v1.2",
                    "last_trained": "2026-01-01T03:00:00Z",
                    "uptime_seconds": 3600.5,
                    "database_reachable": True,
                    "fallback_active": False,
                }
            ]
        }
    )


class ReadyResponse(BaseModel):
    ready: bool
    database_reachable: bool
    model_loaded: bool
    fallback_active: bool = Field(
        description="True when no model is loaded and the fallback rules serve matches "
        "(still ready: they answer every request)."
    )
    indexes_warm: bool = Field(
        description="False while the start-up build of the candidate indexes is running "
        "(a match request would wait for it)."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ready": True,
                    "database_reachable": True,
                    "model_loaded": True,
                    "fallback_active": False,
                    "indexes_warm": True,
                }
            ]
        }
    )
