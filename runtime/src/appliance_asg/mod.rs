//! Multi-ENI appliance autoscaling: the lifecycle function of an appliance Auto Scaling group.
//!
//! Launch action (the instance waits in `Pending:Wait`): observe the instance's interfaces and
//! addresses, [`interfaces::launch`] plan, apply (compensating what this run created if a step
//! fails), join the cluster, elect the primary (exactly one under concurrent launches), lease a
//! licence, then complete the action with CONTINUE. Whatever makes the instance impossible to make
//! whole (no subnet in its zone, an exhausted licence pool, an AWS failure) undoes what was done for
//! it and completes the action with ABANDON and the reason; an empty pool or unreadable state or
//! licence list also fails the invocation, for the alarm. A launch event for an instance that is no
//! longer waiting (a redelivery after completion) changes nothing.
//!
//! Terminate action, and instances that vanished without one (the scheduled sweep): undo the
//! network (release only addresses the function allocated, never the user's), return the licence,
//! hand the primary role over, leave the cluster, then CONTINUE.
//!
//! Appliance configuration (when the blueprint has some): before CONTINUE, the launch renders the
//! blueprint's template for the instance ([`render`]) and has the configure function, in the VPC,
//! push the admin password, the licence and the configuration over verified HTTPS
//! ([`configure`], [`appliance_api`]); a failure undoes and ABANDONs like any other. Each member
//! records the primary it was configured for; when the primary changes (terminate, sweep), every
//! member configured for another primary is pushed again ([`plan::reconfigure`]).
//!
//! [`plan`], [`interfaces`] and [`render`] are pure; [`network`], [`state`], [`lifecycle`] and
//! [`provision`] talk to AWS, [`appliance_api`] to the appliances.

pub mod appliance_api;
pub mod configure;
pub mod interfaces;
pub mod lifecycle;
pub mod metrics;
pub mod network;
pub mod plan;
pub mod provision;
pub mod render;
pub mod state;

use contract::appliance_asg::lifecycle as env;
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};

use crate::HandlerError;
use interfaces::InterfaceSpec;

/// The AWS clients the function uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub core: crate::Clients,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub s3: aws_sdk_s3::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    pub async fn load() -> Clients {
        Clients::from_conf(&crate::clients::load_config().await)
    }

    pub fn from_conf(conf: &aws_config::SdkConfig) -> Clients {
        Clients {
            core: crate::Clients::from_conf(conf),
            autoscaling: aws_sdk_autoscaling::Client::new(conf),
            s3: aws_sdk_s3::Client::new(conf),
            lambda: aws_sdk_lambda::Client::new(conf),
            secretsmanager: aws_sdk_secretsmanager::Client::new(conf),
            ssm: aws_sdk_ssm::Client::new(conf),
        }
    }
}

/// The function's configuration, read once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub asg_name: String,
    pub table: String,
    pub interfaces: Vec<InterfaceSpec>,
    pub licence_bucket: Option<String>,
    pub scale_in_protection: bool,
    /// How appliances are configured, if they are.
    pub configuration: Option<Configuration>,
}

