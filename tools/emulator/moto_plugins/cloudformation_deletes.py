"""Deleting a stack deletes what it made: route tables, routes, subnet associations, internet gateways
and their attachments, NAT gateways (and their interfaces), VPC endpoints, Elastic IPs, and load
balancer listeners, listener rules and target groups.

moto 5.2.5 has no CloudFormation delete for these types and skips them silently, so the VPC they
belong to can never be deleted ("has dependencies"), DeleteStack fails or leaks, and names such as a
target group's stay taken. Each type gets the
`delete(account_id, region_name)` moto calls when a stack deletes a resource. Something already gone
counts as deleted, as in CloudFormation.
"""

from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.elbv2.models import FakeListener, FakeListenerRule, FakeTargetGroup, elbv2_backends

NAME = "cloudformation: VPC plumbing and load balancer parts are deleted with their stack"


def _gone(e: Exception) -> bool:
    text = f"{type(e).__name__} {getattr(e, 'error_type', '')} {e}"
    return "NotFound" in text or "does not exist" in text or "InvalidAssociationID" in text


def _tolerant(action):
    try:
        action()
    except Exception as e:
        if not _gone(e):
            raise


def apply() -> str:
    def route_table_delete(self: RouteTable, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        for association_id in list(getattr(self, "_associations", {})):
            _tolerant(lambda a=association_id: backend.disassociate_route_table(a))
        _tolerant(lambda: backend.delete_route_table(self.id))

    def route_delete(self: Route, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        _tolerant(lambda: backend.delete_route(self.route_table.id, self.destination_cidr_block))

    def association_delete(self: SubnetRouteTableAssociation, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        table = backend.route_tables.get(self.route_table_id)
        if table is None:
            return
        for association_id, subnet_id in list(table._associations.items()):
            if subnet_id == self.subnet_id:
                _tolerant(lambda a=association_id: backend.disassociate_route_table(a))

    def attachment_delete(self: VPCGatewayAttachment, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        if str(self.gateway_id).startswith("igw-"):
            _tolerant(lambda: backend.detach_internet_gateway(self.gateway_id, self.vpc_id))
        else:
            _tolerant(lambda: backend.detach_vpn_gateway(self.gateway_id, self.vpc_id))

    def internet_gateway_delete(self: InternetGateway, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        _tolerant(lambda: backend.delete_internet_gateway(self.id))

    def nat_gateway_delete(self: NatGateway, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        _tolerant(lambda: backend.delete_nat_gateway(self.id))
        eni = getattr(self, "_eni", None)
        if eni is not None:
            for address in list(backend.addresses):
                if address.eni is eni:
                    _tolerant(lambda a=address: backend.disassociate_address(address=a.public_ip))
            _tolerant(lambda: backend.delete_network_interface(eni.id))

    def endpoint_delete(self: VPCEndPoint, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        _tolerant(lambda: backend.delete_vpc_endpoints([self.id]))
        backend.vpc_end_points.pop(self.id, None)

    def address_delete(self: ElasticAddress, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        if self.allocation_id:
            _tolerant(lambda: backend.release_address(allocation_id=self.allocation_id))
        else:
            _tolerant(lambda: backend.release_address(address=self.public_ip))

    def target_group_delete(self: FakeTargetGroup, account_id: str, region_name: str) -> None:
        _tolerant(lambda: elbv2_backends[account_id][region_name].delete_target_group(self.arn))

    def listener_delete(self: FakeListener, account_id: str, region_name: str) -> None:
        _tolerant(lambda: elbv2_backends[account_id][region_name].delete_listener(self.arn))

    def rule_delete(self: FakeListenerRule, account_id: str, region_name: str) -> None:
        _tolerant(lambda: elbv2_backends[account_id][region_name].delete_rule(self.arn))

    patches: dict[type, Any] = {
        FakeTargetGroup: target_group_delete,
        FakeListener: listener_delete,
        FakeListenerRule: rule_delete,
        RouteTable: route_table_delete,
        Route: route_delete,
        SubnetRouteTableAssociation: association_delete,
        VPCGatewayAttachment: attachment_delete,
        InternetGateway: internet_gateway_delete,
        NatGateway: nat_gateway_delete,
        VPCEndPoint: endpoint_delete,
        ElasticAddress: address_delete,
    }
    for cls, delete in patches.items():
        cls.delete = delete
    return NAME
