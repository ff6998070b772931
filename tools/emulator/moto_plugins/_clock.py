"""The emulator's clock speed-up, shared by the plugins whose behaviour waits on time.

`POST /_iac/clock {"speedup": N}` (lambda_runner registers the route) makes schedules, Lambda's
asynchronous retry delays and Auto Scaling lifecycle-hook timeouts (of actions started from then on)
run N times faster, so tests need not wait minutes; 1 is real time, and `/moto-api/reset` restores it.
An emulator-only control: nothing in AWS changes the passage of time.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

_state = {"speedup": 1.0}
# While sped up: (monotonic time, emulated wall time) when the speed-up was set. Emulated wall time
# runs N times faster from there (cron schedules read it).
_base: dict[str, tuple[float, datetime] | None] = {"at": None}


def speedup() -> float:
    return _state["speedup"]


def set_speedup(value: float) -> None:
    now = time.monotonic()
    emulated = wall(now)
    _state["speedup"] = float(value)
    # Emulated time goes on from where it is (never back), at the new speed; real time again at 1.
    _base["at"] = None if _state["speedup"] <= 1.0 else (now, emulated)


def wall(now: float | None = None) -> datetime:
    """The emulated wall-clock time (UTC): real time, or sped up since the speed-up was set."""
    base = _base["at"]
    if base is None:
        return datetime.now(timezone.utc)
    now = time.monotonic() if now is None else now
    started, emulated = base
    return emulated + timedelta(seconds=(now - started) * _state["speedup"])


def scaled(seconds: float) -> float:
    """`seconds` of emulated time in real seconds."""
    return max(seconds / max(_state["speedup"], 1e-9), 0.0)
