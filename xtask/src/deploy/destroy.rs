//! `cargo xtask destroy`: delete the stack, wait out the Lambda network interfaces that keep its
//! security groups and subnets from being deleted, and empty the asset objects it owns.
//!
//! Lambda releases a VPC function's network interfaces some time after the function is deleted,
//! and until then CloudFormation cannot delete the security groups and subnets they use; the stack
//! ends DELETE_FAILED. Destroy then waits for those interfaces (only ones Lambda created, in the
//! stack's own groups or subnets) to become available, deletes them, and deletes the stack again.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::session::{Session, sdk};
use super::{BlueprintRef, Target, changes, publish, stacks};

/// Deletion attempts before giving up (each after waiting out blocking interfaces).
const ATTEMPTS: usize = 3;
/// How long Lambda may take to release interfaces (AWS documents up to ~20 minutes).
const ENI_WAIT: Duration = Duration::from_secs(40 * 60);

#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) blueprint: String,
    pub(crate) env: Option<String>,
    pub(crate) target: Target,
    pub(crate) yes: bool,
    /// Only the stack of this region (a multi-region blueprint); `None`: every stack.
    pub(crate) region: Option<String>,
}

pub(crate) async fn run(root: &Path, args: &Args) -> anyhow::Result<()> {
    let bp = BlueprintRef::resolve(root, &args.blueprint)?;
    // Reverse deploy order: a stack goes before those deployed ahead of it.
    let artifacts = stacks::select(
        bp.synthesize_stacks(args.env.as_deref())?,
        args.region.as_deref(),
        stacks::Order::Destroy,
        &bp.shown,
    )?;
    let base = Session::open(root, args.target).await?;
    let mut present = Vec::new();
    for artifact in &artifacts {
        let session = base.in_region(artifact.region.as_deref());
        let exists = super::events::describe_status(&session, &artifact.stack).await?;
        present.push((artifact, session, exists));
    }
    let existing: Vec<String> = present
        .iter()
        .filter_map(|(a, _, e)| {
            e.as_ref().map(|(status, _)| match &a.region {
                Some(region) => format!("{} ({status}, in {region})", a.stack),
                None => format!("{} ({status})", a.stack),
            })
        })
        .collect();
    if !existing.is_empty()
        && !args.yes
        && !super::confirm(
            &format!(
                "Delete stack {} and every resource in {} from {}?",
                existing.join(", "),
                if existing.len() == 1 { "it" } else { "them" },
                args.target.as_str()
            ),
            "--yes",
        )?
    {
        bail!("destroy cancelled; nothing was deleted");
    }
    let count = present.len();
    for (i, (artifact, session, exists)) in present.iter().enumerate() {
        if let Some(heading) = stacks::heading("destroy", artifact, i, count) {
            eprintln!("{heading}");
        }
        let stack = &artifact.stack;
        match exists {
            None => eprintln!("destroy: stack {stack} does not exist"),
            Some(_) => delete_with_retries(session, stack).await?,
        }
        empty_assets(session, stack).await?;
        eprintln!("destroy: stack {stack} is gone");
    }
    Ok(())
}

async fn delete_with_retries(session: &Session, stack: &str) -> anyhow::Result<()> {
    // Recorded before deletion: afterwards the stack no longer lists them.
    let (groups, subnets, total) = network_resources(session, stack).await?;
    for attempt in 1..=ATTEMPTS {
        let outcome = changes::delete_stack(session, stack, total).await?;
        if outcome.succeeded() {
            return Ok(());
        }
        let blockers = lambda_interfaces(session, &groups, &subnets).await?;
        if blockers.is_empty() || attempt == ATTEMPTS {
            let mut message = format!("destroy failed: stack {stack} is {}", outcome.status);
            for f in &outcome.failures {
                message.push_str(&format!("\n  failed: {f}"));
            }
            bail!(message);
        }
        eprintln!(
            "destroy: {} Lambda network interface(s) still hold the stack's security groups or subnets: {}; \
             waiting for Lambda to release them",
            blockers.len(),
            blockers.join(", ")
        );
        release_interfaces(session, &blockers).await?;
    }
    Ok(())
}

/// The stack's security groups and subnets (physical ids), and how many resources it has.
async fn network_resources(
    session: &Session,
    stack: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>, usize)> {
    let mut groups = Vec::new();
    let mut subnets = Vec::new();
    let mut total = 0;
    let mut pages = session.cfn.list_stack_resources().stack_name(stack).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk).with_context(|| format!("cannot list the resources of {stack}"))?;
        for r in page.stack_resource_summaries() {
            total += 1;
            let Some(id) = r.physical_resource_id().filter(|p| !p.is_empty()) else { continue };
            match r.resource_type().unwrap_or_default() {
                "AWS::EC2::SecurityGroup" => groups.push(id.to_owned()),
                "AWS::EC2::Subnet" => subnets.push(id.to_owned()),
                _ => {}
            }
        }
    }
    Ok((groups, subnets, total))
}

