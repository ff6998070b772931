//! Applying a plan: each session created with its deterministic client token and the stack's tags,
//! each deletion of a session this stack tagged; outcomes sorted into done, not mirrorable, failed
//! for good (a retry cannot help) and failed for now (the invocation fails and Lambda retries).

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use contract::fargate_mirror::mirror::{TAG_CLUSTER, TAG_STACK, TAG_TASK};

use super::Clients;
use super::plan::{Create, Desired, Plan};
use crate::HandlerError;
use crate::error::aws;

/// AWS refuses to mirror the interface: the task runs on capacity that is not Nitro-based.
pub const NOT_SUPPORTED: &str = "NetworkInterfaceNotSupported";

/// Codes a retry of the same request cannot fix.
const TERMINAL: &[&str] = &[
    "TrafficMirrorSessionsPerInterfaceLimitExceeded",
    "TrafficMirrorSourcesPerTargetLimitExceeded",
    "TrafficMirrorSessionLimitExceeded",
    "InvalidTrafficMirrorTargetId.NotFound",
    "InvalidTrafficMirrorFilterId.NotFound",
    "InvalidParameterValue",
    "UnauthorizedOperation",
];

#[derive(Debug, Default)]
pub struct Outcome {
    pub created: Vec<String>,
    pub deleted: Vec<String>,
    /// Creates AWS refused as not mirrorable.
    pub not_supported: Vec<Create>,
    /// Creates that failed for good: (interface, why).
    pub failed: Vec<(String, String)>,
    /// The first failure a retry may fix; the invocation fails with it after the rest is applied.
    pub retry: Option<HandlerError>,
}

pub async fn apply(clients: &Clients, d: &Desired, plan: &Plan) -> Outcome {
    let mut out = Outcome::default();
    for del in &plan.delete {
        let r =
            clients.ec2.delete_traffic_mirror_session().traffic_mirror_session_id(&del.session).send().await;
        match r {
            Ok(_) => {
                tracing::info!(session = %del.session, eni = %del.interface, reason = del.reason, "session deleted");
                out.deleted.push(del.session.clone());
            }
            // Already gone (its interface was deleted, or a concurrent run deleted it).
            Err(e) if e.code() == Some("InvalidTrafficMirrorSessionId.NotFound") => {}
            Err(e) => {
                out.retry.get_or_insert(aws("DeleteTrafficMirrorSession", &e));
            }
        }
    }
    for c in &plan.create {
        match create(clients, d, c).await {
            Ok(id) => {
                tracing::info!(session = %id, cluster = %c.cluster, task = %c.task, eni = %c.interface, number = c.number, "session created");
                out.created.push(id);
            }
            Err(e) if e.code() == Some(NOT_SUPPORTED) => {
                tracing::warn!(cluster = %c.cluster, task = %c.task, eni = %c.interface, "interface cannot be mirrored");
                out.not_supported.push(c.clone());
            }
            Err(e) if e.code().is_some_and(|code| TERMINAL.contains(&code)) => {
                let why = aws("CreateTrafficMirrorSession", &e).to_string();
                tracing::error!(cluster = %c.cluster, task = %c.task, eni = %c.interface, error = %why, "session not created");
                out.failed.push((c.interface.clone(), why));
            }
            Err(e) => {
                tracing::warn!(cluster = %c.cluster, task = %c.task, eni = %c.interface, error = %aws("CreateTrafficMirrorSession", &e), "session not created yet: will retry");
                out.retry.get_or_insert(aws("CreateTrafficMirrorSession", &e));
            }
        }
    }
    out
}

async fn create(
    clients: &Clients,
    d: &Desired,
    c: &Create,
) -> Result<
    String,
    aws_sdk_ec2::error::SdkError<
        aws_sdk_ec2::operation::create_traffic_mirror_session::CreateTrafficMirrorSessionError,
    >,
> {
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::TrafficMirrorSession)
        .tags(tag(TAG_STACK, &d.stack))
        .tags(tag(TAG_TASK, &c.task))
        .tags(tag(TAG_CLUSTER, &c.cluster))
        .tags(tag("Name", &format!("{}-{}", d.stack, c.interface)))
        .build();
    let out = clients
        .ec2
        .create_traffic_mirror_session()
        .network_interface_id(&c.interface)
        .traffic_mirror_target_id(&d.target)
        .traffic_mirror_filter_id(&d.filter)
        .session_number(i32::from(c.number))
        .set_packet_length(d.session.packet_length.and_then(|n| i32::try_from(n).ok()))
        .set_virtual_network_id(d.session.virtual_network_id.and_then(|n| i32::try_from(n).ok()))
        .description(format!("{}: task {}", d.stack, c.task).chars().take(255).collect::<String>())
        .tag_specifications(tags)
        .client_token(&c.client_token)
        .send()
        .await?;
    Ok(out
        .traffic_mirror_session()
        .and_then(|s| s.traffic_mirror_session_id())
        .unwrap_or_default()
        .to_owned())
}

/// Stops `task` so its service replaces it.
pub async fn stop_task(
    clients: &Clients,
    cluster: &str,
    task: &str,
    reason: &str,
) -> Result<(), HandlerError> {
    clients
        .ecs
        .stop_task()
        .cluster(cluster)
        .task(task)
        .reason(reason)
        .send()
        .await
        .map_err(|e| aws("StopTask", &e))?;
    Ok(())
}
