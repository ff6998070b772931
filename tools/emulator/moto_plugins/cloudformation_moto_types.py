"""Corrections to CloudFormation types moto 5.2.5 has but builds or deletes unlike AWS: VPC plumbing,
security groups and SSM parameters. (Load balancer types are in load_balancing.py; types moto lacks
are in cloudformation_resource_types.py.)

- Deleting a stack deletes what it made: route tables, routes, subnet associations, internet gateways
  and their attachments, NAT gateways (and their interfaces), VPC endpoints and Elastic IPs. moto has
  no CloudFormation delete for these and skips them, so the VPC they belong to can never be deleted
  ("has dependencies") and DeleteStack fails or leaks. Something already gone counts as deleted, as
  in CloudFormation.
- AWS::EC2::SecurityGroup: a non-empty `SecurityGroupEgress` replaces the default allow-all egress rule
  (moto ignores the list, so every group from a template stayed open to everything); no
  `SecurityGroupEgress`, or an empty one, keeps the default, as in AWS.
- AWS::EC2::SecurityGroupIngress: the physical id is the rule id (`sgr-...`; moto gives none),
  deleting the resource revokes the rule (moto leaves it in place; a rule or group already gone counts
  as deleted), and `SourcePrefixListId` is a source as in AWS (moto fails an assertion, a 500).
- AWS::SSM::Parameter: without `Name` it gets one generated as CloudFormation does
  (`<stack>-<logical id>-<random suffix>`, no leading slash; the resource's Ref; moto crashes), `Tags`
  is a map as CloudFormation defines it (moto reads a Key/Value list, which is still accepted), an
  update without a name change overwrites the parameter in place (next version, same name, tags
  replaced; moto deletes it and creates one under a new random name), and deleting a parameter already
  gone succeeds.
- AWS::KMS::Key: `Tags` are a Key/Value list as CloudFormation defines them (moto hands them to a
  tagger that wants TagKey/TagValue and crashes with KeyError), and `KeyPolicy` is a JSON object that
  the key keeps as its policy document text (moto stores the object, so GetKeyPolicy answered a
  non-string).

AWS documentation: the CloudFormation User Guide's resource reference for each type (return values,
update behaviours) and "Deleting a stack".
"""

from __future__ import annotations

from typing import Any

import json

from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupIngress
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.kms.models import Key
from moto.ssm.models import Parameter, ssm_backends

from ._patching import patch
from ._resource_type import deleted_if_gone
from .cloudformation_resource_types import egress_rule_args

NAME = "cloudformation: VPC plumbing deleted with its stack; SecurityGroup inline egress, SecurityGroupIngress ids; SSM Parameter names, tags, updates; KMS Key tags and policy"


# --- VPC plumbing deleted with its stack -----------------------------------------------------------