/// Where the appliance configuration comes from and who pushes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// The configure function's name.
    pub function: String,
    /// The SSM parameter holding the template and its variables.
    pub parameter: String,
    /// The Secrets Manager secret holding the admin password.
    pub admin_secret: String,
    /// The device index whose private address serves the API.
    pub api_device_index: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Missing(#[from] contract::MissingEnv),
    #[error("invalid {name} '{value}': {expected}")]
    Invalid { name: &'static str, value: String, expected: String },
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let read = |v: contract::EnvVar| v.read_from(&lookup);
        let invalid = |v: contract::EnvVar, value: &str, expected: String| ConfigError::Invalid {
            name: v.name,
            value: value.to_owned(),
            expected,
        };
        let interfaces_text = read(env::INTERFACES)?;
        let interfaces: Vec<InterfaceSpec> = serde_json::from_str(&interfaces_text).map_err(|e| {
            invalid(env::INTERFACES, &interfaces_text, format!("expected a JSON list of interfaces: {e}"))
        })?;
        let protection = read(env::SCALE_IN_PROTECTION)?;
        let bucket = read(env::LICENCE_BUCKET)?;
        let function = read(env::CONFIGURE_FUNCTION)?;
        let device = read(env::API_DEVICE_INDEX)?;
        let configuration = if function.is_empty() {
            None
        } else {
            let (parameter, admin_secret) = (read(env::CONFIG_PARAMETER)?, read(env::ADMIN_SECRET)?);
            for (v, value) in [(env::CONFIG_PARAMETER, &parameter), (env::ADMIN_SECRET, &admin_secret)] {
                if value.is_empty() {
                    return Err(invalid(
                        v,
                        value,
                        format!("expected a value when {} is set", env::CONFIGURE_FUNCTION.name),
                    ));
                }
            }
            Some(Configuration {
                function,
                parameter,
                admin_secret,
                api_device_index: device.parse().map_err(|_| {
                    invalid(env::API_DEVICE_INDEX, &device, "expected a device index".to_owned())
                })?,
            })
        };
        Ok(Config {
            configuration,
            asg_name: read(env::ASG_NAME)?,
            table: read(env::STATE_TABLE)?,
            interfaces,
            licence_bucket: (!bucket.is_empty()).then_some(bucket),
            scale_in_protection: protection.parse().map_err(|_| {
                invalid(env::SCALE_IN_PROTECTION, &protection, "expected true or false".to_owned())
            })?,
        })
    }
}

/// The part of an EventBridge event the function reads.
#[derive(Debug, Clone, Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    #[serde(default)]
    detail: serde_json::Value,
}

/// The group and instance every event but the schedule names.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceDetail {
    auto_scaling_group_name: String,
    #[serde(rename = "EC2InstanceId")]
    ec2_instance_id: String,
}

/// What a lifecycle action adds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ActionDetail {
    lifecycle_action_token: String,
    lifecycle_hook_name: String,
}

/// A lifecycle action waiting for the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub hook: String,
    pub token: String,
    pub instance_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Launch(Action),
    Terminate(Action),
    /// The instance went in service (its launch action completed, by the function or by timeout).
    Launched(String),
    /// The instance is terminated (with or without a terminate action the function handled).
    Terminated(String),
    /// The scheduled sweep for instances that vanished without a terminate action.
    Sweep,
}

/// Reads an event, rejecting (before any AWS call) what is malformed or for another group.
pub fn parse_event(config: &Config, value: serde_json::Value) -> Result<Event, HandlerError> {
    let envelope: Envelope = serde_json::from_value(value)
        .map_err(|e| HandlerError::InvalidEvent(format!("not an EventBridge event: {e}")))?;
    let details = |what: &str, e: serde_json::Error| {
        HandlerError::InvalidEvent(format!("'{}' without its {what} details: {e}", envelope.detail_type))
    };
    // Every event but the schedule names the group and the instance.
    let instance = |what: &str| -> Result<String, HandlerError> {
        let d: InstanceDetail =
            serde_json::from_value(envelope.detail.clone()).map_err(|e| details(what, e))?;
        if d.auto_scaling_group_name != config.asg_name {
            return Err(HandlerError::InvalidEvent(format!(
                "the event is for group '{}', this function serves '{}'",
                d.auto_scaling_group_name, config.asg_name
            )));
        }
        if !d.ec2_instance_id.starts_with("i-") {
            return Err(HandlerError::InvalidEvent(format!("'{}' is not an instance ID", d.ec2_instance_id)));
        }
        Ok(d.ec2_instance_id)
    };
    let action = || -> Result<Action, HandlerError> {
        let instance_id = instance("lifecycle")?;
        let d: ActionDetail =
            serde_json::from_value(envelope.detail.clone()).map_err(|e| details("lifecycle", e))?;
        Ok(Action { hook: d.lifecycle_hook_name, token: d.lifecycle_action_token, instance_id })
    };
    match envelope.detail_type.as_str() {
        "EC2 Instance-launch Lifecycle Action" => Ok(Event::Launch(action()?)),
        "EC2 Instance-terminate Lifecycle Action" => Ok(Event::Terminate(action()?)),
        "EC2 Instance Launch Successful" => Ok(Event::Launched(instance("instance")?)),
        "EC2 Instance Terminate Successful" => Ok(Event::Terminated(instance("instance")?)),
        "Scheduled Event" => Ok(Event::Sweep),
        other => Err(HandlerError::InvalidEvent(format!(
            "unexpected detail-type '{other}': expected a launch or terminate lifecycle action, a launch or terminate success, or the schedule"
        ))),
    }
}

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Per instance handled: `instance -> outcome` (`continue`, `abandon: <reason>`, `skipped: <why>`,
    /// `cleaned`, `in service`, `replaced: <why>`, `reconfigured for primary <id>`, ...).
    pub outcomes: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// The invocation's metrics, emitted whether it succeeds or fails.
    #[serde(skip)]
    pub counts: metrics::Counts,
}

