"""What the probes report that no other domain owns: how long this app has been up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Uptime:
    """Created with the app; `seconds` is measured on the monotonic clock (immune to NTP)."""

    started_at: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started_at
