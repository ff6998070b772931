"""EC2 traffic mirror sessions checked as AWS checks them, and the mirroring CloudFormation types.

moto 5.2.5 stores sessions but checks nothing: the same ClientToken twice gives two sessions, any
session number is accepted any number of times on one interface, an interface takes any number of
sessions, unknown interfaces, targets and filters are accepted, `NetworkInterfaceNotSupported` is
never raised, `tag:`/`tag-key` filters are ignored (every session is returned), the `session-number`
filter never matches (an int compared with a string), deleting an unknown session succeeds, and a
deleted interface keeps its sessions. Targets and filters get `traf-mir-tar-`/`traf-mir-fil-` ids
(AWS: `tmt-`/`tmf-`), and the four `AWS::EC2::TrafficMirror*` types are skipped in templates.

With this plugin, as the EC2 API Reference (CreateTrafficMirrorSession, error codes) and the traffic
mirroring quotas document:
- CreateTrafficMirrorSession: the interface must exist (`InvalidNetworkInterfaceID.NotFound`), the
  target and filter too (`InvalidTrafficMirrorTargetId.NotFound`, `InvalidTrafficMirrorFilterId.NotFound`);
  the session number is 1..32766 and unique on the interface, which carries at most 3 sessions
  (`TrafficMirrorSessionsPerInterfaceLimitExceeded`); a repeated ClientToken with the same parameters
  returns the first session, with other parameters `IdempotentParameterMismatch`. Checks and creation
  are atomic across the server's threads (concurrent duplicates give one session).
- An interface tagged `emulator:not-mirrorable` stands for one AWS cannot mirror (not on a Nitro
  host): `NetworkInterfaceNotSupported`. (An emulator-only knob: AWS decides by the capacity.)
- DescribeTrafficMirrorSessions honours `tag:<key>`, `tag-key` and `session-number`.
- DeleteTrafficMirrorSession of an unknown id: `InvalidTrafficMirrorSessionId.NotFound`.
- Deleting an interface deletes its sessions.
- Targets and filters have `tmt-`/`tmf-` ids; `AWS::EC2::TrafficMirrorTarget`, `...Filter` and
  `...FilterRule` are created by templates (rules and network services are kept on their filter and
  shown by DescribeTrafficMirrorFilters); a target or filter a session uses cannot be deleted.
- CreateTrafficMirrorTarget (moto accepts any id or ARN, or none): exactly one of the interface, the
  Network Load Balancer and the Gateway Load Balancer endpoint (`MissingParameter`,
  `InvalidParameterCombination`), and it must exist: an interface (`InvalidNetworkInterfaceID.NotFound`),
  an elbv2 load balancer of type `network` (`LoadBalancerNotFound`; another type is
  `InvalidParameterValue`), a VPC endpoint of type `GatewayLoadBalancer` (`InvalidVpcEndpointId.NotFound`;
  another type is `InvalidParameterValue`).

Stand-ins: `POST /_iac/stand-ins/network-load-balancers` with `{"arn": "arn:aws:elasticloadbalancing:
<region>:<account>:loadbalancer/net/<name>/<id>", "region": "us-east-1"}` creates an internal Network
Load Balancer with exactly that ARN (no subnets) in `region` (default: the ARN's), for
`cargo xtask deploy --target local`, whose blueprints name existing load balancers as mirror targets.
201 when created, 200 when it exists, 400 for an ARN that is not a Network Load Balancer's.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from moto.elbv2.models import FakeLoadBalancer, elbv2_backends

from moto.core.common_models import CloudFormationModel
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models import elastic_network_interfaces as eni_module
from moto.ec2.models import traffic_mirrors as mirrors
from moto.ec2.utils import random_id

from . import _control
from ._patching import patch
from ._resource_type import ResourceType, deleted_if_gone

NAME = "ec2: traffic mirror sessions checked (ENI, numbers, 3 per ENI, client tokens, not-mirrorable tag); mirror CloudFormation types"
NOT_MIRRORABLE_TAG = "emulator:not-mirrorable"
SESSIONS_PER_INTERFACE = 3

_lock = threading.RLock()


def _random_id(prefix: str) -> str:
    return random_id(prefix=prefix)


def random_target_id(original) -> str:
    """moto: traf-mir-tar-...; AWS: tmt-..."""
    return _random_id("tmt")


def random_filter_id(original) -> str:
    """moto: traf-mir-fil-...; AWS: tmf-..."""
    return _random_id("tmf")


def _tags_of(resource) -> dict[str, str]:
    """A resource's EC2 tags (moto's DescribeTags rows use lowercase keys)."""
    return {t["key"]: t["value"] for t in resource.get_tags()}


def create_session(original, self, network_interface_id, traffic_mirror_target_id, traffic_mirror_filter_id,
                   session_number, packet_length, virtual_network_id, description, tag_specifications,
                   client_token):
    with _lock:
        params = (network_interface_id, traffic_mirror_target_id, traffic_mirror_filter_id, session_number,
                  packet_length, virtual_network_id)
        if client_token:
            for s in self.traffic_mirror_sessions.values():
                if s.client_token == client_token:
                    if (s.network_interface_id, s.traffic_mirror_target_id, s.traffic_mirror_filter_id,
                            s.session_number, s.packet_length, s.virtual_network_id) == params:
                        return s
                    raise EC2ClientError(
                        "IdempotentParameterMismatch",
                        f"The client token '{client_token}' was already used with different parameters.",
                    )
        eni = self.get_network_interface(network_interface_id)  # InvalidNetworkInterfaceID.NotFound
        if traffic_mirror_target_id not in self.traffic_mirror_targets:
            raise EC2ClientError("InvalidTrafficMirrorTargetId.NotFound",
                                 f"The traffic mirror target '{traffic_mirror_target_id}' does not exist.")
        if traffic_mirror_filter_id not in self.traffic_mirror_filters:
            raise EC2ClientError("InvalidTrafficMirrorFilterId.NotFound",
                                 f"The traffic mirror filter '{traffic_mirror_filter_id}' does not exist.")
        number = int(session_number) if session_number is not None else 0
        if not 1 <= number <= 32766:
            raise EC2ClientError("InvalidParameterValue",
                                 f"Session number {session_number} is invalid: expected 1 to 32766.")
        if NOT_MIRRORABLE_TAG in _tags_of(eni):
            raise EC2ClientError("NetworkInterfaceNotSupported",
                                 f"The network interface '{network_interface_id}' is not supported for traffic mirroring.")
        on_eni = [s for s in self.traffic_mirror_sessions.values() if s.network_interface_id == network_interface_id]
        if len(on_eni) >= SESSIONS_PER_INTERFACE:
            raise EC2ClientError("TrafficMirrorSessionsPerInterfaceLimitExceeded",
                                 f"The network interface '{network_interface_id}' already has {SESSIONS_PER_INTERFACE} traffic mirror sessions.")
        if any(int(s.session_number) == number for s in on_eni):
            raise EC2ClientError("InvalidParameterValue",
                                 f"Session number {number} is already in use on network interface '{network_interface_id}'.")
        return original(network_interface_id, traffic_mirror_target_id, traffic_mirror_filter_id, number,
                        packet_length, virtual_network_id, description, tag_specifications, client_token)


def describe_sessions(original, self, traffic_mirror_session_ids, filters):
    filters = dict(filters or {})
    tag_filters = {k: v for k, v in filters.items() if k.startswith("tag:") or k == "tag-key"}
    numbers = filters.pop("session-number", None)
    for k in tag_filters:
        filters.pop(k)
    if traffic_mirror_session_ids:
        unknown = [i for i in traffic_mirror_session_ids if i not in self.traffic_mirror_sessions]
        if unknown:
            raise EC2ClientError("InvalidTrafficMirrorSessionId.NotFound",
                                 f"The traffic mirror session '{unknown[0]}' does not exist.")
    found = original(traffic_mirror_session_ids, filters or None)

    def keep(s) -> bool:
        tags = _tags_of(s)
        for name, values in tag_filters.items():
            if name == "tag-key":
                if not any(v in tags for v in values):
                    return False
            elif tags.get(name[len("tag:"):]) not in values:
                return False
        return numbers is None or str(s.session_number) in [str(n) for n in numbers]

    return [s for s in found if keep(s)]


def delete_session(original, self, traffic_mirror_session_id):
    with _lock:
        if traffic_mirror_session_id not in self.traffic_mirror_sessions:
            raise EC2ClientError("InvalidTrafficMirrorSessionId.NotFound",
                                 f"The traffic mirror session '{traffic_mirror_session_id}' does not exist.")
        session = self.traffic_mirror_sessions[traffic_mirror_session_id]
        result = original(traffic_mirror_session_id)
        self.tags.pop(session.id, None)
        return result


def delete_network_interface(original, self, eni_id):
    """AWS deletes an interface's sessions with it."""
    with _lock:
        original(eni_id)
        for sid in [s.id for s in self.traffic_mirror_sessions.values() if s.network_interface_id == eni_id]:
            self.traffic_mirror_sessions.pop(sid, None)
            self.tags.pop(sid, None)


