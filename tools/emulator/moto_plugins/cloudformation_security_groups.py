"""CloudFormation security groups as AWS builds them: inline `SecurityGroupEgress` replaces the default
allow-all egress, and AWS::EC2::SecurityGroupIngress is a rule with an id that its stack revokes.

moto 5.2.5 ignores the `SecurityGroupEgress` list of AWS::EC2::SecurityGroup, so every group made from
a template keeps the default rule that allows all egress. The project's groups start closed (a single
rule that matches nothing replaces the default) and open each flow with a separate egress resource;
in the emulator they were open to everything, so a test of network flows (for instance that the
appliance configure function may reach the appliance API only) saw a different world from AWS. moto
also gives an AWS::EC2::SecurityGroupIngress no physical id and leaves its rule in place when the
resource is deleted (a stack update that drops it, or a DeleteStack).

With this plugin a group with a non-empty `SecurityGroupEgress` has exactly those egress rules (no
`SecurityGroupEgress`, or an empty one, keeps the default, as in AWS); an ingress resource's physical
id is its rule id (`sgr-...`), and deleting it revokes the rule (a rule or group already gone counts as
deleted).
"""

from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupIngress

from .cloudformation_types import SecurityGroupEgress

NAME = "cloudformation: SecurityGroup inline egress replaces the default; SecurityGroupIngress ids and deletes"

_original_group_create = SecurityGroup.create_from_cloudformation_json.__func__
_original_ingress_create = SecurityGroupIngress.create_from_cloudformation_json.__func__


def _group_create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    group = _original_group_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    egress = cloudformation_json.get("Properties", {}).get("SecurityGroupEgress") or []
    if egress:
        backend = ec2_backends[account_id][region_name]
        group.egress_rules = []  # a new group holds only the default rule(s), which the list replaces
        for rule in egress:
            backend.authorize_security_group_egress(group_name_or_id=group.id, **SecurityGroupEgress._rule_args(rule))
    return group


def _ingress_create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    properties = cloudformation_json.get("Properties", {})
    backend = ec2_backends[account_id][region_name]
    group_ref = properties.get("GroupId") or properties.get("GroupName")
    before = {r.id for r in backend.get_security_group_by_name_or_id(group_ref).ingress_rules} if group_ref else set()
    ingress = _original_ingress_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    ingress.rule_ids = [r.id for r in ingress.security_group.ingress_rules if r.id not in before]
    return ingress


def _ingress_physical_id(self) -> str:
    ids = getattr(self, "rule_ids", None)
    return ids[0] if ids else ""


def _ingress_delete(self, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    group = backend.get_security_group_from_id(self.security_group.id)
    if group is None:
        return
    ids = set(getattr(self, "rule_ids", []))
    group.ingress_rules = [r for r in group.ingress_rules if r.id not in ids]


def apply() -> str:
    SecurityGroup.create_from_cloudformation_json = classmethod(_group_create)
    SecurityGroupIngress.create_from_cloudformation_json = classmethod(_ingress_create)
    SecurityGroupIngress.physical_resource_id = property(_ingress_physical_id)
    SecurityGroupIngress.delete = _ingress_delete
    return NAME
