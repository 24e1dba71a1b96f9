"""The authenticated caller, as the rest of the service sees it (no HTTP, no JWT library)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from app.core.enums import Role


@dataclass(frozen=True, slots=True)
class Principal:
    sub: uuid.UUID
    role: Role | None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