# --- CloudFormation --------------------------------------------------------------------------------


def _tags(properties: dict, kind: str) -> list[dict[str, Any]]:
    tags = properties.get("Tags") or []
    return [{"ResourceType": kind, "Tags": tags}] if tags else []


class MirrorTarget(ResourceType, CloudFormationModel):
    TYPE = "AWS::EC2::TrafficMirrorTarget"
    ATTRIBUTES = {"Id": "physical_id"}

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        ec2 = ec2_backends[account_id][region_name]
        if properties.get("NetworkInterfaceId"):
            ec2.get_network_interface(properties["NetworkInterfaceId"])
        target = ec2.create_traffic_mirror_target(
            network_interface_id=properties.get("NetworkInterfaceId"),
            network_load_balancer_arn=properties.get("NetworkLoadBalancerArn"),
            description=properties.get("Description"),
            tag_specifications=_tags(properties, "traffic-mirror-target"),
            client_token=None,
            gateway_load_balancer_endpoint_id=properties.get("GatewayLoadBalancerEndpointId"),
        )
        return cls(target.id, properties)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        with _lock:
            if any(s.traffic_mirror_target_id == physical_id for s in ec2.traffic_mirror_sessions.values()):
                raise EC2ClientError("TrafficMirrorTargetInUse", f"The traffic mirror target '{physical_id}' is in use.")
            ec2.traffic_mirror_targets.pop(physical_id, None)