/// Interfaces Lambda created in the given groups or subnets (their description says so).
async fn lambda_interfaces(
    session: &Session,
    groups: &[String],
    subnets: &[String],
) -> anyhow::Result<Vec<String>> {
    use aws_sdk_ec2::types::Filter;
    let mut found = Vec::new();
    for (filter, values) in [("group-id", groups), ("subnet-id", subnets)] {
        if values.is_empty() {
            continue;
        }
        let mut pages = session
            .ec2
            .describe_network_interfaces()
            .filters(Filter::builder().name(filter).set_values(Some(values.to_vec())).build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(sdk).context("cannot list network interfaces")?;
            for eni in page.network_interfaces() {
                if eni.description().is_some_and(|d| d.starts_with("AWS Lambda VPC ENI"))
                    && let Some(id) = eni.network_interface_id()
                    && !found.iter().any(|f| f == id)
                {
                    found.push(id.to_owned());
                }
            }
        }
    }
    Ok(found)
}

/// Waits until each interface is detached (Lambda lets go of it), then deletes it.
async fn release_interfaces(session: &Session, ids: &[String]) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut pending: Vec<String> = ids.to_vec();
    let mut last_note = Instant::now();
    while !pending.is_empty() {
        let out = session
            .ec2
            .describe_network_interfaces()
            .set_network_interface_ids(Some(pending.clone()))
            .send()
            .await;
        let interfaces = match out {
            Ok(o) => o.network_interfaces().to_vec(),
            // Some are gone already: check them one by one next round.
            Err(_) if pending.len() > 1 => {
                let mut still = Vec::new();
                for id in &pending {
                    if session
                        .ec2
                        .describe_network_interfaces()
                        .network_interface_ids(id)
                        .send()
                        .await
                        .is_ok()
                    {
                        still.push(id.clone());
                    }
                }
                pending = still;
                continue;
            }
            Err(_) => Vec::new(),
        };
        let mut still = Vec::new();
        for eni in interfaces {
            let id = eni.network_interface_id().unwrap_or_default().to_owned();
            let available = eni.status().is_some_and(|s| s.as_str() == "available");
            if available {
                match session.ec2.delete_network_interface().network_interface_id(&id).send().await {
                    Ok(_) => eprintln!("destroy: deleted released Lambda interface {id}"),
                    Err(e) => {
                        eprintln!(
                            "destroy: cannot delete {id} yet ({}); retrying",
                            aws_sdk_ec2::error::DisplayErrorContext(&e)
                        );
                        still.push(id);
                    }
                }
            } else {
                still.push(id);
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        if started.elapsed() > ENI_WAIT {
            bail!("Lambda has not released {} after {} minutes", pending.join(", "), ENI_WAIT.as_secs() / 60);
        }
        if last_note.elapsed() >= Duration::from_secs(5) {
            eprintln!(
                "destroy: {:.0}s waiting for Lambda to release {}",
                started.elapsed().as_secs_f64(),
                pending.join(", ")
            );
            last_note = Instant::now();
        }
        tokio::time::sleep(session.poll.max(Duration::from_secs(1))).await;
    }
    Ok(())
}

/// Deletes every object under the stack's prefix in the asset bucket.
async fn empty_assets(session: &Session, stack: &str) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let bucket = publish::bucket_name(session);
    let prefix = publish::stack_prefix(stack);
    let mut keys = Vec::new();
    let mut pages = session.s3.list_objects_v2().bucket(&bucket).prefix(&prefix).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned))),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_bucket()) => return Ok(()),
            Err(e) => return Err(sdk(e)).with_context(|| format!("cannot list s3://{bucket}/{prefix}")),
        }
    }
    for chunk in keys.chunks(1000) {
        let objects = chunk
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()?;
        session
            .s3
            .delete_objects()
            .bucket(&bucket)
            .delete(Delete::builder().set_objects(Some(objects)).quiet(true).build()?)
            .send()
            .await
            .map_err(sdk)
            .with_context(|| format!("cannot delete objects under s3://{bucket}/{prefix}"))?;
    }
    if !keys.is_empty() {
        eprintln!("destroy: deleted {} asset object(s) under s3://{bucket}/{prefix}", keys.len());
    }
    Ok(())
}
