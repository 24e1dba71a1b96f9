"""Request and response bodies of the feedback and decision endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.core.enums import Decision, FeedbackSide, FeedbackType
from app.core.schemas import Strict


class FeedbackRequest(Strict):
    talent_id: uuid.UUID
    job_id: uuid.UUID
    type: FeedbackType = Field(
        description="apply/dismiss: sent by the talent; contact/reject: by the job's company; "
        "undo: either, taking back its own side's current decision."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                    "job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "type": "apply",
                }
            ]
        }
    )


class FeedbackResponse(BaseModel):
    id: uuid.UUID = Field(description="The history row that stands for this decision.")
    talent_id: uuid.UUID
    job_id: uuid.UUID
    type: FeedbackType
    side: FeedbackSide = Field(description="Whose decision changed: the talent's or the company's.")
    decision: Decision | None = Field(
        description="That side's current decision after this call; null after an undo."
    )
    created: bool = Field(
        description="False when this already was the current decision (nothing recorded)."
    )
    created_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6a7c1e-2f3d-4a5b-8c9d-0e1f2a3b4c5d",
                    "talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                    "job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "type": "apply",
                    "side": "talent",
                    "decision": "applied",
                    "created": True,
                    "created_at": "2026-01-01T12:00:00Z",
                }
            ]
        }
    )


class DecisionOut(BaseModel):
    talent_id: uuid.UUID
    job_id: uuid.UUID
    side: FeedbackSide
    decision: Decision
    decided_at: datetime


class DecisionsResponse(BaseModel):
    decisions: list[DecisionOut] = Field(description="Standing decisions, newest first.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "decisions": [
                        {
                            "talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                            "job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                            "side": "talent",
                            "decision": "dismissed",
                            "decided_at": "2026-01-01T12:00:00Z",
                        }
                    ]
                }
            ]
        }
    )
