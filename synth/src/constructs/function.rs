//! A Lambda function with its own role, log group and (optionally) VPC attachment and dead-letter queue.
//!
//! Defaults: `provided.al2023` (the Rust binary is the bootstrap), JSON logs into a log group this
//! construct owns (so retention is set and the role can be scoped to it), code from the stack's asset
//! bucket under a content-hash key passed as a parameter, and an inline role policy that starts with
//! only what the function's plumbing needs. The environment is checked against the function's
//! [`FunctionSpec`] contract: every variable it reads is set, and nothing else.

use std::collections::BTreeMap;

use contract::FunctionSpec;

use crate::blueprint::Architecture;
use crate::cfn::resources::iam::{PolicyDocument, RolePolicy, Statement};
use crate::cfn::resources::{iam, lambda, logs, serverless, sqs};
use crate::cfn::{Expr, LogicalId, Parameter, ResourceProps, Template};

use super::event_rule::{EventRule, Trigger};
use super::{BuildError, Ctx, id};

/// The stack parameter naming the S3 bucket that holds function code.
pub const ASSETS_BUCKET: &str = "AssetsBucket";
/// Lambda's limit on the total size of a function's environment variables.
pub const MAX_ENV_BYTES: usize = 4096;
/// What an unresolved intrinsic (a DNS name, an ARN) is assumed to take in the environment.
const INTRINSIC_ESTIMATE: usize = 256;

#[derive(Debug, Clone)]
pub struct FunctionProps<'a> {
    /// Name in logical IDs, such as `Caller` or `OrdersTarget`.
    pub name: &'a str,
    pub spec: &'a FunctionSpec,
    pub description: String,
    /// Values for the contract's variables, keyed by variable name.
    pub env: BTreeMap<&'static str, Expr>,
    pub memory_mb: u32,
    pub timeout_seconds: u32,
    pub architecture: Architecture,
    pub log_retention_days: u32,
    /// Subnets and security groups, for a VPC-attached function.
    pub vpc: Option<VpcAttachment>,
    pub reserved_concurrency: Option<u32>,
    /// Send failed asynchronous invocations to an encrypted SQS queue.
    pub dead_letter_queue: bool,
    /// Run on an EventBridge schedule (`rate(..)` or `cron(..)`), with this description.
    pub schedule: Option<(String, String)>,
}

/// Where a VPC-attached function's network interfaces go.
#[derive(Debug, Clone)]
pub struct VpcAttachment {
    /// Subnet IDs: `Ref`s of the stack's subnets, or IDs of existing ones.
    pub subnets: Vec<Expr>,
    /// Security group IDs (`Fn::GetAtt <group>.GroupId`).
    pub security_groups: Vec<Expr>,
}

impl VpcAttachment {
    /// The stack's own subnets and security groups.
    pub fn owned(subnets: &[LogicalId], groups: &[LogicalId]) -> VpcAttachment {
        VpcAttachment {
            subnets: subnets.iter().map(Expr::r#ref).collect(),
            security_groups: groups.iter().map(|g| Expr::get_att(g, "GroupId")).collect(),
        }
    }
}

/// The IDs of what [`build`] added.
#[derive(Debug, Clone)]
pub struct Function {
    /// The name logical IDs start with, such as `Sync`.
    pub name: String,
    pub id: LogicalId,
    pub role: LogicalId,
    pub log_group: LogicalId,
    pub code_key: LogicalId,
    pub dead_letter_queue: Option<LogicalId>,
}

impl Function {
    pub fn arn(&self) -> Expr {
        Expr::get_att(&self.id, "Arn")
    }

    /// Lets `grantee` invoke this function synchronously.
    pub fn grant_invoke(&self, t: &mut Template, grantee: &Function) {
        grantee.grant(t, Statement::allow(vec!["lambda:InvokeFunction".into()], vec![self.arn()]));
    }

