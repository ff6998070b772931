"""EC2 CreateVpc and CreateSubnet honour a tag `emulator:id`: the new VPC or subnet gets that id.

`cargo xtask deploy --target local` creates stand-ins for what a blueprint references but does not own
(an existing VPC and its subnets, named by their real ids); moto would give them random ids and the
templates' references would point at nothing. (An emulator-only convenience, not an AWS behaviour: AWS
chooses ids; a duplicate id is refused as AWS refuses a duplicate, `InvalidVpcID.Duplicate` /
`InvalidSubnetID.Duplicate`.)
"""

from __future__ import annotations

import threading
from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import subnets as subnets_module
from moto.ec2.models import vpcs as vpcs_module

from ._patching import patch

NAME = "ec2: CreateVpc/CreateSubnet honour the emulator:id tag"
TAG = "emulator:id"

# The id the next random_vpc_id()/random_subnet_id() call of this thread returns instead of a random one.
_chosen = threading.local()


def _next_id(kind: str, original):
    chosen = getattr(_chosen, kind, None)
    if chosen is None:
        return original()
    setattr(_chosen, kind, None)
    return chosen


def random_vpc_id(original):
    """moto draws a random id; a stand-in's id is the one its tag names."""
    return _next_id("vpc", original)


def random_subnet_id(original):
    """moto draws a random id; a stand-in's id is the one its tag names."""
    return _next_id("subnet", original)


def _with_id(kind: str, custom: str, call):
    setattr(_chosen, kind, custom)
    try:
        return call()
    finally:
        setattr(_chosen, kind, None)


def create_vpc(original, self, cidr_block: str, *args: Any, tags: Any = None, **kwargs: Any):
    """CreateVpc with the emulator:id tag creates the VPC under that id."""
    custom = next((t["Value"] for t in tags or [] if t.get("Key") == TAG), None)
    if custom is None:
        return original(cidr_block, *args, tags=tags, **kwargs)
    if custom in self.vpcs:
        raise EC2ClientError("InvalidVpcID.Duplicate", f"The vpc ID '{custom}' already exists")
    return _with_id("vpc", custom, lambda: original(cidr_block, *args, tags=tags, **kwargs))


def create_subnet(original, self, vpc_id: str, cidr_block: str, *args: Any, tags: Any = None, **kwargs: Any):
    """CreateSubnet with the emulator:id tag creates the subnet under that id."""
    custom = (tags or {}).get("subnet", {}).get(TAG)
    if custom is None:
        return original(vpc_id, cidr_block, *args, tags=tags, **kwargs)
    if any(custom in by_id for by_id in self.subnets.values()):
        raise EC2ClientError("InvalidSubnetID.Duplicate", f"The subnet ID '{custom}' already exists")
    return _with_id("subnet", custom, lambda: original(vpc_id, cidr_block, *args, tags=tags, **kwargs))


def apply() -> str:
    patch(vpcs_module, "random_vpc_id", random_vpc_id, corrects="stand-in VPCs cannot have a chosen id")
    patch(subnets_module, "random_subnet_id", random_subnet_id, corrects="stand-in subnets cannot have a chosen id")
    patch(vpcs_module.VPCBackend, "create_vpc", create_vpc, corrects="CreateVpc ignores the emulator:id tag")
    patch(subnets_module.SubnetBackend, "create_subnet", create_subnet, corrects="CreateSubnet ignores the emulator:id tag")
    return NAME
