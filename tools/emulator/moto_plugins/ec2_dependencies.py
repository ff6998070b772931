"""EC2 refuses to delete a security group or subnet that a network interface still uses, as AWS does.

moto 5.2.5 deletes both regardless, so nothing could ever show the most common stack-deletion
failure of VPC Lambda functions: their network interfaces outlive the function for a while and hold
its security groups and subnets (`cargo xtask destroy` waits them out; its test needs the failure).
"""

from typing import Any

from moto.ec2.exceptions import DependencyViolationError
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.ec2.models.subnets import SubnetBackend

NAME = "ec2: security groups and subnets in use by an interface cannot be deleted"


def apply() -> str:
    original_group = SecurityGroupBackend._delete_security_group
    original_subnet = SubnetBackend.delete_subnet

    def delete_group(self, vpc_id: Any, group_id: str) -> Any:
        for eni in self.get_all_network_interfaces():
            if any(getattr(g, "id", None) == group_id for g in eni._group_set):
                raise DependencyViolationError(f"resource {group_id} has a dependent object")
        return original_group(self, vpc_id, group_id)

    def delete_subnet(self, subnet_id: str) -> Any:
        for eni in self.get_all_network_interfaces():
            subnet = getattr(eni, "subnet", None)
            if getattr(subnet, "id", subnet) == subnet_id:
                raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return original_subnet(self, subnet_id)

    SecurityGroupBackend._delete_security_group = delete_group
    SubnetBackend.delete_subnet = delete_subnet
    return NAME
