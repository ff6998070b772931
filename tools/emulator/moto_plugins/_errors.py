"""moto's service errors: the exceptions moto turns into AWS error responses.

moto 5.2.5 has two families: `ServiceException` (`code` is the AWS error code) and the older
`_RESTError`/`JsonRESTError` (`error_type` is the code, `code` the HTTP status). Plugins catch
`SERVICE_ERRORS`, never a bare Exception, when they expect AWS to answer with an error.
"""

from __future__ import annotations

from moto.core import exceptions as _core

SERVICE_ERRORS: tuple[type[Exception], ...] = (_core.ServiceException, _core._RESTError)


def error_code(error: BaseException) -> str:
    code = getattr(error, "code", None)
    if isinstance(code, str):
        return code
    return str(getattr(error, "error_type", "") or "")


def is_not_found(error: BaseException) -> bool:
    """Whether a service error says the thing does not exist (or is no longer attached)."""
    code = error_code(error)
    message = str(getattr(error, "message", "") or getattr(error, "description", "") or "")
    return "NotFound" in code or "NotAttached" in code or "does not exist" in message or "not found" in message
