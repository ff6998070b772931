//! Auto Scaling groups and lifecycle hooks.

use serde::Serialize;

use crate::cfn::Expr;

/// Which launch template (and version) the group launches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_template_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_template_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Expr>,
}

/// A lifecycle hook created with the group, so the first instances already wait for it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleHookSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_hook_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_transition: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_result: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_timeout: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_metadata: Option<Expr>,
    #[serde(rename = "NotificationTargetARN", skip_serializing_if = "Option::is_none")]
    pub notification_target_arn: Option<Expr>,
    #[serde(rename = "RoleARN", skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Expr>,
}

/// A tag on an Auto Scaling group, optionally copied to its instances.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsgTag {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagate_at_launch: Option<Expr>,
}

/// Group metrics published to CloudWatch.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricsCollection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granularity: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Expr>,
}

/// `AWS::AutoScaling::AutoScalingGroup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AutoScalingGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scaling_group_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_template: Option<LaunchTemplateSpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_size: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_capacity: Option<Expr>,
    #[serde(rename = "VPCZoneIdentifier", skip_serializing_if = "Vec::is_empty")]
    pub vpc_zone_identifier: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub availability_zones: Vec<Expr>,
    #[serde(rename = "TargetGroupARNs", skip_serializing_if = "Vec::is_empty")]
    pub target_group_arns: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lifecycle_hook_specification_list: Vec<LifecycleHookSpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_instances_protected_from_scale_in: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub termination_policies: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics_collection: Vec<MetricsCollection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_rebalance: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_instance_warmup: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<AsgTag>,
}

/// `AWS::AutoScaling::LifecycleHook`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleHook {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scaling_group_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_hook_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_transition: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_result: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_timeout: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_metadata: Option<Expr>,
    #[serde(rename = "NotificationTargetARN", skip_serializing_if = "Option::is_none")]
    pub notification_target_arn: Option<Expr>,
    #[serde(rename = "RoleARN", skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Expr>,
}
