//! Elastic Load Balancing v2: load balancers, target groups, listeners and rules.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// A load balancer or target group attribute.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Expr>,
}

/// A subnet of a load balancer, with an optional Elastic IP (NLB).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetMapping {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<Expr>,
    #[serde(rename = "PrivateIPv4Address", skip_serializing_if = "Option::is_none")]
    pub private_ipv4_address: Option<Expr>,
    #[serde(rename = "IPv6Address", skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<Expr>,
}

/// `AWS::ElasticLoadBalancingV2::LoadBalancer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnet_mappings: Vec<SubnetMapping>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_attributes: Vec<Attribute>,
    /// `on` or `off`: whether a Network Load Balancer applies its security groups to PrivateLink traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforce_security_group_inbound_rules_on_private_link_traffic: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A registered target.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetDescription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<Expr>,
}

/// Healthy response codes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Matcher {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_code: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_code: Option<Expr>,
}

/// `AWS::ElasticLoadBalancingV2::TargetGroup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_enabled: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_interval_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_timeout_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_threshold_count: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold_count: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Matcher>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_group_attributes: Vec<Attribute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A listener certificate.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<Expr>,
}

/// A fixed response.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FixedResponseConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_body: Option<Expr>,
}

/// A redirect.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RedirectConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<Expr>,
}

/// A weighted target group of a forward action.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroupTuple {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<Expr>,
}

/// Weighted forwarding.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForwardConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<TargetGroupTuple>,
}

/// A listener or rule action: `forward`, `fixed-response` or `redirect`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Action {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_config: Option<ForwardConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_response_config: Option<FixedResponseConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_config: Option<RedirectConfig>,
}

/// Path patterns a rule matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PathPatternConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Expr>,
}

/// Host names a rule matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostHeaderConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Expr>,
}

/// A header and the values a rule matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HttpHeaderConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_header_name: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Expr>,
}

/// HTTP methods a rule matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HttpRequestMethodConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Expr>,
}

/// Source CIDRs a rule matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceIpConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Expr>,
}

/// A rule condition; `Field` names which config applies.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleCondition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_pattern_config: Option<PathPatternConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_header_config: Option<HostHeaderConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_header_config: Option<HttpHeaderConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_request_method_config: Option<HttpRequestMethodConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip_config: Option<SourceIpConfig>,
}

/// `AWS::ElasticLoadBalancingV2::Listener`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listener {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn_policy: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_actions: Vec<Action>,
}

/// `AWS::ElasticLoadBalancingV2::ListenerRule`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RuleCondition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
}
