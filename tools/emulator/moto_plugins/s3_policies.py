"""S3 bucket policies evaluated for the transport AWS clients use.

moto 5.2.5 evaluates a bucket policy's statements with no request context and understands only the
StringEquals operator (any other condition counts as met), so the TLS-only deny every secure bucket
carries (`"Condition": {"Bool": {"aws:SecureTransport": "false"}}`) matches every request: the bucket
refuses everything, including its owner. AWS evaluates `aws:SecureTransport` per request, and the SDKs always
use TLS against AWS; the emulator serves plain HTTP only because it is a local process. So requests are
evaluated as AWS evaluates an SDK's: `aws:SecureTransport` is `true`. A policy that denies or allows on
anything else behaves as moto evaluates it.

AWS documentation: Amazon S3 User Guide, "Bucket policy examples" (enforce encryption in transit) and
the IAM User Guide's global condition keys (`aws:SecureTransport`).
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

from ._patching import patch

NAME = "s3: bucket policies evaluated with aws:SecureTransport true (SDK clients use TLS)"

# What AWS knows about every request an SDK client makes.
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def _applies(statement: dict) -> bool:
    """Whether the statement's Bool/StringEquals conditions on known request keys hold; conditions on
    other keys are left to moto."""
    for operator, pairs in (statement.get("Condition") or {}).items():
        if operator not in ("Bool", "StringEquals") or not isinstance(pairs, dict):
            continue
        for key, expected in pairs.items():
            if key not in REQUEST_CONTEXT:
                continue
            allowed = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
            if REQUEST_CONTEXT[key] not in allowed:
                return False
    return True


def get_permission(original, self: FakeBucket, action: str, resource: str) -> Any:
    """moto evaluates conditions without request context; AWS sees SDK requests arrive over TLS."""
    if self.policy is None:
        return original(action, resource)
    document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    kept = [s for s in statements if _applies(s)]
    if not kept:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**document, "Statement": kept})).is_action_permitted(action, resource)


def apply() -> str:
    patch(FakeBucket, "get_permission", get_permission,
          corrects="bucket policy conditions are evaluated without request context (TLS-only buckets refuse all)")
    return NAME
