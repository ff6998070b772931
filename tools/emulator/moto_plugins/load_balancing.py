"""Elastic Load Balancing v2 as AWS documents it: target identity, and the load balancer types from
templates.

- Targets are identified by (Id, Port), as in AWS (ELBv2 API Reference, TargetDescription); moto keys
  them by Id alone, so registering 10.0.1.1:443 silently replaced 10.0.1.1:8443 and a function that
  must leave an operator's target on another port alone could not be tested.
- IP targets keep their `AvailabilityZone` (DescribeTargetHealth shows it), and an IP address outside
  the target group's VPC must be given `AvailabilityZone: all` when it is registered or deregistered
  (TargetDescription: "If the IP address is outside the VPC, this parameter is required"); moto drops
  the zone and accepts any address.
- A deregistered `ip` target drains: DescribeTargetHealth lists it as `draining`
  (`Target.DeregistrationInProgress`) until the group's `deregistration_delay.timeout_seconds` (300 by
  default) has passed; registering it again ends the draining. moto forgets it at once.
- AWS::ElasticLoadBalancingV2::LoadBalancer honours `Type`, `SubnetMappings`, `IpAddressType`,
  `Scheme`, `LoadBalancerAttributes` and `Tags`; moto creates every one as an `application` load
  balancer from `Subnets` only, so a Network Load Balancer with Elastic IPs cannot be created and its
  TCP listeners fail.
- AWS::ElasticLoadBalancingV2::TargetGroup honours `Name`, `Targets` and `TargetGroupAttributes`; moto
  names the group after its logical id and ignores the other two, so a `lambda` target group had no
  target and the wrong ARN (the project's templates give target groups deterministic names: the
  Lambda invoke permission is scoped to that name).
- Target groups, listeners and listener rules are deleted with their stack (moto has no CloudFormation
  delete for them, so names such as a target group's stayed taken); something already gone counts as
  deleted.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from typing import Any

from moto.ec2.exceptions import InvalidVPCIdError
from moto.elbv2.exceptions import InvalidTargetError, TargetNotRunning, ValidationError
from moto.elbv2.models import (
    ELBv2Backend,
    FakeHealthStatus,
    FakeListener,
    FakeListenerRule,
    FakeLoadBalancer,
    FakeTargetGroup,
    elbv2_backends,
)

from ._patching import patch
from ._resource_type import deleted_if_gone

NAME = "elbv2: targets keyed by (Id, Port), IP targets keep their zone; LoadBalancer and TargetGroup properties from templates; deleted with their stack"


# --- targets keyed by (Id, Port) -------------------------------------------------------------------


def _key(group, target):
    return (target["Id"], int(target.get("Port") or group.port or 0))


def _outside_vpc(group, ip: str) -> bool:
    """Whether an `ip` target's address is outside every CIDR block of the group's VPC."""
    try:
        address = ipaddress.ip_address(ip)
        vpc = group.ec2_backend.get_vpc(group.vpc_id)
    except (ValueError, InvalidVPCIdError):  # not an address, or no VPC to compare with
        return False
    blocks = [vpc.cidr_block] + [b.get("cidr_block") for b in vpc.cidr_block_association_set]
    networks = []
    for block in filter(None, blocks):
        try:
            networks.append(ipaddress.ip_network(block, strict=False))
        except ValueError:
            continue
    return not any(address in n for n in networks if n.version == address.version)


def _check_zone(group, target) -> None:
    """AWS: an IP outside the group's VPC must name AvailabilityZone `all`."""
    if group.target_type == "ip" and target.get("AvailabilityZone") != "all" and _outside_vpc(group, target["Id"]):
        raise ValidationError(
            f"The IP address '{target['Id']}' is not within the CIDR blocks of the VPC of the target group; "
            "specify AvailabilityZone 'all' for a target outside the VPC"
        )


def _draining(group) -> "OrderedDict":
    """(Id, Port) -> (target, when its draining ends), for the group's draining `ip` targets."""
    if not hasattr(group, "_iac_draining"):
        group._iac_draining = OrderedDict()
    now = time.monotonic()
    for key in [k for k, (_, until) in group._iac_draining.items() if until <= now]:
        del group._iac_draining[key]
    return group._iac_draining


def register(original, self, targets):
    """moto keys targets by Id: registering Id:443 replaced Id:8443; and it drops the zone."""
    for target in targets:
        _check_zone(self, target)
    for target in targets:
        if instance := self.ec2_backend.get_instance_by_id(target["Id"]):
            if instance.state != "running":
                raise TargetNotRunning(instance_id=target["Id"])
        kept = {"Id": target["Id"], "Port": target.get("Port", self.port)}
        if target.get("AvailabilityZone"):
            kept["AvailabilityZone"] = target["AvailabilityZone"]
        self.targets[_key(self, target)] = kept
        self.deregistered_targets.pop(target["Id"], None)
        _draining(self).pop(_key(self, target), None)


def deregister(original, self, targets):
    """Deregisters the (Id, Port) given, not every port of the Id; unknown ones are InvalidTarget."""
    for target in targets:
        _check_zone(self, target)
    for target in targets:
        if _key(self, target) in _draining(self):
            continue  # deregistering a draining target again changes nothing
        removed = self.targets.pop(_key(self, target), None)
        if not removed:
            raise InvalidTargetError()
        self.deregistered_targets[target["Id"]] = removed
        if self.target_type == "ip":
            delay = float(self.attributes.get("deregistration_delay.timeout_seconds", 300) or 0)
            _draining(self)[_key(self, target)] = (removed, time.monotonic() + delay)


