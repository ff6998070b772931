"""CloudFormation support for AWS::EC2::SecurityGroupEgress, which moto 5.2.5 silently skips.

The project's security groups start closed and open each flow with a separate egress resource; without
this, a stack deployed to the emulator would hold groups with no egress rules at all and tests of
network flows would see a different world from AWS.
"""

from typing import Any

from moto.core.common_models import CloudFormationModel

NAME = "cloudformation: AWS::EC2::SecurityGroupEgress"


class SecurityGroupEgress(CloudFormationModel):
    def __init__(self, group_id: str, rule_id: str, properties: dict):
        self.group_id = group_id
        self.rule_id = rule_id
        self.properties = properties

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupEgress"

    @property
    def physical_resource_id(self) -> str:
        return self.rule_id

    @staticmethod
    def _rule_args(properties: dict) -> dict:
        dest_group = properties.get("DestinationSecurityGroupId")
        cidr = properties.get("CidrIp")
        prefix_list = properties.get("DestinationPrefixListId")
        if not (dest_group or cidr or prefix_list):
            raise ValueError("AWS::EC2::SecurityGroupEgress needs a destination")
        return {
            "ip_protocol": properties["IpProtocol"],
            "from_port": properties.get("FromPort"),
            "to_port": properties.get("ToPort"),
            "ip_ranges": [{"CidrIp": cidr, "Description": properties.get("Description")}] if cidr else [],
            "source_groups": [{"GroupId": dest_group}] if dest_group else [],
            "prefix_list_ids": [{"PrefixListId": prefix_list}] if prefix_list else [],
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "SecurityGroupEgress":
        from moto.ec2.models import ec2_backends

        properties = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        rules, _group = backend.authorize_security_group_egress(
            group_name_or_id=properties["GroupId"], **cls._rule_args(properties)
        )
        return cls(properties["GroupId"], rules[0].id if rules else resource_name, properties)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        from moto.ec2.models import ec2_backends

        properties = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        try:
            backend.revoke_security_group_egress(group_name_or_id=properties["GroupId"], **cls._rule_args(properties))
        except Exception:  # the group may already be gone with the stack
            pass


def apply() -> str:
    # Subclassing CloudFormationModel registers the type: moto builds its type map from the
    # subclasses the first time a stack is parsed, after this module is imported.
    return NAME
