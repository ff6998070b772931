//! Change sets: create one for the new template, wait until CloudFormation has computed it, read its
//! changes, execute or delete it.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter};

use super::diff::{Action, Replacement, ResourceChange};
use super::events;
use super::session::{Session, sdk};

/// What is deployed under a stack name, as far as the next deploy is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Existing {
    /// No stack, or one created by a change set that was never executed: create.
    None,
    /// A stack whose first create failed and rolled back: it must be deleted before creating again.
    RolledBackCreate,
    /// A stack in a final state that can be updated.
    Updatable { status: String },
    /// A stack that cannot be deployed to now, with what to do about it.
    Blocked { status: String, advice: String },
}

pub(crate) async fn existing(session: &Session, stack: &str) -> anyhow::Result<Existing> {
    let Some((status, _)) = events::describe_status(session, stack).await? else { return Ok(Existing::None) };
    Ok(match status.as_str() {
        "REVIEW_IN_PROGRESS" => Existing::None,
        "ROLLBACK_COMPLETE" => Existing::RolledBackCreate,
        s if s.ends_with("_IN_PROGRESS") => Existing::Blocked {
            status,
            advice: "another operation is running on it; wait for it to finish and deploy again".to_owned(),
        },
        "ROLLBACK_FAILED" | "DELETE_FAILED" => Existing::Blocked {
            status,
            advice: "run `cargo xtask destroy` for it (it could not be cleaned up), then deploy again"
                .to_owned(),
        },
        "UPDATE_ROLLBACK_FAILED" => Existing::Blocked {
            status,
            advice:
                "continue the rollback first (aws cloudformation continue-update-rollback), then deploy again"
                    .to_owned(),
        },
        _ => Existing::Updatable { status },
    })
}

/// A change set CloudFormation has finished computing.
#[derive(Debug, Clone)]
pub(crate) struct Ready {
    pub(crate) id: String,
    pub(crate) stack_id: String,
    pub(crate) kind: ChangeSetType,
    /// Empty when the template and parameters match what is deployed.
    pub(crate) changes: Vec<ResourceChange>,
    /// Whether it can be executed: false when CloudFormation found nothing to change (and the change
    /// set is gone); true with no resource changes when only parameters or outputs change.
    pub(crate) executable: bool,
}

/// Where the template comes from.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Inline(String),
    Url(String),
}

pub(crate) async fn create(
    session: &Session,
    stack: &str,
    kind: ChangeSetType,
    body: &Body,
    parameters: &[(String, String)],
) -> anyhow::Result<Ready> {
    let name =
        format!("xtask-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let mut req = session
        .cfn
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .change_set_type(kind.clone())
        .description("cargo xtask deploy")
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand);
    req = match body {
        Body::Inline(t) => req.template_body(t),
        Body::Url(u) => req.template_url(u),
    };
    for (k, v) in parameters {
        req = req.parameters(Parameter::builder().parameter_key(k).parameter_value(v).build());
    }
    let created = match req.send().await {
        Ok(c) => c,
        // The emulator (and some AWS paths) refuse an unchanged template outright.
        Err(e) if no_changes(&format!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(&e))) => {
            return Ok(Ready {
                id: String::new(),
                stack_id: stack.to_owned(),
                kind,
                changes: Vec::new(),
                executable: false,
            });
        }
        Err(e) => return Err(sdk(e)).with_context(|| format!("cannot create a change set for {stack}")),
    };
    let id = created.id().context("CreateChangeSet returned no id")?.to_owned();
    let stack_id = created.stack_id().unwrap_or(stack).to_owned();

    let started = Instant::now();
    let mut announced = Instant::now();
    loop {
        let out = session
            .cfn
            .describe_change_set()
            .change_set_name(&id)
            .send()
            .await
            .map_err(sdk)
            .context("cannot read the change set")?;
        let status = out.status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        match status.as_str() {
            "CREATE_COMPLETE" => break,
            "FAILED" => {
                let reason = out.status_reason().unwrap_or_default().to_owned();
                if no_changes(&reason) {
                    delete(session, &id).await?;
                    return Ok(Ready { id, stack_id, kind, changes: Vec::new(), executable: false });
                }
                delete(session, &id).await?;
                bail!("CloudFormation rejected the change set for {stack}: {reason}");
            }
            _ => {}
        }
        if announced.elapsed() >= Duration::from_secs(3) {
            eprintln!(
                "deploy: CloudFormation is computing the change set ({:.0}s) ...",
                started.elapsed().as_secs_f64()
            );
            announced = Instant::now();
        }
        tokio::time::sleep(session.poll).await;
    }
    let changes = read_changes(session, &id).await?;
    Ok(Ready { id, stack_id, kind, changes, executable: true })
}

/// Whether CloudFormation's message means "the template and parameters are what is deployed".
fn no_changes(message: &str) -> bool {
    message.contains("didn't contain changes") || message.contains("No updates are to be performed")
}

async fn read_changes(session: &Session, id: &str) -> anyhow::Result<Vec<ResourceChange>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = session
            .cfn
            .describe_change_set()
            .change_set_name(id)
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk)
            .context("cannot read the change set")?;
        for change in page.changes() {
            let Some(rc) = change.resource_change() else { continue };
            let action = match rc.action().map(|a| a.as_str()) {
                Some("Add") => Action::Add,
                Some("Modify") => Action::Modify,
                Some("Remove") => Action::Remove,
                other => Action::Other(other.unwrap_or("unknown").to_owned()),
            };
            let replacement = match rc.replacement().map(|r| r.as_str()) {
                Some("True") => Replacement::Yes,
                Some("False") => Replacement::No,
                Some("Conditional") => Replacement::Conditional,
                _ => Replacement::NotApplicable,
            };
            let mut properties: Vec<String> = rc
                .details()
                .iter()
                .filter_map(|d| d.target().and_then(|t| t.name()).map(str::to_owned))
                .collect();
            properties.sort();
            properties.dedup();
            out.push(ResourceChange {
                action,
                logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
                resource_type: rc.resource_type().unwrap_or_default().to_owned(),
                replacement,
                properties,
            });
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

pub(crate) async fn execute(session: &Session, id: &str) -> anyhow::Result<()> {
    session
        .cfn
        .execute_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(sdk)
        .context("cannot execute the change set")?;
    Ok(())
}

pub(crate) async fn delete(session: &Session, id: &str) -> anyhow::Result<()> {
    session
        .cfn
        .delete_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(sdk)
        .context("cannot delete the change set")?;
    Ok(())
}

/// Deletes the stack and waits for the outcome, printing its events.
pub(crate) async fn delete_stack(
    session: &Session,
    stack: &str,
    resources: usize,
) -> anyhow::Result<events::Outcome> {
    let stack_id = match session.cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => out.stacks().first().and_then(|s| s.stack_id()).unwrap_or(stack).to_owned(),
        Err(_) => stack.to_owned(),
    };
    let seen = events::seen_events(session, &stack_id).await?;
    session
        .cfn
        .delete_stack()
        .stack_name(&stack_id)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot delete stack {stack}"))?;
    events::follow(session, &stack_id, seen, resources).await
}
