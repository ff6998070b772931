"""Lambda reports the VPC of a VPC-attached function: VpcConfig.VpcId is its subnets' VPC.

moto 5.2.5 answers a fixed `vpc-123abc` for every function with security groups (and no VpcId
without them), so a check that a function sits in the VPC its blueprint names (the private-lambda
caller, the appliance configure function) could only ever see a VPC that does not exist. With this
plugin the VpcId is looked up from the function's first subnet; for a subnet the emulator does not
know, moto's answer stands. Also reports Ipv6AllowedForDualStack (false unless set), as AWS does.
"""

from typing import Any

from moto.awslambda.models import LambdaFunction

NAME = "lambda: VpcConfig.VpcId is the VPC of the function's subnets"

_original = LambdaFunction.vpc_config


def _vpc_config(self) -> dict[str, Any] | None:
    config = _original.fget(self)
    if not config:
        return config
    subnets = config.get("SubnetIds") or []
    if subnets:
        from moto.ec2.models import ec2_backends

        try:
            config["VpcId"] = ec2_backends[self.account_id][self.region].get_subnet(subnets[0]).vpc_id
        except Exception:  # a subnet the emulator does not know: keep moto's answer
            pass
    config.setdefault("Ipv6AllowedForDualStack", False)
    return config


def apply() -> str:
    LambdaFunction.vpc_config = property(_vpc_config)
    return NAME