pub async fn handle(
    clients: &Clients,
    config: &Config,
    event: LambdaEvent<serde_json::Value>,
) -> Result<Report, HandlerError> {
    // Lambda's deadline for this invocation (0 when run outside Lambda, as in tests: none).
    let deadline = (event.context.deadline > 0)
        .then(|| std::time::UNIX_EPOCH + std::time::Duration::from_millis(event.context.deadline));
    let event = parse_event(config, event.payload)?;
    let mut report = Report::default();
    let result = dispatch(clients, config, event, deadline, &mut report).await;
    if report.counts != metrics::Counts::default() {
        metrics::emit(&config.asg_name, &report.counts);
    }
    result.map(|()| report)
}

async fn dispatch(
    clients: &Clients,
    config: &Config,
    event: Event,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    match event {
        Event::Launch(action) => launch(clients, config, &action, report).await,
        Event::Terminate(action) => {
            cleanup(clients, config, &action.instance_id).await?;
            report.counts.cleaned += 1;
            lifecycle::complete(clients, config, &action, lifecycle::Result::Continue).await?;
            report.outcomes.push((action.instance_id.clone(), "continue".to_owned()));
            // After the action completes: a slow appliance must not hold the termination up, and a
            // failed push is retried with the event (the plan only lists who still needs one).
            reconfigure(clients, config, report, deadline).await
        }
        Event::Launched(id) => launched(clients, config, &id, report).await,
        Event::Terminated(id) => {
            // Usually done already by the terminate action; not when that action timed out or the
            // group was deleted. Idempotent either way.
            cleanup(clients, config, &id).await?;
            report.counts.cleaned += 1;
            report.outcomes.push((id, "cleaned".to_owned()));
            reconfigure(clients, config, report, deadline).await
        }
        Event::Sweep => sweep(clients, config, deadline, report).await,
    }
}

/// An instance in service must have been made whole. One that is not (its launch action timed out
/// with a CONTINUE default result, say) has no interfaces, role or configuration of its own: it is
/// marked unhealthy so the group replaces it, rather than left taking traffic half-built.
async fn launched(
    clients: &Clients,
    config: &Config,
    id: &str,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let member = state::member(&clients.core, &config.table, id).await?;
    let whole =
        member.is_some_and(|m| !m.leaving && (config.configuration.is_none() || m.configured_for.is_some()));
    if whole {
        report.outcomes.push((id.to_owned(), "in service".to_owned()));
    } else {
        tracing::error!(instance = %id, "in service without having been made whole; replacing it");
        lifecycle::mark_unhealthy(clients, id).await?;
        report.counts.replaced += 1;
        report.outcomes.push((id.to_owned(), "replaced: in service without being made whole".to_owned()));
    }
    Ok(())
}

