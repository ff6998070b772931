"""Routes of the emulator's own control API under `/_iac/` that plugins other than fault_injection add.

fault_injection owns the request hook that answers `/_iac/...` before moto sees it; a plugin that needs
a control path registers a handler here in its `apply()`. A handler gets the method and the parsed JSON
body (None when there is none) and returns (status, JSON-serialisable payload); it raises
`BadRequest` for a malformed request (answered 400 with the message).
"""

from __future__ import annotations

from typing import Any, Callable

Handler = Callable[[str, Any], tuple[int, Any]]

ROUTES: dict[str, Handler] = {}

# Called on `POST /moto-api/reset`, so a plugin's control settings return to their defaults.
RESETS: list[Callable[[], None]] = []


class BadRequest(Exception):
    """The control request is malformed: answered 400 with this message."""


def register(path: str, handler: Handler) -> None:
    if path in ROUTES:
        raise ValueError(f"control path {path} is registered twice")
    ROUTES[path] = handler


def on_reset(reset: Callable[[], None]) -> None:
    RESETS.append(reset)
