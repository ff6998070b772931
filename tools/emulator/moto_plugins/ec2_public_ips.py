"""Public IPv4 addresses on launch as AWS assigns them.

moto 5.2.5:
- ignores `MapPublicIpOnLaunch` on an `AWS::EC2::Subnet` in a template, so instances launched into a
  public subnet of a stack get no public address, while a template subnet that moto takes for its
  zone's first (default) subnet maps addresses it should not (the API's ModifySubnetAttribute works);
- ignores `AssociatePublicIpAddress` on a launch template's primary network interface, for
  RunInstances with that template and for Auto Scaling groups launching from it;
- draws auto-assigned public addresses at random from 54.214.0.0/16, so two instances can get the
  same address, which AWS never does (and a test counting addresses sees fewer than it launched).

AWS documentation: Amazon VPC User Guide, "IP addressing for your VPCs and subnets" (a subnet's
public-IPv4 attribute, which an instance's primary interface inherits unless the launch says
otherwise); EC2 User Guide, "Launch templates" (network interface settings apply to the instance, and
`AssociatePublicIpAddress` there overrides the subnet's attribute); AWS::EC2::Subnet
`MapPublicIpOnLaunch`.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
from typing import Any

from moto.ec2.models import elastic_network_interfaces
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.models.subnets import Subnet

from ._patching import patch

NAME = "ec2: public IPs from MapPublicIpOnLaunch in templates and launch-template interfaces, unique per server"

# Auto-assigned addresses come from one block, in order, so no two interfaces share one in any region.
_FIRST = int(ipaddress.IPv4Address("44.192.0.1"))
_next = itertools.count()
_lock = threading.Lock()


def unique_public_ip(original) -> str:
    with _lock:
        n = next(_next)
    return str(ipaddress.IPv4Address(_FIRST + n))


def _truthy(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def subnet_create(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str,
                  **kwargs: Any):
    subnet = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    # CloudFormation's default is false; moto marks the first subnet it sees in a zone as the zone's
    # default subnet, which maps public addresses.
    subnet.map_public_ip_on_launch = bool(_truthy((cloudformation_json.get("Properties") or {}).get("MapPublicIpOnLaunch")))
    return subnet


def run_instances(original, self: InstanceBackend, image_id: str, count: int, user_data: Any,
                  security_group_names: list[str], **kwargs: Any):
    """An explicit launch choice wins; otherwise the template's primary interface decides; otherwise
    (None) the instance inherits its subnet's attribute, which moto already does."""
    if kwargs.get("associate_public_ip") is None and kwargs.get("launch_template"):
        data = self._get_template_from_args(kwargs["launch_template"]).data
        for nic in data.get("NetworkInterfaces") or []:
            if str(nic.get("DeviceIndex", 0)) == "0":
                choice = _truthy(nic.get("AssociatePublicIpAddress"))
                if choice is not None:
                    kwargs["associate_public_ip"] = choice
                break
    return original(image_id, count, user_data, security_group_names, **kwargs)


def apply() -> str:
    patch(elastic_network_interfaces, "random_public_ip", unique_public_ip,
          corrects="auto-assigned public IPs are random and can repeat")
    patch(Subnet, "create_from_cloudformation_json", subnet_create,
          corrects="AWS::EC2::Subnet MapPublicIpOnLaunch is ignored")
    patch(InstanceBackend, "run_instances", run_instances,
          corrects="a launch template's AssociatePublicIpAddress is ignored")
    return NAME
