"""The emulator's clock speed-up, shared by the plugins whose behaviour waits on time.

`POST /_iac/clock {"speedup": N}` (lambda_runner registers the route) makes schedules, Lambda's
asynchronous retry delays and Auto Scaling lifecycle-hook timeouts (of actions started from then on)
run N times faster, so tests need not wait minutes; 1 is real time, and `/moto-api/reset` restores it.
An emulator-only control: nothing in AWS changes the passage of time.
"""

from __future__ import annotations

_state = {"speedup": 1.0}


def speedup() -> float:
    return _state["speedup"]


def set_speedup(value: float) -> None:
    _state["speedup"] = float(value)


def scaled(seconds: float) -> float:
    """`seconds` of emulated time in real seconds."""
    return max(seconds / max(_state["speedup"], 1e-9), 0.0)
