//! The AWS events the functions receive, as both sides name them: synth's event rules match these
//! sources and detail types, and the functions' event readers accept exactly these.

/// The source of Auto Scaling events.
pub const AUTOSCALING_SOURCE: &str = "aws.autoscaling";
/// A launch waiting in the `Pending:Wait` state of a lifecycle hook.
pub const LAUNCH_LIFECYCLE_ACTION: &str = "EC2 Instance-launch Lifecycle Action";
/// A termination waiting in the `Terminating:Wait` state of a lifecycle hook.
pub const TERMINATE_LIFECYCLE_ACTION: &str = "EC2 Instance-terminate Lifecycle Action";
/// An instance went in service.
pub const LAUNCH_SUCCESSFUL: &str = "EC2 Instance Launch Successful";
/// An instance was terminated.
pub const TERMINATE_SUCCESSFUL: &str = "EC2 Instance Terminate Successful";
/// An EventBridge schedule's event.
pub const SCHEDULED_EVENT: &str = "Scheduled Event";