async fn launch(
    clients: &Clients,
    config: &Config,
    action: &Action,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    if !lifecycle::is_waiting(clients, config, id, lifecycle::PENDING_WAIT).await? {
        report.outcomes.push((id.clone(), "skipped: no active launch action".to_owned()));
        return Ok(());
    }
    match make_whole(clients, config, action, report).await {
        Ok(()) => {
            lifecycle::complete(clients, config, action, lifecycle::Result::Continue).await?;
            report.counts.launched += 1;
            report.outcomes.push((id.clone(), "continue".to_owned()));
            Ok(())
        }
        Err(e) => {
            tracing::error!(instance = %id, error = %e, error_type = e.error_type(), "launch failed; undoing and abandoning");
            match e {
                HandlerError::LicencePoolEmpty(_) => report.counts.licence_pool_empty += 1,
                HandlerError::Appliance(_) => report.counts.configuration_failed += 1,
                _ => {}
            }
            // Undo everything done for the instance, then let Auto Scaling replace it.
            cleanup(clients, config, id).await?;
            lifecycle::complete(clients, config, action, lifecycle::Result::Abandon).await?;
            report.counts.abandoned += 1;
            report.outcomes.push((id.clone(), format!("abandon: {e}")));
            match e {
                // Surfaced as a failed invocation too (the errors alarm): these need a person.
                HandlerError::LicencePoolEmpty(_)
                | HandlerError::CorruptState(_)
                | HandlerError::Appliance(_) => Err(e),
                _ => Ok(()),
            }
        }
    }
}

async fn make_whole(
    clients: &Clients,
    config: &Config,
    action: &Action,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    let observed = network::observe(&clients.core, id, &config.interfaces)
        .await?
        .ok_or_else(|| HandlerError::InvalidEvent(format!("instance '{id}' does not exist")))?;
    let steps = interfaces::launch(&config.interfaces, &observed)
        .map_err(|e| HandlerError::InvalidEvent(format!("instance '{id}' cannot be made whole: {e}")))?;
    if !steps.is_empty() {
        lifecycle::heartbeat(clients, config, action).await?;
        network::apply(&clients.core, id, &steps).await?;
    }
    state::join(&clients.core, &config.table, id, now_ms()).await?;
    let role = state::elect(&clients.core, &config.table, id).await?;
    if role == state::Role::Primary && config.scale_in_protection {
        lifecycle::protect(clients, config, id).await?;
    }
    report.role = Some(match role {
        state::Role::Primary => "primary".to_owned(),
        state::Role::Secondary { ref primary } => format!("secondary of {primary}"),
    });
    if let Some(bucket) = &config.licence_bucket {
        let pool = lifecycle::licence_pool(clients, bucket).await?;
        report.licence = Some(state::lease_licence(&clients.core, &config.table, id, &pool).await?);
    }
    if let Some(c) = &config.configuration {
        // Waiting for the appliance to boot can take minutes: restart the action's timeout first.
        lifecycle::heartbeat(clients, config, action).await?;
        let inputs = provision::Inputs::load(clients, c).await?;
        let primary = match &role {
            state::Role::Primary => id.clone(),
            state::Role::Secondary { primary } => primary.clone(),
        };
        let licence = report.licence.as_deref();
        provision::configure(clients, config, c, &inputs, id, &primary, licence, provision::Boot::Launching)
            .await?;
        state::configured(&clients.core, &config.table, id, &primary).await?;
        report.counts.configured += 1;
    }
    Ok(())
}

/// What one push to an appliance in service may take: a few requests, each with its timeout.
const PUSH_BUDGET: std::time::Duration = std::time::Duration::from_secs(4 * 15 + 10);

