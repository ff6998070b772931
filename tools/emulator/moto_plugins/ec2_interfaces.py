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
- detaching is asynchronous: DetachNetworkInterface leaves the interface attached with attachment
  status `detaching` for a while (`/_iac/ec2/detach` sets how long; 1 s by default), then it is
  `available`; DeleteNetworkInterface of an interface that is attached or still detaching answers
  `InvalidNetworkInterface.InUse`, as AWS does until the detach completes;
- AttachNetworkInterface at a device index the instance already uses answers
  `InvalidParameterValue` (moto attached a second interface there);
- DeleteSecurityGroup and DeleteSubnet fail with `DependencyViolation` while an interface uses the group
  or subnet: the most common stack-deletion failure of VPC Lambda functions, whose interfaces outlive
  the function for a while (`cargo xtask destroy` waits them out; its test needs the failure).

Control: `POST /_iac/ec2/detach {"seconds": 0.2}` sets how long a detach takes (0: it completes at the
next request that looks at the interface); `GET` shows it; a reset restores the default.

AWS documentation: EC2 User Guide, "Elastic network interfaces" (attach/detach, delete on termination;
"detaching" in the attachment states), DeleteNetworkInterface (an attached interface cannot be deleted),
EC2 API Reference DescribeNetworkInterfaces (filters), DeleteSecurityGroup / DeleteSubnet
(DependencyViolation).
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from moto.core.responses import EmptyResult
from moto.ec2.exceptions import DependencyViolationError, EC2ClientError, InvalidNetworkAttachmentIdError
from moto.ec2.models.elastic_network_interfaces import NetworkInterface, NetworkInterfaceBackend
from moto.ec2.models.instances import Instance
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.ec2.models.subnets import SubnetBackend
from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

from . import _control
from ._patching import patch

NAME = (
    "ec2: interface attachments, DeleteOnTermination, attachment filters, asynchronous detach; "
    "groups and subnets in use cannot be deleted"
)

DEFAULT_DETACH_SECONDS = 1.0

_lock = threading.RLock()
_detach_seconds = DEFAULT_DETACH_SECONDS
# Interfaces whose detach is under way: interface id -> (interface, when the detach completes).
_detaching: dict[str, tuple[Any, float]] = {}


def interface_in_use(eni_id: str) -> EC2ClientError:
    # moto's own class: moto finds an error's service model from the module of its class.
    return EC2ClientError("InvalidNetworkInterface.InUse", f"Network interface '{eni_id}' is currently in use.")


def settle() -> None:
    """Completes every detach whose time has come (lazily, when a request looks at interfaces)."""
    now = time.monotonic()
    with _lock:
        due = [eni for eni, at in _detaching.values() if at <= now]
        for eni in due:
            _detaching.pop(eni.id, None)
            if eni.instance is not None and eni.attachment_id:
                eni.instance.detach_eni(eni)


def is_detaching(eni: Any) -> bool:
    with _lock:
        return eni.id in _detaching


def reset() -> None:
    global _detach_seconds
    with _lock:
        _detaching.clear()
        _detach_seconds = DEFAULT_DETACH_SECONDS


def detach_control(method: str, body: Any) -> tuple[int, Any]:
    global _detach_seconds
    if method == "GET":
        return 200, {"seconds": _detach_seconds}
    if method == "POST":
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 60:
            raise _control.BadRequest(f"'seconds' must be a number 0..60, got {seconds!r}")
        _detach_seconds = float(seconds)
        return 200, {"seconds": _detach_seconds}
    return 405, {"error": f"{method} not allowed"}


def detach_network_interface(original, self) -> Any:
    """moto detaches at once; AWS leaves the interface `detaching` until the detach completes."""
    settle()
    attachment_id = self._get_param("AttachmentId")
    self.error_on_dryrun()
    with _lock:
        for eni in self.ec2_backend.enis.values():
            if eni.attachment_id == attachment_id:
                if eni.id not in _detaching:
                    if eni.instance is not None and len(eni.instance.nics) == 1:
                        break  # moto's own answer: the last interface cannot be detached
                    _detaching[eni.id] = (eni, time.monotonic() + _detach_seconds)
                return EmptyResult()
    return original()


def attach_network_interface(original, self) -> Any:
    """moto attaches a second interface at a device index in use; AWS refuses."""
    settle()
    instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
    index = self._get_param("DeviceIndex")
    if index is not None and int(index) in instance.nics:
        raise EC2ClientError(
            "InvalidParameterValue",
            f"Instance '{instance.id}' already has an interface attached at device index '{index}'.",
        )
    return original()


def delete_network_interface(original, self) -> Any:
    """moto deletes an attached interface; AWS answers InvalidNetworkInterface.InUse until it is detached."""
    settle()
    eni_id = self._get_param("NetworkInterfaceId")
    eni = self.ec2_backend.enis.get(eni_id)
    if eni is not None and (eni.attachment_id or is_detaching(eni)):
        raise interface_in_use(eni_id)
    return original()


def get_all_network_interfaces(original, self, *args: Any, **kwargs: Any) -> Any:
    settle()
    return original(*args, **kwargs)


def attachment(original, self) -> Any:
    """The attachment of an interface being detached has the status `detaching`."""
    value = original()
    if value is not None and is_detaching(self):
        value.status = "detaching"
    return value


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
        return ("detaching" if is_detaching(self) else "attached") if attached else None
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
    settle()
    with _lock:  # the instance takes interfaces it was detaching with it
        for eni in list(self.nics.values()):
            _detaching.pop(eni.id, None)
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
    patch(ElasticNetworkInterfaces, "detach_network_interface", detach_network_interface,
          corrects="DetachNetworkInterface completes at once (AWS: the interface is detaching for a while)")
    patch(ElasticNetworkInterfaces, "attach_network_interface", attach_network_interface,
          corrects="AttachNetworkInterface accepts a device index the instance already uses")
    patch(ElasticNetworkInterfaces, "delete_network_interface", delete_network_interface,
          corrects="DeleteNetworkInterface deletes an interface that is attached or detaching")
    patch(NetworkInterfaceBackend, "get_all_network_interfaces", get_all_network_interfaces,
          corrects="(asynchronous detach) completed detaches are settled before interfaces are described")
    patch(NetworkInterface, "attachment", attachment,
          corrects="an attachment's status is never `detaching`")
    _control.register("/_iac/ec2/detach", detach_control)
    _control.on_reset(reset)
    patch(SecurityGroupBackend, "_delete_security_group", delete_security_group,
          corrects="DeleteSecurityGroup succeeds while a network interface uses the group")
    patch(SubnetBackend, "delete_subnet", delete_subnet,
          corrects="DeleteSubnet succeeds while a network interface uses the subnet")
    return NAME
