//! EC2 networking and compute: VPCs, subnets, routing, NAT, endpoints, security groups, network interfaces, launch templates, traffic mirroring, prefix lists.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// `AWS::EC2::VPC`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vpc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dns_hostnames: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dns_support: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_tenancy: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_ipam_pool_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_netmask_length: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::Subnet`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_public_ip_on_launch: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign_ipv6_address_on_creation: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_native: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dns64: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::RouteTable`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTable {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::Route`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_ipv6_cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<Expr>,
}

/// `AWS::EC2::SubnetRouteTableAssociation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetRouteTableAssociation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<Expr>,
}

/// `AWS::EC2::InternetGateway`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternetGateway {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::VPCGatewayAttachment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcGatewayAttachment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internet_gateway_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpn_gateway_id: Option<Expr>,
}

/// `AWS::EC2::EIP`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Eip {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_border_group: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ipv4_pool: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::NatGateway`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGateway {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectivity_type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::VPCEndpoint`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_dns_enabled: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub route_table_ids: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// An inline ingress rule of a security group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ingress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ip: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_prefix_list_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_security_group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
}

/// An inline egress rule of a security group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Egress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ip: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_security_group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
}

/// `AWS::EC2::SecurityGroup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ingress: Vec<Ingress>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_egress: Vec<Egress>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::SecurityGroupIngress`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIngress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ip: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_prefix_list_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_security_group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
}

/// `AWS::EC2::SecurityGroupEgress`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupEgress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ip: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_security_group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
}

/// A private address of a network interface.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateIpAddress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<Expr>,
}

/// `AWS::EC2::NetworkInterface`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_set: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub private_ip_addresses: Vec<PrivateIpAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_private_ip_address_count: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_dest_check: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A network interface in a launch template.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateNetworkInterface {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_index: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_card_index: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associate_public_ip_address: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_on_termination: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<Expr>,
}

/// The instance profile of a launch template.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamInstanceProfile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
}

/// Instance metadata service settings; `HttpTokens: required` enforces IMDSv2.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_tokens: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_endpoint: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_put_response_hop_limit: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_metadata_tags: Option<Expr>,
}

/// An EBS volume of a block device mapping.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ebs {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_size: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_on_termination: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iops: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput: Option<Expr>,
}

/// A block device of a launch template.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDeviceMapping {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ebs: Option<Ebs>,
}

/// Tags applied to resources a launch template creates.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// What instances launched from a template get.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_instance_profile: Option<IamInstanceProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_options: Option<MetadataOptions>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<LaunchTemplateNetworkInterface>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub block_device_mappings: Vec<BlockDeviceMapping>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_specifications: Vec<TagSpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ebs_optimized: Option<Expr>,
}

/// Tags on the launch template itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateTagSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::LaunchTemplate`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_template_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_template_data: Option<LaunchTemplateData>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_specifications: Vec<LaunchTemplateTagSpecification>,
}

/// `AWS::EC2::TrafficMirrorTarget`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrafficMirrorTarget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_load_balancer_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_load_balancer_endpoint_id: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::TrafficMirrorFilter`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrafficMirrorFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network_services: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A port range of a mirror filter rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrafficMirrorPortRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<Expr>,
}

/// `AWS::EC2::TrafficMirrorFilterRule`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrafficMirrorFilterRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_mirror_filter_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_direction: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_number: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_action: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_port_range: Option<TrafficMirrorPortRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_port_range: Option<TrafficMirrorPortRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// An entry of a managed prefix list.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
}

/// `AWS::EC2::PrefixList`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixList {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix_list_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_family: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_entries: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<PrefixListEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
