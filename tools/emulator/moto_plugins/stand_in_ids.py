"""EC2 CreateVpc, CreateSubnet and CreateSecurityGroup honour a tag `emulator:id`: the new VPC, subnet or
security group gets that id.

`cargo xtask deploy --target local` creates stand-ins for what a blueprint references but does not own
(an existing VPC and its subnets, named by their real ids); moto would give them random ids and the
templates' references would point at nothing. (An emulator-only convenience, not an AWS behaviour: AWS
chooses ids; a duplicate id is refused as AWS refuses a duplicate, `InvalidVpcID.Duplicate` /
`InvalidSubnetID.Duplicate`.)

Certificates: `POST /_iac/stand-ins/certificates` with `{"arn": "arn:aws:acm:<region>:<account>:certificate/<id>",
"domain_name": "...", "region": "us-east-1"}` issues a certificate for the domain under exactly that ARN
(ACM chooses ARNs, and an HTTPS listener refuses a certificate ARN ACM does not know, as AWS does), in
`region` (default: the ARN's own; the local target deploys every stack to one region, whatever region a
blueprint's certificate names). 201 when created, 200 when a certificate with that ARN exists already
there; 400 for an ARN that is not an ACM certificate ARN.
"""

from __future__ import annotations

import threading
from typing import Any

import re

from moto.acm.models import CertBundle, acm_backends
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import security_groups as security_groups_module
from moto.ec2.models import subnets as subnets_module
from moto.ec2.models import vpcs as vpcs_module

from . import _control
from ._patching import patch

NAME = "ec2: CreateVpc/CreateSubnet/CreateSecurityGroup honour the emulator:id tag; acm: stand-in certificates under chosen ARNs"
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


def random_security_group_id(original):
    """moto draws a random id; a stand-in's id is the one its tag names."""
    return _next_id("security_group", original)


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


def create_security_group(original, self, name: str, description: str, *args: Any, tags: Any = None, **kwargs: Any):
    """CreateSecurityGroup with the emulator:id tag creates the group under that id (a stand-in for
    the blueprint's existing group, which a template references by id)."""
    custom = tags.get(TAG) if isinstance(tags, dict) else None
    if custom is None:
        return original(name, description, *args, tags=tags, **kwargs)
    if any(custom in by_id for by_id in self.groups.values()):
        raise EC2ClientError("InvalidGroup.Duplicate", f"The security group '{custom}' already exists")
    return _with_id("security_group", custom, lambda: original(name, description, *args, tags=tags, **kwargs))


CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate/[A-Za-z0-9-]+$")


def certificates(method: str, body: Any) -> tuple[int, Any]:
    """A stand-in for an existing ACM certificate: issued, for its domain, under the blueprint's ARN."""
    if method != "POST":
        return 405, {"error": f"{method} not allowed: POST a certificate"}
    if not isinstance(body, dict) or not isinstance(body.get("arn"), str):
        raise _control.BadRequest('expected {"arn": "arn:aws:acm:...:certificate/...", "domain_name": "..."}')
    arn = body["arn"]
    found = CERTIFICATE_ARN.match(arn)
    if found is None:
        raise _control.BadRequest(f"'{arn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)")
    region, account = body.get("region") or found.group(1), found.group(2)
    domain = body.get("domain_name") or "example.com"
    if not isinstance(domain, str) or not isinstance(region, str):
        raise _control.BadRequest("domain_name and region must be strings")
    backend = acm_backends[account][region]
    if arn in backend._certificates:
        return 200, {"arn": arn, "created": False}
    bundle = CertBundle.generate_cert(domain, account_id=account, region=region)
    bundle.arn = arn
    bundle.status = "ISSUED"
    backend._certificates[arn] = bundle
    return 201, {"arn": arn, "created": True}


def apply() -> str:
    patch(vpcs_module, "random_vpc_id", random_vpc_id, corrects="stand-in VPCs cannot have a chosen id")
    patch(subnets_module, "random_subnet_id", random_subnet_id, corrects="stand-in subnets cannot have a chosen id")
    patch(vpcs_module.VPCBackend, "create_vpc", create_vpc, corrects="CreateVpc ignores the emulator:id tag")
    patch(subnets_module.SubnetBackend, "create_subnet", create_subnet, corrects="CreateSubnet ignores the emulator:id tag")
    patch(security_groups_module, "random_security_group_id", random_security_group_id,
          corrects="stand-in security groups cannot have a chosen id")
    patch(security_groups_module.SecurityGroupBackend, "create_security_group", create_security_group,
          corrects="CreateSecurityGroup ignores the emulator:id tag")
    _control.register("/_iac/stand-ins/certificates", certificates)
    return NAME