class MirrorFilter(ResourceType, CloudFormationModel):
    TYPE = "AWS::EC2::TrafficMirrorFilter"
    ATTRIBUTES = {"Id": "physical_id"}

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        ec2 = ec2_backends[account_id][region_name]
        f = ec2.create_traffic_mirror_filter(
            description=properties.get("Description"),
            tag_specifications=_tags(properties, "traffic-mirror-filter"),
            client_token=None,
        )
        # What DescribeTrafficMirrorFilters serializes (moto reads these attributes by name).
        f.ingress_filter_rules = []
        f.egress_filter_rules = []
        f.network_services = list(properties.get("NetworkServices") or [])
        return cls(f.id, properties)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        with _lock:
            if any(s.traffic_mirror_filter_id == physical_id for s in ec2.traffic_mirror_sessions.values()):
                raise EC2ClientError("TrafficMirrorFilterInUse", f"The traffic mirror filter '{physical_id}' is in use.")
            ec2.traffic_mirror_filters.pop(physical_id, None)


class MirrorFilterRule(ResourceType, CloudFormationModel):
    TYPE = "AWS::EC2::TrafficMirrorFilterRule"
    ATTRIBUTES = {"TrafficMirrorFilterRuleId": "physical_id"}

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        ec2 = ec2_backends[account_id][region_name]
        filter_id = properties["TrafficMirrorFilterId"]
        f = ec2.traffic_mirror_filters.get(filter_id)
        if f is None:
            raise EC2ClientError("InvalidTrafficMirrorFilterId.NotFound", f"The traffic mirror filter '{filter_id}' does not exist.")
        direction, number = properties["TrafficDirection"], int(properties["RuleNumber"])
        rules = f.__dict__.setdefault(f"{direction}_filter_rules", [])
        if any(r["RuleNumber"] == number for r in rules):
            raise EC2ClientError("TrafficMirrorFilterRuleAlreadyExists",
                                 f"A {direction} rule with number {number} already exists in '{filter_id}'.")
        rule_id = _random_id("tmfr")
        rule = {
            "TrafficMirrorFilterRuleId": rule_id,
            "TrafficMirrorFilterId": filter_id,
            "TrafficDirection": direction,
            "RuleNumber": number,
            "RuleAction": properties["RuleAction"],
            "SourceCidrBlock": properties["SourceCidrBlock"],
            "DestinationCidrBlock": properties["DestinationCidrBlock"],
        }
        for key in ("Protocol", "SourcePortRange", "DestinationPortRange", "Description"):
            if key in properties:
                rule[key] = properties[key]
        rules.append(rule)
        return cls(rule_id, properties)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        with deleted_if_gone():
            f = ec2.traffic_mirror_filters.get(properties.get("TrafficMirrorFilterId"))
            if f is not None:
                for direction in ("ingress", "egress"):
                    rules = f.__dict__.get(f"{direction}_filter_rules", [])
                    rules[:] = [r for r in rules if r["TrafficMirrorFilterRuleId"] != physical_id]


NLB_ARN = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer/net/([A-Za-z0-9-]{1,32})/([0-9a-f]{16})$")


