//! Following a stack operation: new stack events as they happen, a progress count, and a heartbeat
//! line whenever nothing has happened for a few seconds, until the stack reaches a final status.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_sdk_cloudformation::types::StackEvent;

use super::session::{Session, sdk};

/// Longest silence before a "still waiting" line.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How an operation ended.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) status: String,
    pub(crate) reason: Option<String>,
    /// `LogicalId (Type): reason` of each resource that failed (cancellations left out).
    pub(crate) failures: Vec<String>,
}

impl Outcome {
    pub(crate) fn succeeded(&self) -> bool {
        matches!(
            self.status.as_str(),
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
        )
    }
}

/// Whether `status` is final (no operation in progress).
pub(crate) fn is_final(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

/// The IDs of the events the stack has now, so [`follow`] prints only later ones.
pub(crate) async fn seen_events(session: &Session, stack: &str) -> anyhow::Result<BTreeSet<String>> {
    let mut seen = BTreeSet::new();
    let mut pages = session.cfn.describe_stack_events().stack_name(stack).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                seen.extend(page.stack_events().iter().filter_map(|e| e.event_id().map(str::to_owned)))
            }
            // A stack that does not exist yet has no events.
            Err(e)
                if format!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(&e))
                    .contains("does not exist") =>
            {
                break;
            }
            Err(e) => return Err(sdk(e)),
        }
    }
    Ok(seen)
}

/// Prints the stack's new events until it reaches a final status. `total` is the number of
/// resources the operation touches (for the progress count); `stack` is a name or, better, an ID
/// (a deleted stack is only found by its ID).
pub(crate) async fn follow(
    session: &Session,
    stack: &str,
    mut seen: BTreeSet<String>,
    total: usize,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut last_output = Instant::now();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut in_progress: BTreeSet<String> = BTreeSet::new();
    let mut failures = Vec::new();
    loop {
        let mut fresh: Vec<StackEvent> = Vec::new();
        let mut pages = session.cfn.describe_stack_events().stack_name(stack).into_paginator().send();
        'pages: while let Some(page) = pages.next().await {
            let page =
                page.map_err(sdk).with_context(|| format!("cannot read the events of stack {stack}"))?;
            for e in page.stack_events() {
                let id = e.event_id().unwrap_or_default().to_owned();
                if seen.contains(&id) {
                    // Events come newest first: everything after a seen one was seen too.
                    break 'pages;
                }
                seen.insert(id);
                fresh.push(e.clone());
            }
        }
        fresh.reverse();
        let mut final_status = None;
        for e in &fresh {
            let logical = e.logical_resource_id().unwrap_or_default();
            let status = e.resource_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
            let ty = e.resource_type().unwrap_or_default();
            let reason = e.resource_status_reason().unwrap_or_default();
            let is_stack = ty == "AWS::CloudFormation::Stack";
            if !is_stack {
                if status.ends_with("_IN_PROGRESS") {
                    in_progress.insert(logical.to_owned());
                } else {
                    in_progress.remove(logical);
                    done.insert(logical.to_owned());
                }
                if status.ends_with("_FAILED") && !reason.contains("cancelled") {
                    failures.push(format!("{logical} ({ty}): {reason}"));
                }
            }
            let progress =
                format!("[{:>3}/{:<3}]", done.len().min(total.max(done.len())), total.max(done.len()));
            let physical = e.physical_resource_id().filter(|p| !p.is_empty() && !is_stack);
            let mut line = format!(
                "{progress} {:>5.1}s  {status:<28} {ty:<42} {logical}",
                started.elapsed().as_secs_f64()
            );
            if let Some(p) = physical
                && status.ends_with("_COMPLETE")
            {
                line.push_str(&format!("  ({p})"));
            }
            if !reason.is_empty() && (status.ends_with("_FAILED") || is_stack) && reason != "User Initiated" {
                line.push_str(&format!("\n{:>21}{reason}", ""));
            }
            eprintln!("{line}");
            last_output = Instant::now();
            if is_stack && is_final(&status) {
                final_status = Some((status, e.resource_status_reason().map(str::to_owned)));
            }
        }
        // The stack record is the authority on the final status (events can lag behind it).
        let current = describe_status(session, stack).await?;
        let finished = match (&final_status, &current) {
            (Some(done), _) => Some(done.clone()),
            (None, Some((status, reason))) if is_final(status) && fresh.is_empty() => {
                Some((status.clone(), reason.clone()))
            }
            (None, None) => Some(("DELETE_COMPLETE".to_owned(), None)),
            _ => None,
        };
        if let Some((status, reason)) = finished {
            return Ok(Outcome { status, reason, failures });
        }
        if last_output.elapsed() >= HEARTBEAT {
            let waiting = if in_progress.is_empty() {
                "waiting for CloudFormation".to_owned()
            } else {
                format!("in progress: {}", in_progress.iter().cloned().collect::<Vec<_>>().join(", "))
            };
            eprintln!(
                "[{:>3}/{:<3}] {:>5.1}s  ... {waiting}",
                done.len(),
                total.max(done.len()),
                started.elapsed().as_secs_f64()
            );
            last_output = Instant::now();
        }
        tokio::time::sleep(session.poll).await;
    }
}

/// The stack's status and reason, or `None` if it does not exist.
pub(crate) async fn describe_status(
    session: &Session,
    stack: &str,
) -> anyhow::Result<Option<(String, Option<String>)>> {
    match session.cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().map(|s| {
            (
                s.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                s.stack_status_reason().map(str::to_owned),
            )
        })),
        Err(e)
            if format!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(&e))
                .contains("does not exist") =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk(e)).with_context(|| format!("cannot describe stack {stack}")),
    }
}
