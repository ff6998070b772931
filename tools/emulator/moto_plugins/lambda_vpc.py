"""Lambda reports the VPC of a VPC-attached function: VpcConfig.VpcId is its subnets' VPC.

moto 5.2.5 answers a fixed `vpc-123abc` for every function with security groups (and no VpcId
without them), so a check that a function sits in the VPC its blueprint names (the private-lambda
caller, the appliance configure function) could only ever see a VPC that does not exist. With this
plugin the VpcId is looked up from the function's first subnet, as the Lambda API Reference
(VpcConfigResponse) documents; for a subnet the emulator does not know, moto's answer stands. Also
reports Ipv6AllowedForDualStack (false unless set), as AWS does.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.ec2.exceptions import InvalidSubnetIdError
from moto.ec2.models import ec2_backends

from ._patching import patch

NAME = "lambda: VpcConfig.VpcId is the VPC of the function's subnets"


def vpc_config(original, self) -> dict[str, Any] | None:
    """moto answers a fixed vpc-123abc; AWS the VPC of the function's subnets."""
    config = original()
    if not config:
        return config
    subnets = config.get("SubnetIds") or []
    if subnets:
        try:
            config["VpcId"] = ec2_backends[self.account_id][self.region].get_subnet(subnets[0]).vpc_id
        except InvalidSubnetIdError:  # a subnet the emulator does not know: keep moto's answer
            pass
    config.setdefault("Ipv6AllowedForDualStack", False)
    return config


def apply() -> str:
    patch(LambdaFunction, "vpc_config", vpc_config, corrects="VpcConfig.VpcId is a fixed vpc-123abc")
    return NAME
