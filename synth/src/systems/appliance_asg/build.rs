//! The appliance-asg template: launch template, group and hooks, lifecycle function with its rule,
//! state table, licence bucket, grants and alarms, and the configuration's parts.

use std::collections::BTreeMap;

use contract::appliance_asg::configure;
use contract::appliance_asg::lifecycle as env;
use contract::appliance_asg::lifecycle::{Interface, PublicIp};
use contract::events;

use super::configuration as config_value;
use super::grants;
use super::{ApplianceAsg, ApplianceConfiguration, DefaultResult, Licences, PublicIpSetting};
use crate::cfn::resources::iam::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::{autoscaling, ec2, kms, secretsmanager, ssm};
use crate::cfn::{Expr, LogicalId, Template, json};
use crate::constructs::alarms::{Alarms, Evaluation, Metric};
use crate::constructs::event_rule::{EventRule, Trigger};
use crate::constructs::function::{self, FunctionProps, VpcAttachment};
use crate::constructs::secure_bucket::SecureBucket;
use crate::constructs::security_group::SecurityGroup;
use crate::constructs::state_table::StateTable;
use crate::constructs::{BuildError, Ctx, id, output};

/// What the stack adds for a blueprint's `configuration`.
struct Configuration<'a> {
    c: &'a ApplianceConfiguration,
    api_group: SecurityGroup,
    parameter: LogicalId,
    /// The admin secret's ARN: `Ref` of the stack's secret, or the blueprint's.
    secret: Expr,
    /// The ARN of the key encrypting the stack's secret (none for the blueprint's own secret).
    secret_key: Option<Expr>,
    function: function::Function,
}

impl Configuration<'_> {
    fn api_group_id(&self) -> Expr {
        Expr::get_att(&self.api_group.id, "GroupId")
    }
}