def route_table_delete(self: RouteTable, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    for association_id in list(getattr(self, "_associations", {})):
        with deleted_if_gone():
            backend.disassociate_route_table(association_id)
    with deleted_if_gone():
        backend.delete_route_table(self.id)


def route_delete(self: Route, account_id: str, region_name: str) -> None:
    with deleted_if_gone():
        ec2_backends[account_id][region_name].delete_route(self.route_table.id, self.destination_cidr_block)


def association_delete(self: SubnetRouteTableAssociation, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    table = backend.route_tables.get(self.route_table_id)
    if table is None:
        return
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == self.subnet_id:
            with deleted_if_gone():
                backend.disassociate_route_table(association_id)


def attachment_delete(self: VPCGatewayAttachment, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    with deleted_if_gone():
        if str(self.gateway_id).startswith("igw-"):
            backend.detach_internet_gateway(self.gateway_id, self.vpc_id)
        else:
            backend.detach_vpn_gateway(self.gateway_id, self.vpc_id)


def internet_gateway_delete(self: InternetGateway, account_id: str, region_name: str) -> None:
    with deleted_if_gone():
        ec2_backends[account_id][region_name].delete_internet_gateway(self.id)


def nat_gateway_delete(self: NatGateway, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    with deleted_if_gone():
        backend.delete_nat_gateway(self.id)
    eni = getattr(self, "_eni", None)
    if eni is not None:
        for address in list(backend.addresses):
            if address.eni is eni:
                with deleted_if_gone():
                    backend.disassociate_address(address=address.public_ip)
        with deleted_if_gone():
            backend.delete_network_interface(eni.id)


def endpoint_delete(self: VPCEndPoint, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    with deleted_if_gone():
        backend.delete_vpc_endpoints([self.id])
    backend.vpc_end_points.pop(self.id, None)


def address_delete(self: ElasticAddress, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    with deleted_if_gone():
        if self.allocation_id:
            backend.release_address(allocation_id=self.allocation_id)
        else:
            backend.release_address(address=self.public_ip)


# --- security groups -------------------------------------------------------------------------------


def group_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """moto ignores SecurityGroupEgress; in AWS a non-empty list replaces the default egress rule."""
    group = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    egress = cloudformation_json.get("Properties", {}).get("SecurityGroupEgress") or []
    if egress:
        backend = ec2_backends[account_id][region_name]
        group.egress_rules = []  # a new group holds only the default rule(s), which the list replaces
        for rule in egress:
            backend.authorize_security_group_egress(group_name_or_id=group.id, **egress_rule_args(rule))
    return group


def ingress_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """Remembers the rule ids the resource authorized (its physical id, and what its delete revokes);
    authorizes a `SourcePrefixListId` rule itself (moto asserts a CIDR or a group)."""
    properties = cloudformation_json.get("Properties", {})
    backend = ec2_backends[account_id][region_name]
    group_ref = properties.get("GroupId") or properties.get("GroupName")
    if properties.get("SourcePrefixListId"):
        reference = {"PrefixListId": properties["SourcePrefixListId"]}
        if properties.get("Description"):
            reference["Description"] = properties["Description"]
        added, group = backend.authorize_security_group_ingress(
            group_name_or_id=group_ref,
            ip_protocol=str(properties.get("IpProtocol")),
            from_port=properties.get("FromPort"),
            to_port=properties.get("ToPort"),
            ip_ranges=[],
            prefix_list_ids=[reference],
        )
        ingress = cls(group, properties)
        ingress.rule_ids = [r.id for r in added]
        return ingress
    before = {r.id for r in backend.get_security_group_by_name_or_id(group_ref).ingress_rules} if group_ref else set()
    ingress = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    ingress.rule_ids = [r.id for r in ingress.security_group.ingress_rules if r.id not in before]
    return ingress


def ingress_physical_id(self) -> str:
    ids = getattr(self, "rule_ids", None)
    return ids[0] if ids else ""


def ingress_delete(self, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    group = backend.get_security_group_from_id(self.security_group.id)
    if group is None:
        return
    ids = set(getattr(self, "rule_ids", []))
    group.ingress_rules = [r for r in group.ingress_rules if r.id not in ids]


# --- AWS::SSM::Parameter ---------------------------------------------------------------------------


def _parameter_tags(tags: Any) -> list[dict[str, str]]:
    if not tags:
        return []
    if isinstance(tags, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]


def _put_parameter(name: str, properties: dict, account_id: str, region_name: str, overwrite: bool) -> Parameter:
    backend = ssm_backends[account_id][region_name]
    tags = _parameter_tags(properties.get("Tags"))
    parameter = backend.put_parameter(
        name=name,
        description=properties.get("Description"),
        value=properties.get("Value"),
        parameter_type=properties.get("Type"),
        allowed_pattern=properties.get("AllowedPattern"),
        keyid=properties.get("KeyId"),
        overwrite=overwrite,
        tags=None if overwrite else tags,
        data_type=properties.get("DataType", "text"),
        tier=properties.get("Tier"),
        policies=properties.get("Policies"),
    )
    if overwrite:
        current = dict(backend.list_tags_for_resource("Parameter", name))
        wanted = {t["Key"]: t["Value"] for t in tags}
        stale = [k for k in current if k not in wanted]
        if stale:
            backend.remove_tags_from_resource("Parameter", name, stale)
        if wanted:
            backend.add_tags_to_resource("Parameter", name, wanted)
    parameter.cfn_generated_name = not properties.get("Name")
    return parameter


def parameter_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """moto crashes without `Name` and reads `Tags` as a list; CloudFormation generates a name and
    defines Tags as a map."""
    properties = cloudformation_json.get("Properties", {})
    # moto passes `Name` when given, else the name it generated (<stack>-<logical id>-<suffix>).
    name = properties.get("Name") or resource_name
    return _put_parameter(name, properties, account_id, region_name, overwrite=False)


def parameter_update(original, cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str):
    """moto replaces the parameter under a new random name; CloudFormation updates it in place unless
    its name changes."""
    properties = cloudformation_json.get("Properties", {})
    if properties.get("Name"):
        name = properties["Name"]
    elif getattr(original_resource, "cfn_generated_name", False):
        name = original_resource.name  # CloudFormation keeps the name it generated
    else:
        name = new_resource_name  # the template dropped its Name: replaced under a generated one
    if name == original_resource.name:
        return _put_parameter(name, properties, account_id, region_name, overwrite=True)
    new = _put_parameter(name, properties, account_id, region_name, overwrite=False)
    _delete_parameter(original_resource.name, account_id, region_name)
    return new


def _delete_parameter(name: str, account_id: str, region_name: str) -> None:
    with deleted_if_gone():
        ssm_backends[account_id][region_name].delete_parameter(name)


def parameter_delete(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
    """A parameter already gone counts as deleted, as in CloudFormation."""
    _delete_parameter(resource_name or cloudformation_json.get("Properties", {}).get("Name"), account_id, region_name)


def key_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """AWS::KMS::Key: Key/Value tags and a policy object, as CloudFormation's schema defines them."""
    properties = dict(cloudformation_json.get("Properties") or {})
    tags = properties.get("Tags") or []
    properties["Tags"] = [
        {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in tags
    ]
    if isinstance(properties.get("KeyPolicy"), dict):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    return original(resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs)


def apply() -> str:
    for owner, delete in (
        (RouteTable, route_table_delete),
        (Route, route_delete),
        (SubnetRouteTableAssociation, association_delete),
        (VPCGatewayAttachment, attachment_delete),
        (InternetGateway, internet_gateway_delete),
        (NatGateway, nat_gateway_delete),
        (VPCEndPoint, endpoint_delete),
        (ElasticAddress, address_delete),
    ):
        patch(owner, "delete", delete, adds=True,
              corrects=f"{owner.__name__} has no CloudFormation delete: DeleteStack leaves it behind")
    patch(SecurityGroup, "create_from_cloudformation_json", group_create,
          corrects="AWS::EC2::SecurityGroup ignores SecurityGroupEgress (the default allow-all rule stays)")
    patch(SecurityGroupIngress, "create_from_cloudformation_json", ingress_create,
          corrects="AWS::EC2::SecurityGroupIngress records no rule id and rejects SourcePrefixListId")
    patch(SecurityGroupIngress, "physical_resource_id", property(ingress_physical_id), adds=True,
          corrects="AWS::EC2::SecurityGroupIngress has no physical id (AWS: the rule id)")
    patch(SecurityGroupIngress, "delete", ingress_delete, adds=True,
          corrects="deleting AWS::EC2::SecurityGroupIngress leaves its rule in place")
    patch(Parameter, "create_from_cloudformation_json", parameter_create,
          corrects="AWS::SSM::Parameter without Name crashes; Tags read as a list, not a map")
    patch(Parameter, "update_from_cloudformation_json", parameter_update,
          corrects="AWS::SSM::Parameter updates replace it under a new random name")
    patch(Key, "create_from_cloudformation_json", key_create,
          corrects="AWS::KMS::Key crashes on Key/Value Tags and keeps KeyPolicy as an object, not text")
    patch(Parameter, "delete_from_cloudformation_json", parameter_delete,
          corrects="deleting an AWS::SSM::Parameter already gone fails the stack deletion")
    return NAME