    /// Adds `statement` to the function role's inline policy.
    pub fn grant(&self, t: &mut Template, statement: Statement) {
        if let Some(ResourceProps::Role(role)) = t.resources.get_mut(&self.role).map(|r| &mut r.props)
            && let Some(policy) = role.policies.first_mut()
        {
            policy.policy_document.statement.push(statement);
        }
    }
}

pub fn build(t: &mut Template, ctx: &Ctx, p: &FunctionProps<'_>) -> Result<Function, BuildError> {
    let env = check_env(p)?;
    let fid = id(&[p.name, "Function"])?;
    let role = id(&[p.name, "Role"])?;
    let log_group = id(&[p.name, "LogGroup"])?;
    let code_key = id(&[p.name, "CodeKey"])?;

    let bucket = id(&[ASSETS_BUCKET])?;
    if !t.parameters.contains_key(&bucket) {
        t.add_parameter(
            &bucket,
            Parameter {
                min_length: Some(3),
                ..Parameter::string("S3 bucket holding the function code (set by `cargo xtask deploy`)")
            },
        )?;
    }
    t.add_parameter(
        &code_key,
        Parameter {
            min_length: Some(1),
            ..Parameter::string(format!(
                "S3 key of the {} code zip, named by content hash (set by `cargo xtask deploy`)",
                p.spec.binary
            ))
        },
    )?;

    t.add(
        &log_group,
        logs::LogGroup {
            retention_in_days: Some(p.log_retention_days.into()),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;

    let mut statements = vec![Statement::allow(
        vec!["logs:CreateLogStream".into(), "logs:PutLogEvents".into()],
        vec![Expr::get_att(&log_group, "Arn")],
    )];
    if let Some(vpc) = &p.vpc {
        statements.extend(vpc_access(vpc));
    }
    let dlq = if p.dead_letter_queue {
        let q = id(&[p.name, "DeadLetterQueue"])?;
        t.add(
            &q,
            sqs::Queue {
                message_retention_period: Some(1_209_600u32.into()),
                sqs_managed_sse_enabled: Some(true.into()),
                tags: ctx.tags(),
                ..Default::default()
            },
        )?;
        statements.push(Statement::allow(vec!["sqs:SendMessage".into()], vec![Expr::get_att(&q, "Arn")]));
        Some(q)
    } else {
        None
    };
    t.add(
        &role,
        iam::Role {
            assume_role_policy_document: Some(PolicyDocument::assume_role("lambda.amazonaws.com")),
            description: Some(format!("Execution role of the {} function", p.spec.binary).into()),
            policies: vec![RolePolicy {
                policy_name: format!("{}-runtime", p.spec.binary).into(),
                policy_document: PolicyDocument::new(statements),
            }],
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;

    let environment = Some(lambda::Environment { variables: env });
    let logging_config = Some(lambda::LoggingConfig {
        log_format: Some("JSON".into()),
        log_group: Some(Expr::r#ref(&log_group)),
        ..Default::default()
    });
    let vpc_config = p.vpc.as_ref().map(|vpc| lambda::VpcConfig {
        subnet_ids: vpc.subnets.clone(),
        security_group_ids: vpc.security_groups.clone(),
        ..Default::default()
    });
    let asset = asset_metadata(p, &code_key);
    if ctx.sam {
        let events = p
            .schedule
            .iter()
            .map(|(expression, description)| {
                let event = serverless::ScheduleEvent {
                    schedule: Some(expression.as_str().into()),
                    description: Some(description.as_str().into()),
                    enabled: Some(true.into()),
                };
                ("Schedule".to_owned(), serverless::EventSource::Schedule(event))
            })
            .collect();
        t.add(
            &fid,
            serverless::Function {
                description: Some(p.description.clone().into()),
                runtime: Some("provided.al2023".into()),
                handler: Some("bootstrap".into()),
                architectures: vec![p.architecture.as_str().into()],
                code_uri: Some(serverless::CodeUri {
                    bucket: Some(Expr::r#ref(&bucket)),
                    key: Some(Expr::r#ref(&code_key)),
                }),
                memory_size: Some(p.memory_mb.into()),
                timeout: Some(p.timeout_seconds.into()),
                role: Some(Expr::get_att(&role, "Arn")),
                environment,
                vpc_config,
                logging_config,
                dead_letter_queue: dlq.as_ref().map(|q| serverless::DeadLetterQueue {
                    r#type: Some("SQS".into()),
                    target_arn: Some(Expr::get_att(q, "Arn")),
                }),
                reserved_concurrent_executions: p.reserved_concurrency.map(Into::into),
                events,
                tags: ctx.tags.iter().map(|(k, v)| (k.clone(), Expr::str(v))).collect(),
            },
        )?
        .metadata
        .insert(crate::assets::METADATA_KEY.to_owned(), asset);
    } else {
        t.add(
            &fid,
            lambda::Function {
                description: Some(p.description.clone().into()),
                runtime: Some("provided.al2023".into()),
                handler: Some("bootstrap".into()),
                architectures: vec![p.architecture.as_str().into()],
                code: Some(lambda::Code {
                    s3_bucket: Some(Expr::r#ref(&bucket)),
                    s3_key: Some(Expr::r#ref(&code_key)),
                    ..Default::default()
                }),
                memory_size: Some(p.memory_mb.into()),
                timeout: Some(p.timeout_seconds.into()),
                role: Some(Expr::get_att(&role, "Arn")),
                environment,
                logging_config,
                vpc_config,
                dead_letter_config: dlq
                    .as_ref()
                    .map(|q| lambda::DeadLetterConfig { target_arn: Some(Expr::get_att(q, "Arn")) }),
                reserved_concurrent_executions: p.reserved_concurrency.map(Into::into),
                tags: ctx.tags(),
                ..Default::default()
            },
        )?
        .metadata
        .insert(crate::assets::METADATA_KEY.to_owned(), asset);
        if let Some((expression, description)) = &p.schedule {
            EventRule {
                id: id(&[p.name, "Schedule"])?,
                description: description.clone(),
                trigger: Trigger::Schedule(expression.clone()),
                target_id: p.name.to_owned(),
                dead_letter_queue: None,
                retry: None,
            }
            .invoke(t, Expr::get_att(&fid, "Arn"))?;
        }
    }
    Ok(Function { name: p.name.to_owned(), id: fid, role, log_group, code_key, dead_letter_queue: dlq })
}

/// Tells `cargo xtask` which binary the function runs and which parameter carries its code key, so a
/// deployed stack says what to build, hotswap and invoke without its blueprint.
fn asset_metadata(p: &FunctionProps<'_>, code_key: &LogicalId) -> Expr {
    crate::assets::metadata(&contract::assets::AssetMetadata {
        architecture: p.architecture.as_str().to_owned(),
        binary: p.spec.binary.to_owned(),
        code_key_parameter: code_key.as_str().to_owned(),
    })
}

/// What Lambda needs to manage the function's network interfaces, scoped to the function's own
/// subnets and security groups.
fn vpc_access(vpc: &VpcAttachment) -> Vec<Statement> {
    let eni = Expr::arn("ec2", "network-interface/*");
    let mut create_on = vec![eni.clone()];
    create_on.extend(vpc.subnets.iter().map(|s| ec2_arn("subnet", "Subnet", s)));
    create_on.extend(vpc.security_groups.iter().map(|g| ec2_arn("security-group", "Group", g)));
    vec![
        Statement::allow(vec!["ec2:CreateNetworkInterface".into()], create_on),
        Statement::allow(
            vec![
                "ec2:DeleteNetworkInterface".into(),
                "ec2:AssignPrivateIpAddresses".into(),
                "ec2:UnassignPrivateIpAddresses".into(),
            ],
            vec![eni],
        ),
        // The Describe calls have no resource-level permissions in IAM: "*" is the only valid
        // resource, and they are read-only.
        Statement::allow(
            vec!["ec2:DescribeNetworkInterfaces".into(), "ec2:DescribeSubnets".into()],
            vec![Expr::str("*")],
        ),
    ]
}

/// The ARN of the EC2 resource `kind/<id>`: literal for a known ID, `Fn::Sub` with `var` otherwise.
fn ec2_arn(kind: &str, var: &str, id: &Expr) -> Expr {
    match id {
        Expr::Str(s) => Expr::arn("ec2", &format!("{kind}/{s}")),
        other => Expr::sub_with(
            format!("arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:{kind}/${{{var}}}"),
            [(var.to_owned(), other.clone())],
        ),
    }
}

fn check_env(p: &FunctionProps<'_>) -> Result<BTreeMap<String, Expr>, BuildError> {
    let binary = p.spec.binary;
    for var in p.spec.env {
        if !p.env.contains_key(var.name) {
            return Err(BuildError::MissingEnv { binary, name: var.name });
        }
    }
    if let Some(extra) = p.env.keys().find(|k| !p.spec.env.iter().any(|v| v.name == **k)) {
        return Err(BuildError::UnknownEnv { binary, name: (*extra).to_owned() });
    }
    // A `Fn::Join` around a long literal (JSON with an ID spliced in) counts its literal parts.
    fn estimate(v: &Expr) -> usize {
        match v {
            Expr::Str(s) => s.len(),
            Expr::Int(i) => i.to_string().len(),
            Expr::Join { delimiter, parts } => {
                parts.iter().map(estimate).sum::<usize>() + delimiter.len() * parts.len().saturating_sub(1)
            }
            _ => INTRINSIC_ESTIMATE,
        }
    }
    let size: usize = p.env.iter().map(|(k, v)| k.len() + estimate(v)).sum();
    if size > MAX_ENV_BYTES {
        return Err(BuildError::EnvTooLarge { binary, size });
    }
    Ok(p.env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}
