"""CloudFormation AWS::ElasticLoadBalancingV2::TargetGroup: honour Name, Targets and TargetGroupAttributes.

moto 5.2.5 names the group after its logical id and ignores the other two, so a `lambda` target group
deployed from a template would have no target and the wrong ARN. The project's templates give target
groups deterministic names (the Lambda invoke permission is scoped to that name) and register the
function through `Targets`.
"""

from typing import Any

from moto.elbv2.models import FakeTargetGroup, elbv2_backends

NAME = "cloudformation: TargetGroup Name, Targets, TargetGroupAttributes"

_original = FakeTargetGroup.create_from_cloudformation_json.__func__


def _create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    properties = cloudformation_json.get("Properties", {})
    group = _original(cls, properties.get("Name", resource_name), cloudformation_json, account_id, region_name, **kwargs)
    backend = elbv2_backends[account_id][region_name]
    targets = [{k: v for k, v in t.items() if k in ("Id", "Port", "AvailabilityZone")} for t in properties.get("Targets", [])]
    if targets:
        backend.register_targets(group.arn, targets)
    attributes = {a["Key"]: a["Value"] for a in properties.get("TargetGroupAttributes", [])}
    if attributes:
        backend.modify_target_group_attributes(group.arn, attributes)
    return group


def apply() -> str:
    FakeTargetGroup.create_from_cloudformation_json = classmethod(_create)
    return NAME