def create_target(original, self, network_interface_id, network_load_balancer_arn, description, tag_specifications,
                  client_token, gateway_load_balancer_endpoint_id):
    given = [x for x in (network_interface_id, network_load_balancer_arn, gateway_load_balancer_endpoint_id) if x]
    if not given:
        raise EC2ClientError("MissingParameter", "The request must contain one of the parameters: NetworkInterfaceId, "
                             "NetworkLoadBalancerArn, GatewayLoadBalancerEndpointId.")
    if len(given) > 1:
        raise EC2ClientError("InvalidParameterCombination", "Only one of NetworkInterfaceId, NetworkLoadBalancerArn "
                             "and GatewayLoadBalancerEndpointId may be given.")
    if network_interface_id:
        self.get_network_interface(network_interface_id)  # InvalidNetworkInterfaceID.NotFound
    if network_load_balancer_arn:
        lb = elbv2_backends[self.account_id][self.region_name].load_balancers.get(network_load_balancer_arn)
        if lb is None:
            raise EC2ClientError("LoadBalancerNotFound", f"The load balancer '{network_load_balancer_arn}' does not exist.")
        if lb.type != "network":
            raise EC2ClientError("InvalidParameterValue",
                                 f"The load balancer '{network_load_balancer_arn}' is of type '{lb.type}': expected a Network Load Balancer.")
    if gateway_load_balancer_endpoint_id:
        endpoint = self.vpc_end_points.get(gateway_load_balancer_endpoint_id)
        if endpoint is None:
            raise EC2ClientError("InvalidVpcEndpointId.NotFound",
                                 f"The Vpc Endpoint Id '{gateway_load_balancer_endpoint_id}' does not exist")
        if (endpoint.vpc_endpoint_type or "").lower() != "gatewayloadbalancer":
            raise EC2ClientError("InvalidParameterValue", f"The VPC endpoint '{gateway_load_balancer_endpoint_id}' is of "
                                 f"type '{endpoint.vpc_endpoint_type}': expected a Gateway Load Balancer endpoint.")
    return original(network_interface_id, network_load_balancer_arn, description, tag_specifications, client_token,
                    gateway_load_balancer_endpoint_id)


def network_load_balancers(method: str, body: Any) -> tuple[int, Any]:
    """A stand-in for an existing Network Load Balancer the blueprint names as its mirror target."""
    if method != "POST":
        return 405, {"error": f"{method} not allowed: POST a load balancer"}
    if not isinstance(body, dict) or not isinstance(body.get("arn"), str):
        raise _control.BadRequest('expected {"arn": "arn:aws:elasticloadbalancing:...:loadbalancer/net/<name>/<id>"}')
    found = NLB_ARN.match(body["arn"])
    if found is None:
        raise _control.BadRequest(f"'{body['arn']}' is not a Network Load Balancer ARN "
                                  "(arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<16 hex>)")
    region = body.get("region") or found.group(1)
    backend = elbv2_backends[found.group(2)][region]
    if body["arn"] in backend.load_balancers:
        return 200, {"arn": body["arn"], "created": False}
    name = found.group(3)
    backend.load_balancers[body["arn"]] = FakeLoadBalancer(
        name=name, security_groups=[], subnets=[], vpc_id="", arn=body["arn"],
        dns_name=f"{name}-{found.group(4)}.elb.{region}.amazonaws.com", state="active", scheme="internal",
        loadbalancer_type="network")
    return 201, {"arn": body["arn"], "created": True}


def apply() -> str:
    patch(mirrors, "random_traffic_mirror_target_id", random_target_id, corrects="targets get traf-mir-tar- ids (AWS: tmt-)")
    patch(mirrors, "random_traffic_mirror_filter_id", random_filter_id, corrects="filters get traf-mir-fil- ids (AWS: tmf-)")
    patch(mirrors.TrafficMirrorsBackend, "create_traffic_mirror_target", create_target,
          corrects="any interface, load balancer or endpoint (or none) is accepted as a target")
    _control.register("/_iac/stand-ins/network-load-balancers", network_load_balancers)
    patch(mirrors.TrafficMirrorsBackend, "create_traffic_mirror_session", create_session,
          corrects="sessions are never checked (interface, target, filter, numbers, 3 per interface, client token)")
    patch(mirrors.TrafficMirrorsBackend, "describe_traffic_mirror_sessions", describe_sessions,
          corrects="tag and session-number filters are ignored; unknown ids are not an error")
    patch(mirrors.TrafficMirrorsBackend, "delete_traffic_mirror_session", delete_session,
          corrects="deleting an unknown session succeeds, and its tags survive")
    patch(eni_module.NetworkInterfaceBackend, "delete_network_interface", delete_network_interface,
          corrects="a deleted interface keeps its traffic mirror sessions")
    return NAME
