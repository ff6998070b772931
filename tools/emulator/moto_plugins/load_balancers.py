"""CloudFormation AWS::ElasticLoadBalancingV2::LoadBalancer: honour Type, SubnetMappings, IpAddressType,
LoadBalancerAttributes and Tags.

moto 5.2.5 creates every load balancer from a template as an `application` one from `Subnets` only, so a
Network Load Balancer with Elastic IPs (SubnetMappings) cannot be created and its TCP listeners fail.
"""

from typing import Any

from moto.elbv2.models import FakeLoadBalancer, elbv2_backends

NAME = "cloudformation: LoadBalancer Type, SubnetMappings, attributes"


def _create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
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


def apply() -> str:
    FakeLoadBalancer.create_from_cloudformation_json = classmethod(_create)
    return NAME
