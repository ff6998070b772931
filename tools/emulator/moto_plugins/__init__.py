"""The project's extensions to moto, applied by tools/emulator/server.py before the server starts.

Where moto lacks behaviour the project's functions or deployments need, add a small module here that
patches moto's models (never special-case the emulator in Rust), register it in PLUGINS, and test it
in tools/emulator/test_plugins.py. moto is pinned in tools/requirements.txt because patches depend on
its internals.
"""

from . import (
    autoscaling_lifecycle,
    cloudformation_alarms,
    cloudformation_stack_lifecycle,
    cloudformation_types,
    cloudformation_deletes,
    cloudformation_security_groups,
    cloudformation_ssm_secrets,
    ec2_dependencies,
    lambda_vpc,
    load_balancers,
    stand_in_ids,
    target_groups,
    target_identity,
)

PLUGINS = [
    autoscaling_lifecycle,
    cloudformation_alarms,
    cloudformation_stack_lifecycle,
    cloudformation_types,
    cloudformation_deletes,
    cloudformation_security_groups,
    cloudformation_ssm_secrets,
    ec2_dependencies,
    lambda_vpc,
    stand_in_ids, load_balancers, target_groups, target_identity]

_applied = [p.apply() for p in PLUGINS]


def log_applied(stream) -> None:
    for name in _applied:
        print(f"moto plugin applied: {name}", file=stream, flush=True)