def deregister_terminated_instances(original, self, instance_ids):
    """A terminated instance leaves the group on every port it was registered on."""
    for key in list(self.targets.keys()):
        if key[0] in instance_ids:
            self.terminated_targets[key[0]] = self.targets.pop(key)


def health_for(original, self, target, ec2_backend):
    """moto's health logic looks targets up by Id: it is shown only the entry for this (Id, Port)."""
    saved = self.targets
    view = OrderedDict()
    if _key(self, target) in saved:
        view[target["Id"]] = saved[_key(self, target)]
    self.targets = view
    try:
        status = original(target, ec2_backend)
    finally:
        self.targets = saved
    zone = saved.get(_key(self, target), {}).get("AvailabilityZone")
    if zone:
        status.availability_zone = zone
    return status


def describe_target_health(original, self, target_group_arn: str, targets: list) -> list:
    """moto forgets a deregistered target at once; AWS lists it `draining` for the deregistration delay."""
    statuses = original(target_group_arn, targets)
    group = self.target_groups.get(target_group_arn)
    if group is None or targets:
        return statuses
    for (target_id, port), (target, _) in _draining(group).items():
        status = FakeHealthStatus(
            target_id, port, group.health_check_port, "draining",
            "Target.DeregistrationInProgress", "Target deregistration is in progress",
        )
        if target.get("AvailabilityZone"):
            status.availability_zone = target["AvailabilityZone"]
        statuses.append(status)
    return statuses


def health_target(original, self):
    """moto describes a target by Id and Port only; AWS includes its AvailabilityZone when it has one."""
    target = original()
    zone = getattr(self, "availability_zone", None)
    if zone:
        target["AvailabilityZone"] = zone
    return target


# --- templates -------------------------------------------------------------------------------------


def load_balancer_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """moto makes every load balancer from a template `application`, from Subnets only."""
    properties = cloudformation_json.get("Properties", {})
    backend = elbv2_backends[account_id][region_name]
    lb = backend.create_load_balancer(
        properties.get("Name", resource_name),
        properties.get("SecurityGroups") or [],
        properties.get("Subnets") or [],
        subnet_mappings=properties.get("SubnetMappings"),
        scheme=properties.get("Scheme", "internet-facing"),
        loadbalancer_type=properties.get("Type", "application"),
        ip_address_type=properties.get("IpAddressType", "ipv4"),
        tags=properties.get("Tags"),
    )
    attributes = {a["Key"]: a["Value"] for a in properties.get("LoadBalancerAttributes", [])}
    if attributes:
        backend.modify_load_balancer_attributes(lb.arn, attributes)
    return lb


def target_group_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """moto ignores the group's Name, Targets and TargetGroupAttributes."""
    properties = cloudformation_json.get("Properties", {})
    group = original(properties.get("Name", resource_name), cloudformation_json, account_id, region_name, **kwargs)
    backend = elbv2_backends[account_id][region_name]
    targets = [{k: v for k, v in t.items() if k in ("Id", "Port", "AvailabilityZone")} for t in properties.get("Targets", [])]
    if targets:
        backend.register_targets(group.arn, targets)
    attributes = {a["Key"]: a["Value"] for a in properties.get("TargetGroupAttributes", [])}
    if attributes:
        backend.modify_target_group_attributes(group.arn, attributes)
    return group


def target_group_delete(self: FakeTargetGroup, account_id: str, region_name: str) -> None:
    with deleted_if_gone():
        elbv2_backends[account_id][region_name].delete_target_group(self.arn)


def listener_delete(self: FakeListener, account_id: str, region_name: str) -> None:
    with deleted_if_gone():
        elbv2_backends[account_id][region_name].delete_listener(self.arn)


def rule_delete(self: FakeListenerRule, account_id: str, region_name: str) -> None:
    with deleted_if_gone():
        elbv2_backends[account_id][region_name].delete_rule(self.arn)


def apply() -> str:
    patch(FakeTargetGroup, "register", register, corrects="targets keyed by Id alone (AWS: Id and Port)")
    patch(FakeTargetGroup, "deregister", deregister, corrects="targets keyed by Id alone (AWS: Id and Port)")
    patch(FakeTargetGroup, "deregister_terminated_instances", deregister_terminated_instances,
          corrects="targets keyed by Id alone (AWS: Id and Port)")
    patch(FakeTargetGroup, "health_for", health_for, corrects="target health looked up by Id alone (AWS: Id and Port)")
    patch(ELBv2Backend, "describe_target_health", describe_target_health,
          corrects="a deregistered target is forgotten at once (AWS: draining for the deregistration delay)")
    patch(FakeHealthStatus, "target", health_target, corrects="a target's AvailabilityZone is dropped")
    patch(FakeLoadBalancer, "create_from_cloudformation_json", load_balancer_create,
          corrects="AWS::ElasticLoadBalancingV2::LoadBalancer ignores Type, SubnetMappings and attributes")
    patch(FakeTargetGroup, "create_from_cloudformation_json", target_group_create,
          corrects="AWS::ElasticLoadBalancingV2::TargetGroup ignores Name, Targets and TargetGroupAttributes")
    for owner, delete in ((FakeTargetGroup, target_group_delete), (FakeListener, listener_delete), (FakeListenerRule, rule_delete)):
        patch(owner, "delete", delete, adds=True,
              corrects=f"{owner.__name__} has no CloudFormation delete: DeleteStack leaves it behind")
    return NAME