/// Pushes the configuration again to every member configured for another primary than the
/// current one. Members are in service, so their API is up: a push does not wait for a boot, and
/// pushes stop before the invocation's deadline. Every member is tried; the first failure (or
/// running out of time) is returned for Lambda's retry, whose plan lists only who still needs one.
async fn reconfigure(
    clients: &Clients,
    config: &Config,
    report: &mut Report,
    deadline: Option<std::time::SystemTime>,
) -> Result<(), HandlerError> {
    let Some(c) = &config.configuration else { return Ok(()) };
    let Some(primary) = state::primary(&clients.core, &config.table).await? else { return Ok(()) };
    let members = state::members(&clients.core, &config.table).await?;
    let pending = plan::reconfigure(&members, &primary);
    if pending.is_empty() {
        return Ok(());
    }
    let inputs = provision::Inputs::load(clients, c).await?;
    let leases = state::leases(&clients.core, &config.table).await?;
    let mut first_error = None;
    for m in pending {
        let id = &m.instance_id;
        let remaining = deadline.map(|d| d.duration_since(std::time::SystemTime::now()).unwrap_or_default());
        if remaining.is_some_and(|r| r < PUSH_BUDGET) {
            report.outcomes.push((id.clone(), "reconfiguration deferred to the retry".to_owned()));
            first_error.get_or_insert(HandlerError::Appliance(format!(
                "the invocation ran out of time before reconfiguring {id}; the retry continues"
            )));
            continue;
        }
        let licence = leases.iter().find(|(_, holder)| *holder == id).map(|(name, _)| name.as_str());
        let pushed = async {
            provision::configure(
                clients,
                config,
                c,
                &inputs,
                id,
                &primary,
                licence,
                provision::Boot::Running,
            )
            .await?;
            state::configured(&clients.core, &config.table, id, &primary).await
        };
        match pushed.await {
            Ok(()) => {
                report.counts.configured += 1;
                report.outcomes.push((id.clone(), format!("reconfigured for primary {primary}")));
            }
            Err(e) => {
                report.counts.configuration_failed += 1;
                tracing::error!(instance = %id, error = %e, "reconfiguration failed");
                report.outcomes.push((id.clone(), format!("reconfiguration failed: {e}")));
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Undoes everything done for an instance: network, licence, role, membership. Idempotent.
async fn cleanup(clients: &Clients, config: &Config, instance_id: &str) -> Result<(), HandlerError> {
    if let Some(observed) = network::observe(&clients.core, instance_id, &config.interfaces).await? {
        network::apply(&clients.core, instance_id, &interfaces::terminate(&observed)).await?;
    }
    state::release_licences(&clients.core, &config.table, instance_id).await?;
    state::mark_leaving(&clients.core, &config.table, instance_id).await?;
    let primary = state::hand_over(&clients.core, &config.table, instance_id).await?;
    if let Some(primary) = primary.filter(|p| p != instance_id)
        && config.scale_in_protection
    {
        lifecycle::protect(clients, config, &primary).await?;
    }
    state::leave(&clients.core, &config.table, instance_id).await
}

/// Cleans up members whose instance is gone without a terminate action (terminated by hand, or
/// its action timed out).
async fn sweep(
    clients: &Clients,
    config: &Config,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    for member in state::members(&clients.core, &config.table).await? {
        if !lifecycle::is_gone(clients, &member.instance_id).await? {
            continue;
        }
        cleanup(clients, config, &member.instance_id).await?;
        report.counts.cleaned += 1;
        report.outcomes.push((member.instance_id, "cleaned".to_owned()));
    }
    reconfigure(clients, config, report, deadline).await
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config() -> Config {
        Config {
            asg_name: "fw".into(),
            table: "t".into(),
            interfaces: vec![],
            licence_bucket: None,
            scale_in_protection: true,
            configuration: None,
        }
    }

    fn action(detail_type: &str, group: &str, instance: &str) -> serde_json::Value {
        json!({"version": "0", "detail-type": detail_type, "source": "aws.autoscaling", "detail": {
            "LifecycleActionToken": "tok", "AutoScalingGroupName": group, "LifecycleHookName": "launch",
            "EC2InstanceId": instance, "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING"}})
    }

    #[test]
    fn lifecycle_actions_and_the_schedule_are_recognised() {
        let launch = parse_event(&config(), action("EC2 Instance-launch Lifecycle Action", "fw", "i-1"))
            .expect("launch");
        assert_eq!(
            launch,
            Event::Launch(Action { hook: "launch".into(), token: "tok".into(), instance_id: "i-1".into() })
        );
        assert!(matches!(
            parse_event(&config(), action("EC2 Instance-terminate Lifecycle Action", "fw", "i-1")),
            Ok(Event::Terminate(_))
        ));
        assert_eq!(
            parse_event(&config(), json!({"detail-type": "Scheduled Event", "detail": {}})).expect("sweep"),
            Event::Sweep
        );
        for (detail_type, expected) in [
            ("EC2 Instance Launch Successful", Event::Launched("i-1".into())),
            ("EC2 Instance Terminate Successful", Event::Terminated("i-1".into())),
        ] {
            let event = json!({"detail-type": detail_type, "source": "aws.autoscaling", "detail": {
                "StatusCode": "InProgress", "AutoScalingGroupName": "fw", "EC2InstanceId": "i-1"}});
            assert_eq!(parse_event(&config(), event).expect(detail_type), expected);
        }
        let foreign = json!({"detail-type": "EC2 Instance Launch Successful", "detail": {
            "AutoScalingGroupName": "other", "EC2InstanceId": "i-1"}});
        assert_eq!(parse_event(&config(), foreign).expect_err("foreign").error_type(), "NonRetryable");
    }

    #[test]
    fn malformed_and_foreign_events_are_rejected_as_non_retryable() {
        for (event, message) in [
            (json!({"nope": 1}), "not an EventBridge event"),
            (action("EC2 Instance-launch Lifecycle Action", "other", "i-1"), "for group 'other'"),
            (action("EC2 Instance-launch Lifecycle Action", "fw", "sg-1"), "'sg-1' is not an instance ID"),
            (
                json!({"detail-type": "EC2 Instance-launch Lifecycle Action", "detail": {}}),
                "without its lifecycle details",
            ),
            (
                json!({"detail-type": "EC2 Spot Instance Interruption Warning", "detail": {}}),
                "unexpected detail-type",
            ),
        ] {
            let err = parse_event(&config(), event).expect_err(message);
            assert_eq!(err.error_type(), "NonRetryable");
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn configuration_is_read_and_checked() {
        let vars = |interfaces: &str, protection: &str| {
            let interfaces = interfaces.to_owned();
            let protection = protection.to_owned();
            move |name: &str| {
                Some(match name {
                    "ASG_NAME" => "fw".to_owned(),
                    "STATE_TABLE" => "t".to_owned(),
                    "INTERFACES" => interfaces.clone(),
                    "LICENCE_BUCKET" => String::new(),
                    "SCALE_IN_PROTECTION" => protection.clone(),
                    "CONFIGURE_FUNCTION" | "CONFIG_PARAMETER" | "ADMIN_SECRET" => String::new(),
                    "API_DEVICE_INDEX" => "0".to_owned(),
                    _ => return None,
                })
            }
        };
        let json = r#"[{"device_index": 1, "subnets": {"a": "subnet-1"}, "security_groups": ["sg-1"],
            "source_dest_check": false, "description": "port2", "public_ip": {"allocate": {"pool": null}}}]"#;
        let c = Config::from_lookup(vars(json, "true")).expect("config");
        assert_eq!(c.interfaces.len(), 1);
        assert_eq!(c.licence_bucket, None);
        let err = Config::from_lookup(vars("[{]", "true")).expect_err("bad json");
        assert!(
            err.to_string().starts_with("invalid INTERFACES '[{]': expected a JSON list of interfaces"),
            "{err}"
        );
        let err = Config::from_lookup(vars("[]", "yes")).expect_err("bad flag");
        assert_eq!(err.to_string(), "invalid SCALE_IN_PROTECTION 'yes': expected true or false");
    }
}
