"""The project's extensions to moto: one ordered registry of plugin modules, applied by
tools/emulator/server.py before the server starts.

Where moto lacks behaviour the project's functions or deployments need, add a small module here that
patches moto through `_patching.patch` (never special-case the emulator in Rust), add its name to
PLUGINS below, and test it in a tools/emulator/test_*.py file. moto is pinned in
tools/requirements.txt because patches depend on its internals; a patch that no longer fits moto stops
the emulator at startup (see _patching.py).

Layout (one concern per module; the shared framework modules start with an underscore):
- _patching.py: `patch(owner, name, replacement, corrects=...)`, the only way a plugin changes moto.
- _resource_type.py: `ResourceType`, the base of the CloudFormation types the plugins add.
- the plugins, in PLUGINS order below.

A plugin module defines NAME (one line for the startup log) and `apply()`, which makes its patches and
returns NAME. Modules are imported and applied one by one, in PLUGINS order.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TextIO

from ._patching import PATCHES, PatchError, applying

# The order is meaningful: a plugin that replaces an attribute another plugin replaced wraps that
# plugin's replacement (the original it receives is what was installed when it was applied), so a
# later entry sees the earlier ones' behaviour.
PLUGINS: tuple[str, ...] = (
    # Ids first: every later plugin that creates VPCs or subnets goes through them.
    "stand_in_ids",
    # EC2 interfaces before Auto Scaling: lifecycle terminations rely on interfaces leaving with their
    # instance.
    "ec2_interfaces",
    # Eventual consistency wraps the interface describes ec2_interfaces settles detaches in.
    "ec2_consistency",
    # Public addresses at launch, before Auto Scaling launches anything.
    "ec2_public_ips",
    "autoscaling_lifecycle",
    "load_balancing",
    "lambda_vpc",
    # Mirror sessions go with their interface, which ECS tasks delete when they stop.
    "traffic_mirroring",
    "ecs_tasks",
    # The VPC proxy and the appliances on it, which functions attached to a VPC reach.
    "appliances",
    # After the Auto Scaling and EC2 plugins whose events and calls reach functions.
    "lambda_runner",
    # Bucket policies are evaluated as AWS does for TLS clients before templates create any.
    "s3_policies",
    # CloudFormation types before the stack lifecycle that drives them: the types moto lacks (they
    # use autoscaling_lifecycle's hooks), then corrections to moto's own types.
    "cloudformation_resource_types",
    "cloudformation_moto_types",
    # Prefix lists, then the security-group rules that reference them (whose template ingress wraps
    # cloudformation_moto_types' one, and whose quota reads the lists' MaxEntries).
    "ec2_prefix_lists",
    "ec2_security_group_rules",
    "cloudformation_stack_lifecycle",
    # Last: the outermost layer of every request (the control API, call counts and injected errors
    # come before moto routes anything).
    "fault_injection",
)

_applied: list[tuple[ModuleType, str]] = []


def apply_all() -> list[str]:
    """Imports and applies every plugin in PLUGINS order, once; returns their NAMEs.

    Raises PatchError (naming the plugin, the moto owner and the attribute) if moto no longer matches.
    """
    if _applied:
        return [name for _, name in _applied]
    for module_name in PLUGINS:
        with applying(module_name):
            try:
                module = importlib.import_module(f"{__name__}.{module_name}")
            except ImportError as e:  # a moto module or name the plugin imports is gone
                raise PatchError(f"moto plugin '{module_name}': {e} (moto upgraded?)") from e
            name = module.apply()
        if not isinstance(name, str) or not name:
            raise PatchError(f"moto plugin '{module_name}': apply() must return its NAME")
        _applied.append((module, name))
    return [name for _, name in _applied]


def log_applied(stream: TextIO) -> None:
    for module, name in _applied:
        count = sum(1 for p in PATCHES if p.plugin == module.__name__.rsplit(".", 1)[-1])
        print(f"moto plugin applied: {name} ({count} patches)", file=stream, flush=True)


def serving(endpoint: str) -> None:
    """Tells the plugins that run code against the emulator (lambda_runner) where it listens."""
    from . import lambda_runner

    lambda_runner.ENDPOINT = endpoint


__all__ = ["PLUGINS", "PATCHES", "PatchError", "apply_all", "log_applied"]
