//! Reading the world: tasks from ECS, sessions from EC2, every list paginated.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::{DesiredStatus, TaskField};

use super::Clients;
use super::plan::{Session, Task};
use crate::HandlerError;
use crate::error::aws;
use contract::fargate_mirror::mirror::{TAG_STACK, TAG_TASK};

/// ECS describes at most this many tasks per call, and EC2 takes this many filter values.
const BATCH: usize = 100;

/// The tasks of `cluster` named in `arns` that ECS still knows (a task stopped long ago is absent).
pub async fn tasks(clients: &Clients, cluster: &str, arns: &[String]) -> Result<Vec<Task>, HandlerError> {
    let mut out = Vec::new();
    for chunk in arns.chunks(BATCH) {
        let resp = clients
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(chunk.to_vec()))
            .include(TaskField::Tags)
            .send()
            .await
            .map_err(|e| aws("DescribeTasks", &e))?;
        out.extend(resp.tasks().iter().map(|t| task(cluster, t)));
    }
    Ok(out)
}

fn task(cluster: &str, t: &aws_sdk_ecs::types::Task) -> Task {
    let interfaces = t
        .attachments()
        .iter()
        .filter(|a| {
            matches!(a.r#type(), Some("ElasticNetworkInterface" | "eni")) && a.status() == Some("ATTACHED")
        })
        .flat_map(|a| a.details().iter())
        .filter(|kv| kv.name() == Some("networkInterfaceId"))
        .filter_map(|kv| kv.value().map(str::to_owned))
        .collect();
    Task {
        arn: t.task_arn().unwrap_or_default().to_owned(),
        cluster: t.cluster_arn().unwrap_or(cluster).to_owned(),
        last_status: t.last_status().unwrap_or_default().to_owned(),
        desired_status: t.desired_status().unwrap_or_default().to_owned(),
        group: t.group().unwrap_or_default().to_owned(),
        task_definition_arn: t.task_definition_arn().unwrap_or_default().to_owned(),
        tags: t
            .tags()
            .iter()
            .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value().unwrap_or_default().to_owned())))
            .collect(),
        interfaces,
    }
}

/// The ARNs of the tasks of `cluster` that should be running.
pub async fn running_task_arns(clients: &Clients, cluster: &str) -> Result<Vec<String>, HandlerError> {
    let mut pages = clients
        .ecs
        .list_tasks()
        .cluster(cluster)
        .desired_status(DesiredStatus::Running)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page.map_err(|e| aws("ListTasks", &e))?.task_arns().iter().cloned());
    }
    Ok(out)
}

/// Every session on `interfaces`, whoever owns it.
pub async fn sessions_on(clients: &Clients, interfaces: &[String]) -> Result<Vec<Session>, HandlerError> {
    let mut out = Vec::new();
    for chunk in interfaces.chunks(BATCH) {
        let f = Filter::builder().name("network-interface-id").set_values(Some(chunk.to_vec())).build();
        out.extend(sessions(clients, vec![f]).await?);
    }
    Ok(out)
}

/// This stack's sessions, all or (with `task`) one task's.
pub async fn ours(clients: &Clients, stack: &str, task: Option<&str>) -> Result<Vec<Session>, HandlerError> {
    let mut filters = vec![Filter::builder().name(format!("tag:{TAG_STACK}")).values(stack).build()];
    if let Some(task) = task {
        filters.push(Filter::builder().name(format!("tag:{TAG_TASK}")).values(task).build());
    }
    let found = sessions(clients, filters).await?;
    // The tags are checked here too: a session is deleted only when it carries them.
    Ok(found
        .into_iter()
        .filter(|s| s.stack.as_deref() == Some(stack) && task.is_none_or(|t| s.task.as_deref() == Some(t)))
        .collect())
}

async fn sessions(clients: &Clients, filters: Vec<Filter>) -> Result<Vec<Session>, HandlerError> {
    let mut pages = clients
        .ec2
        .describe_traffic_mirror_sessions()
        .set_filters(Some(filters))
        .max_results(1000)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("DescribeTrafficMirrorSessions", &e))?;
        for s in page.traffic_mirror_sessions() {
            let tags: BTreeMap<&str, &str> =
                s.tags().iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))).collect();
            out.push(Session {
                id: s.traffic_mirror_session_id().unwrap_or_default().to_owned(),
                interface: s.network_interface_id().unwrap_or_default().to_owned(),
                number: s.session_number().and_then(|n| u16::try_from(n).ok()).unwrap_or_default(),
                target: s.traffic_mirror_target_id().unwrap_or_default().to_owned(),
                filter: s.traffic_mirror_filter_id().unwrap_or_default().to_owned(),
                stack: tags.get(TAG_STACK).map(|v| (*v).to_owned()),
                task: tags.get(TAG_TASK).map(|v| (*v).to_owned()),
            });
        }
    }
    Ok(out)
}
