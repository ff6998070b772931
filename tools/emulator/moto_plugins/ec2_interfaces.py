"""EC2 network interfaces as AWS documents them: attachments, DeleteOnTermination, filters, and the
dependencies an interface holds (its security groups and subnet).

moto 5.2.5 ignores ModifyNetworkInterfaceAttribute's `Attachment.DeleteOnTermination`, creates an
instance's interfaces with DeleteOnTermination=false, leaves every interface attached to a terminated
instance, answers the DescribeNetworkInterfaces filters `attachment.device-index` and
`attachment.status` with a 500, and deletes a security group or subnet that an interface still uses.
With this plugin, as in AWS:

- `ModifyNetworkInterfaceAttribute Attachment={AttachmentId, DeleteOnTermination}` is honoured (an
  AttachmentId that is not the interface's current one is `InvalidAttachmentID.NotFound`);
- interfaces created with an instance default to DeleteOnTermination=true (explicit values kept);
- terminating an instance deletes its DeleteOnTermination interfaces (disassociating their Elastic IPs,
  which stay allocated) and detaches the others, which become `available`; terminating a terminated
  instance is a no-op;
- DescribeNetworkInterfaces supports `attachment.device-index`, `attachment.status` and
  `attachment.delete-on-termination`;
- DeleteSecurityGroup and DeleteSubnet fail with `DependencyViolation` while an interface uses the group
  or subnet: the most common stack-deletion failure of VPC Lambda functions, whose interfaces outlive
  the function for a while (`cargo xtask destroy` waits them out; its test needs the failure).

AWS documentation: EC2 User Guide, "Elastic network interfaces" (attach/detach, delete on termination),
EC2 API Reference DescribeNetworkInterfaces (filters), DeleteSecurityGroup / DeleteSubnet
(DependencyViolation).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.ec2.exceptions import DependencyViolationError, InvalidNetworkAttachmentIdError
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.models.instances import Instance
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.ec2.models.subnets import SubnetBackend
from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

from ._patching import patch

NAME = "ec2: interface attachments, DeleteOnTermination, attachment filters; groups and subnets in use cannot be deleted"


def modify_network_interface_attribute(original, self):
    """moto ignores `Attachment.DeleteOnTermination`; AWS sets it on the named, current attachment."""
    attachment_id = self._get_param("Attachment.AttachmentId")
    delete = self._get_param("Attachment.DeleteOnTermination")
    eni = None
    if attachment_id is not None or delete is not None:
        eni = self.ec2_backend.get_network_interface(self._get_param("NetworkInterfaceId"))
        if not attachment_id or eni.attachment_id != attachment_id:
            raise InvalidNetworkAttachmentIdError(attachment_id)
    out = original()
    if eni is not None and delete is not None:
        eni.delete_on_termination = str(delete).lower() == "true"
    return out


def get_filter_value(original, self, filter_name: str, method_name: str | None = None) -> Any:
    """moto raises FilterNotImplementedError (HTTP 500) for these DescribeNetworkInterfaces filters."""
    attached = bool(self.attachment_id)
    if filter_name == "attachment.device-index":
        return self.device_index if attached else None
    if filter_name == "attachment.status":
        return "attached" if attached else None
    if filter_name == "attachment.delete-on-termination":
        return bool(self.delete_on_termination) if attached else None
    return original(filter_name, method_name)


def prep_nics(original, self, nic_spec: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
    """moto creates an instance's interfaces with DeleteOnTermination=false; AWS defaults to true."""
    original(nic_spec, *args, **kwargs)
    existing, explicit = set(), {}
    for nic in nic_spec or []:
        index = int(nic.get("DeviceIndex", 0))
        if nic.get("NetworkInterfaceId"):
            existing.add(index)
        elif nic.get("DeleteOnTermination") is not None:
            explicit[index] = str(nic["DeleteOnTermination"]).lower() == "true"
    for index, eni in self.nics.items():
        if index not in existing:
            eni.delete_on_termination = explicit.get(index, True)


def terminate(original, self):
    """moto leaves every interface attached to a terminated instance; AWS deletes the
    DeleteOnTermination ones and detaches the others (which become `available`)."""
    if self._state.name == "terminated":
        return copy.copy(self._state)
    backend = self.ec2_backend
    nics = list(self.nics.items())
    doomed = [eni for _, eni in nics if eni.delete_on_termination]
    for eni in doomed:  # deleted below, with their addresses
        eni.delete_on_termination = False
    try:
        previous = original()
    finally:
        for eni in doomed:
            eni.delete_on_termination = True
    for index, eni in nics:
        if eni in doomed:
            for address in backend.addresses:
                if address.eni is eni:  # the address stays allocated, unassociated
                    address.eni = None
                    address.instance = None
                    address.association_id = None
            eni.public_ip = None
            if eni.id in backend.enis:
                eni.delete()
        else:
            for address in backend.addresses:
                if address.instance is self:
                    address.instance = None
            eni.instance = None
            eni.attachment_id = None
            eni.attach_time = None
            eni.status = "available"
            eni.device_index = None
            if index != 0:  # moto describes a terminated instance from its primary interface
                self.nics.pop(index, None)
    return previous


def delete_security_group(original, self, vpc_id: Any, group_id: str) -> Any:
    """moto deletes a group an interface uses; AWS answers DependencyViolation."""
    for eni in self.get_all_network_interfaces():
        if any(getattr(g, "id", None) == group_id for g in eni._group_set):
            raise DependencyViolationError(f"resource {group_id} has a dependent object")
    return original(vpc_id, group_id)


def delete_subnet(original, self, subnet_id: str) -> Any:
    """moto deletes a subnet an interface uses; AWS answers DependencyViolation."""
    for eni in self.get_all_network_interfaces():
        subnet = getattr(eni, "subnet", None)
        if getattr(subnet, "id", subnet) == subnet_id:
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
    return original(subnet_id)


def apply() -> str:
    patch(ElasticNetworkInterfaces, "modify_network_interface_attribute", modify_network_interface_attribute,
          corrects="ModifyNetworkInterfaceAttribute ignores Attachment.DeleteOnTermination")
    patch(NetworkInterface, "get_filter_value", get_filter_value,
          corrects="DescribeNetworkInterfaces filters attachment.device-index/status/delete-on-termination are a 500")
    patch(Instance, "prep_nics", prep_nics,
          corrects="interfaces created with an instance default to DeleteOnTermination=false")
    patch(Instance, "terminate", terminate,
          corrects="terminating an instance leaves all its interfaces attached")
    patch(SecurityGroupBackend, "_delete_security_group", delete_security_group,
          corrects="DeleteSecurityGroup succeeds while a network interface uses the group")
    patch(SubnetBackend, "delete_subnet", delete_subnet,
          corrects="DeleteSubnet succeeds while a network interface uses the subnet")
    return NAME
