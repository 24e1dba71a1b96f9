"""Pieces every request and response schema shares: strict bodies, cleaned strings, the
error envelope. Requests forbid unknown fields and cap every string and list, so a body that
validates is bounded in size and shape; numbers and booleans are strict (no `true` for 1, no
"5" for 5), so what is accepted is exactly what the OpenAPI schema says.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_TEXT = 10_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    """Drop control characters (keeping tab/newline) and surrounding blanks."""
    return _CONTROL.sub("", value).strip()


def _clean_name(value: str) -> str:
    cleaned = _clean(value)
    if not cleaned:
        raise ValueError("must contain visible characters")
    return cleaned


# Length limits apply to the raw input (as the schema says), cleaning happens after them.
Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_clean_name)]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_clean)]
Score = Annotated[float, Field(ge=0, le=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=MAX_TEXT)


class ErrorBody(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["limit: Input should be less than or equal to 100"])
    field: str | None = Field(default=None, examples=["limit"])
    request_id: str = Field(examples=["5f0c1e9a2b7d4c3e8f6a1b2c3d4e5f60"])


class ErrorEnvelope(BaseModel):
    error: ErrorBody
