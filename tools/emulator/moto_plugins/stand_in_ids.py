"""EC2 CreateVpc and CreateSubnet honour a tag `emulator:id`: the new VPC or subnet gets that id.

`cargo xtask deploy --target local` creates stand-ins for what a blueprint references but does not own
(an existing VPC and its subnets, named by their real ids); without this, moto would give them random
ids and the templates' references would point at nothing.
"""

import threading
from typing import Any

from moto.ec2.models import subnets as subnets_module
from moto.ec2.models import vpcs as vpcs_module

NAME = "ec2: CreateVpc/CreateSubnet honour the emulator:id tag"
TAG = "emulator:id"
_lock = threading.Lock()


class DuplicateId(Exception):
    pass


def _with_id(module: Any, function: str, custom: str, call):
    """Runs `call` with `module.function` returning `custom` (moto draws ids from these helpers)."""
    with _lock:
        original = getattr(module, function)
        setattr(module, function, lambda: custom)
        try:
            return call()
        finally:
            setattr(module, function, original)


def apply() -> str:
    from moto.ec2.exceptions import EC2ClientError

    original_vpc = vpcs_module.VPCBackend.create_vpc
    original_subnet = subnets_module.SubnetBackend.create_subnet

    def create_vpc(self, cidr_block: str, *args: Any, tags: Any = None, **kwargs: Any):
        custom = next((t["Value"] for t in tags or [] if t.get("Key") == TAG), None)
        if custom is None:
            return original_vpc(self, cidr_block, *args, tags=tags, **kwargs)
        if custom in self.vpcs:
            raise EC2ClientError("InvalidVpcID.Duplicate", f"The vpc ID '{custom}' already exists")
        return _with_id(vpcs_module, "random_vpc_id", custom, lambda: original_vpc(self, cidr_block, *args, tags=tags, **kwargs))

    def create_subnet(self, vpc_id: str, cidr_block: str, *args: Any, tags: Any = None, **kwargs: Any):
        custom = (tags or {}).get("subnet", {}).get(TAG)
        if custom is None:
            return original_subnet(self, vpc_id, cidr_block, *args, tags=tags, **kwargs)
        if any(custom in by_id for by_id in self.subnets.values()):
            raise EC2ClientError("InvalidSubnetID.Duplicate", f"The subnet ID '{custom}' already exists")
        return _with_id(
            subnets_module, "random_subnet_id", custom, lambda: original_subnet(self, vpc_id, cidr_block, *args, tags=tags, **kwargs)
        )

    vpcs_module.VPCBackend.create_vpc = create_vpc
    subnets_module.SubnetBackend.create_subnet = create_subnet
    return NAME
