"""ELBv2 targets are identified by (Id, Port), as in AWS; moto 5.2.5 keys them by Id alone.

With Id-only keys, registering 10.0.1.1:443 silently replaces 10.0.1.1:8443, so a function that must
leave an operator's target on another port alone cannot be tested. This re-keys the target table.
"""

from collections import OrderedDict

from moto.elbv2.exceptions import InvalidTargetError, TargetNotRunning
from moto.elbv2.models import FakeTargetGroup

NAME = "elbv2: targets keyed by (Id, Port)"

_health_for = FakeTargetGroup.health_for


def _key(group, target):
    return (target["Id"], int(target.get("Port") or group.port or 0))


def _register(self, targets):
    for target in targets:
        if instance := self.ec2_backend.get_instance_by_id(target["Id"]):
            if instance.state != "running":
                raise TargetNotRunning(instance_id=target["Id"])
        self.targets[_key(self, target)] = {"Id": target["Id"], "Port": target.get("Port", self.port)}
        self.deregistered_targets.pop(target["Id"], None)


def _deregister(self, targets):
    for target in targets:
        removed = self.targets.pop(_key(self, target), None)
        if not removed:
            raise InvalidTargetError()
        self.deregistered_targets[target["Id"]] = removed


def _deregister_terminated_instances(self, instance_ids):
    for key in list(self.targets.keys()):
        if key[0] in instance_ids:
            self.terminated_targets[key[0]] = self.targets.pop(key)


def _health(self, target, ec2_backend):
    # moto's health logic looks targets up by Id: show it only the entry for this (Id, Port).
    saved = self.targets
    view = OrderedDict()
    if _key(self, target) in saved:
        view[target["Id"]] = saved[_key(self, target)]
    self.targets = view
    try:
        return _health_for(self, target, ec2_backend)
    finally:
        self.targets = saved


def apply() -> str:
    FakeTargetGroup.register = _register
    FakeTargetGroup.deregister = _deregister
    FakeTargetGroup.deregister_terminated_instances = _deregister_terminated_instances
    FakeTargetGroup.health_for = _health
    return NAME