pub(super) fn build(ctx: &Ctx, description: Option<&str>, a: &ApplianceAsg) -> Result<Template, BuildError> {
    let mut t = Template {
        description: Some(description.map_or_else(
            || format!("{}: appliances in an Auto Scaling group with extra network interfaces", ctx.stack),
            str::to_owned,
        )),
        ..Template::default()
    };
    // The group's name is fixed so the function's permissions can name it before it exists.
    let asg_name = ctx.stack.clone();

    let config = match &a.configuration {
        Some(c) => Some(configuration(&mut t, ctx, a, c)?),
        None => None,
    };
    let api_on_boot = config.as_ref().filter(|c| c.c.api_device_index == 0);

    let launch_template = launch_template(&mut t, ctx, a, api_on_boot)?;
    group(&mut t, ctx, a, &asg_name, &launch_template)?;

    let table = StateTable::add(&mut t, ctx, "State", env::STATE_KEY_ATTRIBUTE)?;

    let licence_bucket = match a.licences {
        Licences::None => None,
        Licences::Files => {
            let bucket = SecureBucket::add(&mut t, ctx, "Licence", |_| Vec::new())?;
            // Licences are paid for: never delete them with the stack.
            bucket.retain(&mut t);
            Some(bucket)
        }
    };

    let api_interface = config.as_ref().map_or(0, |c| c.c.api_device_index);
    let interfaces = interfaces(a, &asg_name, config.as_ref())?;
    let unset = || Expr::str("");
    let env = BTreeMap::from([
        (env::ASG_NAME.name, Expr::str(&asg_name)),
        (env::STATE_TABLE.name, table.name()),
        (env::INTERFACES.name, interfaces),
        (env::LICENCE_BUCKET.name, licence_bucket.as_ref().map_or_else(unset, |b| Expr::r#ref(&b.id))),
        (env::SCALE_IN_PROTECTION.name, Expr::str(a.primary_scale_in_protection.to_string())),
        (env::CONFIGURE_FUNCTION.name, config.as_ref().map_or_else(unset, |c| Expr::r#ref(&c.function.id))),
        (env::CONFIG_PARAMETER.name, config.as_ref().map_or_else(unset, |c| Expr::r#ref(&c.parameter))),
        (env::ADMIN_SECRET.name, config.as_ref().map_or_else(unset, |c| c.secret.clone())),
        (env::API_DEVICE_INDEX.name, Expr::str(api_interface.to_string())),
    ]);
    let f = function::build(
        &mut t,
        ctx,
        &FunctionProps {
            name: "Lifecycle",
            spec: &env::FUNCTION,
            description: if config.is_some() {
                format!(
                    "{}: interfaces, addresses, role, licence and configuration of each appliance",
                    ctx.stack
                )
            } else {
                format!("{}: interfaces, addresses, role and licence of each appliance", ctx.stack)
            },
            env,
            memory_mb: 256,
            timeout_seconds: config_value::lifecycle_timeout_seconds(a),
            architecture: a.architecture,
            log_retention_days: a.log_retention_days,
            vpc: None,
            reserved_concurrency: None,
            dead_letter_queue: true,
            schedule: Some((
                "rate(10 minutes)".to_owned(),
                format!("{}: cleans up appliances that vanished", ctx.stack),
            )),
        },
    )?;

    EventRule {
        id: id(&["LifecycleRule"])?,
        description: format!(
            "{}: lifecycle actions and launch and terminate results of the appliance group",
            ctx.stack
        ),
        trigger: Trigger::Pattern(Expr::map([
            ("source", Expr::List(vec![events::AUTOSCALING_SOURCE.into()])),
            (
                "detail-type",
                // The successes too: an instance in service that was never made whole (its
                // action timed out) is replaced, and a terminated one cleaned up at once.
                Expr::List(vec![
                    events::LAUNCH_LIFECYCLE_ACTION.into(),
                    events::TERMINATE_LIFECYCLE_ACTION.into(),
                    events::LAUNCH_SUCCESSFUL.into(),
                    events::TERMINATE_SUCCESSFUL.into(),
                ]),
            ),
            ("detail", Expr::map([("AutoScalingGroupName", Expr::List(vec![asg_name.as_str().into()]))])),
        ])),
        target_id: "Lifecycle".to_owned(),
        dead_letter_queue: None,
        retry: None,
    }
    .invoke(&mut t, f.arn())?;

    let api_on_extra = config.as_ref().filter(|c| c.c.api_device_index != 0);
    grants::lifecycle(&mut t, &f, a, &asg_name, api_on_extra.map(Configuration::api_group_id));
    table.grant_leases(&mut t, &f);
    if let Some(bucket) = &licence_bucket {
        // Token lists (`*.json`) are read to count their tokens.
        bucket.grant_read(&mut t, &f);
    }
    if let Some(c) = &config {
        c.function.grant_invoke(&mut t, &f);
        f.grant(
            &mut t,
            Statement::allow(vec!["secretsmanager:GetSecretValue".into()], vec![c.secret.clone()]),
        );
        if let Some(key) = &c.secret_key {
            f.grant(&mut t, Statement::allow(vec!["kms:Decrypt".into()], vec![key.clone()]));
        }
        // A generated parameter name has no leading slash, so it follows `parameter/` directly.
        f.grant(
            &mut t,
            Statement::allow(
                vec!["ssm:GetParameter".into()],
                vec![Expr::sub_with(
                    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${Parameter}",
                    [("Parameter".to_owned(), Expr::r#ref(&c.parameter))],
                )],
            ),
        );
    }
    alarms(&mut t, ctx, a, &asg_name, &f, config.as_ref().map(|c| &c.function))?;

    let mut out = |name: &str, description: &str, value: Expr| output(&mut t, name, description, value);
    out("GroupName", "The appliance Auto Scaling group", Expr::str(&asg_name))?;
    out("StateTable", "Members, primary and licence leases", table.name())?;
    if let Some(bucket) = &licence_bucket {
        out("LicenceBucket", "Put licence files (*.lic) here, one per instance", Expr::r#ref(&bucket.id))?;
    }
    if let Some(c) = &config {
        out(
            "AdminSecret",
            "Secrets Manager secret holding the appliances' admin password",
            c.secret.clone(),
        )?;
        out(
            "ConfigureFunction",
            "Pushes password, licence and configuration to one appliance (invoked by the lifecycle function)",
            Expr::r#ref(&c.function.id),
        )?;
    }
    Ok(t)
}

/// Device 0 and the instance settings; the lifecycle function adds the other interfaces.
fn launch_template(
    t: &mut Template,
    ctx: &Ctx,
    a: &ApplianceAsg,
    api_on_boot: Option<&Configuration<'_>>,
) -> Result<LogicalId, BuildError> {
    let launch_template = id(&["LaunchTemplate"])?;
    t.add(
        &launch_template,
        ec2::LaunchTemplate {
            launch_template_data: Some(ec2::LaunchTemplateData {
                image_id: Some((&a.image_id).into()),
                instance_type: Some((&a.instance_type).into()),
                key_name: a.key_name.as_ref().map(Into::into),
                metadata_options: Some(ec2::MetadataOptions {
                    http_tokens: Some("required".into()),
                    http_endpoint: Some("enabled".into()),
                    ..Default::default()
                }),
                network_interfaces: vec![ec2::LaunchTemplateNetworkInterface {
                    device_index: Some(0.into()),
                    groups: a
                        .boot_interface
                        .security_groups
                        .iter()
                        .map(Into::into)
                        .chain(api_on_boot.map(Configuration::api_group_id))
                        .collect(),
                    delete_on_termination: Some(true.into()),
                    associate_public_ip_address: Some(false.into()),
                    description: Some("boot interface (device 0)".into()),
                    ..Default::default()
                }],
                // No block device mapping: the root device's name and size belong to the appliance
                // image (naming a device the image lacks adds a volume AWS rejects without a size);
                // encrypt with the account's EBS encryption by default.
                tag_specifications: vec![ec2::TagSpecification {
                    resource_type: Some("instance".into()),
                    tags: ctx.tags(),
                }],
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;

    Ok(launch_template)
}

/// The group, with its launch and terminate hooks.
fn group(
    t: &mut Template,
    ctx: &Ctx,
    a: &ApplianceAsg,
    asg_name: &str,
    launch_template: &LogicalId,
) -> Result<(), BuildError> {
    let heartbeat = a.lifecycle.heartbeat_timeout_seconds;
    let hook = |name: &str, transition: &str, result: &str| autoscaling::LifecycleHookSpecification {
        lifecycle_hook_name: Some(name.into()),
        lifecycle_transition: Some(transition.into()),
        default_result: Some(result.into()),
        heartbeat_timeout: Some(heartbeat.into()),
        ..Default::default()
    };
    let launch_default = match a.lifecycle.launch_default_result {
        DefaultResult::Abandon => "ABANDON",
        DefaultResult::Continue => "CONTINUE",
    };
    let group = id(&["Group"])?;
    let mut tags: Vec<autoscaling::AsgTag> = ctx
        .tags
        .iter()
        .map(|(k, v)| autoscaling::AsgTag {
            key: Some(k.into()),
            value: Some(v.into()),
            propagate_at_launch: Some(true.into()),
        })
        .collect();
    tags.push(autoscaling::AsgTag {
        key: Some("Name".into()),
        value: Some(asg_name.into()),
        propagate_at_launch: Some(true.into()),
    });
    t.add(
        &group,
        autoscaling::AutoScalingGroup {
            auto_scaling_group_name: Some(asg_name.into()),
            launch_template: Some(autoscaling::LaunchTemplateSpecification {
                launch_template_id: Some(Expr::r#ref(launch_template)),
                version: Some(Expr::get_att(launch_template, "LatestVersionNumber")),
                ..Default::default()
            }),
            min_size: Some(a.capacity.min.to_string().into()),
            max_size: Some(a.capacity.max.to_string().into()),
            desired_capacity: Some(a.capacity.desired.to_string().into()),
            vpc_zone_identifier: a.boot_interface.subnets.iter().map(Into::into).collect(),
            lifecycle_hook_specification_list: vec![
                hook("launch", "autoscaling:EC2_INSTANCE_LAUNCHING", launch_default),
                hook("terminate", "autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE"),
            ],
            metrics_collection: vec![autoscaling::MetricsCollection {
                granularity: Some("1Minute".into()),
                metrics: Vec::new(),
            }],
            tags,
            ..Default::default()
        },
    )?
    // The hooks must exist before the first instance launches, and the function before the first
    // event: instances wait for the rule and for its permission to invoke the function (without it
    // EventBridge cannot deliver the first launches' events, which then wait out their hooks).
    .depends_on
    .extend([id(&["LifecycleRule"])?, id(&["LifecycleRule", "Permission"])?]);

    Ok(())
}

/// The INTERFACES variable: each extra interface as JSON, the API security group's ID (created by the
/// stack) among the groups of the API's interface.
fn interfaces(
    a: &ApplianceAsg,
    asg_name: &str,
    config: Option<&Configuration<'_>>,
) -> Result<Expr, BuildError> {
    let zones = &a.zones;
    let api_interface = config.as_ref().map_or(0, |c| c.c.api_device_index);
    let specs: Vec<Interface<Expr>> = a
        .interfaces
        .iter()
        .map(|i| {
            let public_ip = match &i.public_ip {
                PublicIpSetting::None => PublicIp::None,
                PublicIpSetting::Amazon => PublicIp::Allocate { pool: None },
                PublicIpSetting::ByoipPool(p) => PublicIp::Allocate { pool: Some(p.clone()) },
                PublicIpSetting::ElasticIps(ids) => PublicIp::Existing { allocation_ids: ids.clone() },
            };
            let mut security_groups: Vec<Expr> = i.security_groups.iter().map(Expr::str).collect();
            if let Some(c) = config.filter(|_| i.device_index == api_interface) {
                security_groups.push(c.api_group_id());
            }
            Interface {
                device_index: i.device_index,
                subnets: zones.iter().cloned().zip(i.subnets.iter().cloned()).collect(),
                security_groups,
                source_dest_check: i.source_dest_check,
                description: i
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("{} device {}", asg_name, i.device_index)),
                public_ip,
            }
        })
        .collect();
    Ok(json::text(&specs)?)
}

/// The parameter, secret, security groups and configure function of a `configuration`.
fn configuration<'a>(
    t: &mut Template,
    ctx: &Ctx,
    a: &ApplianceAsg,
    c: &'a ApplianceConfiguration,
) -> Result<Configuration<'a>, BuildError> {
    let value = config_value::configuration_parameter_value(c);
    // Validation rejects a value too large for either tier.
    let tier = config_value::parameter_tier(value.len()).unwrap_or("Advanced");
    let parameter = id(&["ConfigurationParameter"])?;
    t.add(
        &parameter,
        ssm::Parameter {
            r#type: Some("String".into()),
            value: Some(value.into()),
            tier: Some(tier.into()),
            description: Some(
                format!(
                    "{}: appliance configuration template and variables (read by the lifecycle function)",
                    ctx.stack
                )
                .into(),
            ),
            tags: ctx.tags.iter().map(|(k, v)| (k.clone(), Expr::str(v))).collect(),
            ..Default::default()
        },
    )?;

    let (secret, secret_key) = match &c.admin_secret_arn {
        Some(arn) => (Expr::str(arn), None),
        None => {
            let key = admin_secret_key(t, ctx)?;
            // No rotation schedule: rotating needs a rotation function that changes the password on
            // every running appliance first, or the configure function is locked out.
            let secret = id(&["AdminSecret"])?;
            t.add(
                &secret,
                secretsmanager::Secret {
                    description: Some(
                        format!(
                            "{}: admin password of the appliances (set on each by the configure function)",
                            ctx.stack
                        )
                        .into(),
                    ),
                    kms_key_id: Some(Expr::get_att(&key, "Arn")),
                    generate_secret_string: Some(secretsmanager::GenerateSecretString {
                        password_length: Some(32.into()),
                        // Appliance CLIs and config files choke on quotes and backslashes.
                        exclude_punctuation: Some(true.into()),
                        // Appliance password policies want upper and lower case and digits.
                        require_each_included_type: Some(true.into()),
                        ..Default::default()
                    }),
                    tags: ctx.tags(),
                    ..Default::default()
                },
            )?;
            (Expr::r#ref(&secret), Some(Expr::get_att(&key, "Arn")))
        }
    };

    let vpc = Expr::str(&a.vpc_id);
    let configure_group = SecurityGroup::add(
        t,
        ctx,
        "Configure",
        "Appliance configure function: may reach the appliance HTTPS API only",
        vpc.clone(),
    )?;
    let api_group = SecurityGroup::add(
        t,
        ctx,
        "ApplianceApi",
        "Appliance HTTPS API: admits the configure function only",
        vpc,
    )?;
    api_group.allow_from(t, &configure_group, c.api_port, "Configure function to the appliance HTTPS API")?;

    let fingerprints: Vec<String> =
        c.tls_fingerprints.iter().filter_map(|f| config_value::fingerprint(f)).collect();
    let function = function::build(
        t,
        ctx,
        &FunctionProps {
            name: "Configure",
            spec: &configure::FUNCTION,
            description: format!("{}: pushes password, licence and configuration to an appliance", ctx.stack),
            env: BTreeMap::from([
                (configure::API_PORT.name, Expr::str(c.api_port.to_string())),
                (configure::ADMIN_USER.name, Expr::str(&c.admin_user)),
                (configure::TLS_FINGERPRINTS.name, Expr::str(fingerprints.join(","))),
                (configure::BOOT_TIMEOUT_SECONDS.name, Expr::str(c.boot_timeout_seconds.to_string())),
            ]),
            memory_mb: 128,
            timeout_seconds: config_value::configure_timeout_seconds(c),
            architecture: a.architecture,
            log_retention_days: a.log_retention_days,
            vpc: Some(VpcAttachment {
                subnets: a.boot_interface.subnets.iter().map(Expr::from).collect(),
                security_groups: vec![Expr::get_att(&configure_group.id, "GroupId")],
            }),
            reserved_concurrency: None,
            // Invoked synchronously: the lifecycle function gets its errors.
            dead_letter_queue: false,
            schedule: None,
        },
    )?;
    Ok(Configuration { c, api_group, parameter, secret, secret_key, function })
}

/// The customer-managed key of the stack's admin secret. Its policy lets the account administer the
/// key and have Secrets Manager encrypt with it (CloudFormation writing the secret), and only the
/// lifecycle function's role decrypt with it, through Secrets Manager: with the AWS managed key,
/// any principal of the account allowed `secretsmanager:GetSecretValue` could read the password.
/// The role is named by pattern (CloudFormation names it `<stack>-LifecycleRole-<suffix>`), since a
/// reference to it would make a cycle (its policy names the secret, which names this key).
fn admin_secret_key(t: &mut Template, ctx: &Ctx) -> Result<LogicalId, BuildError> {
    let key = id(&["AdminSecret", "Key"])?;
    let account_root = Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    let administer = Statement {
        sid: Some("AccountAdministersTheKey".into()),
        principal: Some(Principal::Aws(vec![account_root.clone()])),
        ..Statement::allow(
            [
                "kms:Create*",
                "kms:Describe*",
                "kms:Enable*",
                "kms:List*",
                "kms:Put*",
                "kms:Update*",
                "kms:Revoke*",
                "kms:Disable*",
                "kms:Get*",
                "kms:Delete*",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
            ]
            .map(str::to_owned)
            .to_vec(),
            vec![Expr::str("*")],
        )
    };
    let via_secrets_manager = || {
        BTreeMap::from([(
            "StringEquals".to_owned(),
            BTreeMap::from([
                ("kms:ViaService".to_owned(), Expr::sub("secretsmanager.${AWS::Region}.amazonaws.com")),
                ("kms:CallerAccount".to_owned(), Expr::sub("${AWS::AccountId}")),
            ]),
        )])
    };
    let encrypt = Statement {
        sid: Some("SecretsManagerEncryptsForTheAccount".into()),
        principal: Some(Principal::Aws(vec![account_root.clone()])),
        condition: via_secrets_manager(),
        ..Statement::allow(vec!["kms:GenerateDataKey*".into(), "kms:Encrypt".into()], vec![Expr::str("*")])
    };
    let mut decrypt = Statement {
        sid: Some("OnlyTheLifecycleRoleDecrypts".into()),
        principal: Some(Principal::Aws(vec![account_root.clone()])),
        condition: via_secrets_manager(),
        ..Statement::allow(vec!["kms:Decrypt".into()], vec![Expr::str("*")])
    };
    decrypt.condition.insert(
        "ArnLike".to_owned(),
        BTreeMap::from([(
            "aws:PrincipalArn".to_owned(),
            Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-LifecycleRole-*"),
        )]),
    );
    t.add(
        &key,
        kms::Key {
            description: Some(format!("{}: encrypts the appliances' admin password", ctx.stack).into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(PolicyDocument::new(vec![administer, encrypt, decrypt])),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;
    Ok(key)
}

fn alarms(
    t: &mut Template,
    ctx: &Ctx,
    a: &ApplianceAsg,
    asg_name: &str,
    f: &function::Function,
    configure: Option<&function::Function>,
) -> Result<(), BuildError> {
    let alarms = Alarms::new(ctx, Evaluation { periods: 1, datapoints: None });
    alarms.errors(
        t,
        f,
        "The appliance lifecycle function failed (an instance may be abandoned, or the licence pool is empty)",
    )?;
    if a.licences == Licences::Files {
        alarms.metric(
            t,
            "LicencePoolEmpty",
            &Metric {
                namespace: env::METRIC_NAMESPACE,
                name: env::LICENCE_POOL_EMPTY_METRIC,
                dimension: ("AutoScalingGroupName", Expr::str(asg_name)),
                statistic: "Sum",
            },
            "A launch was abandoned because every licence is leased: add licence files or token lists to the licence bucket",
        )?;
    }
    let metric = |name| Metric {
        namespace: env::METRIC_NAMESPACE,
        name,
        dimension: ("AutoScalingGroupName", Expr::str(asg_name)),
        statistic: "Sum",
    };
    alarms.metric(
        t,
        "Abandoned",
        &metric(env::ABANDONED_METRIC),
        "A launch was undone and abandoned: the instance could not be made whole (see the function's error); Auto Scaling launches a replacement, which the same cause abandons again until it is fixed",
    )?;
    alarms.metric(
        t,
        "Replaced",
        &metric(env::REPLACED_METRIC),
        "An instance went in service without being made whole (its launch action timed out) and was marked unhealthy for replacement",
    )?;
    if let Some(c) = configure {
        alarms.errors(
            t,
            c,
            "The appliance configure function failed (an appliance API did not answer in time, its certificate did not match, or it rejected the password, licence or configuration)",
        )?;
    }
    alarms.dead_letters(t, f, "Lifecycle events failed after retries and landed in the dead-letter queue")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use contract::appliance_asg::lifecycle as env;

    use crate::cfn::resources::iam::Statement;
    use crate::cfn::{Expr, LogicalId, ResourceProps, Template};

    const BASE: &str = "name: fw
system:
  appliance-asg:
    vpc_id: vpc-0a1b2c3d4e5f60718
    image_id: ami-0a1b2c3d4e5f60799
    instance_type: c6i.xlarge
    capacity: {min: 1, max: 2, desired: 1}
    zones: [eu-west-1a, eu-west-1b]
    boot_interface:
      subnets: [subnet-0a1b2c3d4e5f60701, subnet-0a1b2c3d4e5f60702]
      security_groups: [sg-0a1b2c3d4e5f60710]
    interfaces:
      - device_index: 1
        subnets: [subnet-0a1b2c3d4e5f60711, subnet-0a1b2c3d4e5f60712]
        security_groups: [sg-0a1b2c3d4e5f60711]
    lifecycle:
      heartbeat_timeout_seconds: 1620
";

    fn synth(extra: &str) -> Template {
        crate::synthesize("fw.yaml", &format!("{BASE}{extra}"), None).unwrap().remove(0).template
    }

    fn resource<'a>(t: &'a Template, id: &str) -> &'a ResourceProps {
        &t.resources[&LogicalId::new(id).unwrap()].props
    }

    fn lifecycle_env(t: &Template) -> &std::collections::BTreeMap<String, Expr> {
        let ResourceProps::Function(f) = resource(t, "LifecycleFunction") else {
            panic!("no lifecycle function")
        };
        &f.environment.as_ref().unwrap().variables
    }

    fn statements(t: &Template, role: &str) -> Vec<Statement> {
        let ResourceProps::Role(r) = resource(t, role) else { panic!("no role {role}") };
        r.policies.iter().flat_map(|p| p.policy_document.statement.clone()).collect()
    }

    #[test]
    fn without_configuration_the_lifecycle_function_configures_nothing() {
        let t = synth("");
        let env = lifecycle_env(&t);
        for var in [env::CONFIGURE_FUNCTION, env::CONFIG_PARAMETER, env::ADMIN_SECRET] {
            assert_eq!(env[var.name], Expr::str(""), "{}", var.name);
        }
        assert_eq!(env[env::API_DEVICE_INDEX.name], Expr::str("0"));
        let types: Vec<&str> = t.resources.values().map(|r| r.props.type_name()).collect();
        for absent in ["AWS::SSM::Parameter", "AWS::SecretsManager::Secret", "AWS::EC2::SecurityGroup"] {
            assert!(!types.contains(&absent), "{absent}");
        }
        let ResourceProps::Function(f) = resource(&t, "LifecycleFunction") else { panic!() };
        assert_eq!(
            f.timeout,
            Some(Expr::from(
                crate::systems::appliance_asg::configuration::APPLIANCE_FUNCTION_TIMEOUT_SECONDS
            ))
        );
    }

    #[test]
    fn configuration_adds_a_vpc_function_the_lifecycle_function_may_invoke() {
        let t = synth(
            "    configuration:\n      template: \"set role {{ role }}\"\n      tls_fingerprints: [\"AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\"]\n",
        );
        assert!(crate::check::template(&t).is_empty());
        let env = lifecycle_env(&t);
        assert_eq!(
            env[env::CONFIGURE_FUNCTION.name],
            Expr::r#ref(&LogicalId::new("ConfigureFunction").unwrap())
        );
        assert_eq!(env[env::ADMIN_SECRET.name], Expr::r#ref(&LogicalId::new("AdminSecret").unwrap()));
        let ResourceProps::Function(lifecycle) = resource(&t, "LifecycleFunction") else { panic!() };
        assert_eq!(lifecycle.timeout, Some(Expr::from(120 + 360)));

        let ResourceProps::Function(f) = resource(&t, "ConfigureFunction") else { panic!() };
        assert_eq!(f.timeout, Some(Expr::from(360)));
        assert!(f.dead_letter_config.is_none());
        let vpc = f.vpc_config.as_ref().unwrap();
        assert_eq!(
            vpc.subnet_ids,
            vec![Expr::str("subnet-0a1b2c3d4e5f60701"), Expr::str("subnet-0a1b2c3d4e5f60702")]
        );
        let configure_env = &f.environment.as_ref().unwrap().variables;
        assert_eq!(
            configure_env["TLS_FINGERPRINTS"],
            Expr::str("aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899")
        );

        // The configure role reads nothing: logs and VPC access only.
        let actions: Vec<String> =
            statements(&t, "ConfigureRole").into_iter().flat_map(|s| s.action).collect();
        assert!(actions.iter().all(|a| a.starts_with("logs:") || a.starts_with("ec2:")), "{actions:?}");
        let lifecycle_actions: Vec<String> =
            statements(&t, "LifecycleRole").into_iter().flat_map(|s| s.action).collect();
        for a in ["lambda:InvokeFunction", "secretsmanager:GetSecretValue", "ssm:GetParameter"] {
            assert!(lifecycle_actions.iter().any(|x| x == a), "{a}");
        }

        // The API group is on the boot interface, and admits the configure group only.
        let ResourceProps::LaunchTemplate(lt) = resource(&t, "LaunchTemplate") else { panic!() };
        let groups = &lt.launch_template_data.as_ref().unwrap().network_interfaces[0].groups;
        assert!(
            groups.contains(&Expr::get_att(&LogicalId::new("ApplianceApiSecurityGroup").unwrap(), "GroupId"))
        );
        assert!(matches!(env[env::INTERFACES.name], Expr::Str(_)));
        let ResourceProps::SecurityGroupIngress(i) = resource(&t, "ApplianceApiFromConfigure443") else {
            panic!()
        };
        assert_eq!(
            i.source_security_group_id,
            Some(Expr::get_att(&LogicalId::new("ConfigureSecurityGroup").unwrap(), "GroupId"))
        );
    }
}
