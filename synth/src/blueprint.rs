//! Blueprint input types: the only `Deserialize` types in `synth`.
//!
//! A blueprint is one deployable system, written in YAML under `blueprints/`.
//! Its JSON Schema is generated from these types (`out/schema/blueprint.schema.json`), and loading
//! validates the YAML against that schema before deserializing, so every problem is reported at once
//! with its location (see `load`).
//! Doc comments here become the schema's descriptions, which editors show on hover.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// One deployable system: a CloudFormation stack and the functions it runs.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Blueprint")]
pub struct Blueprint {
    /// Stack name: letters, digits and hyphens, starting with a letter. Environments append `-<env>`.
    pub name: String,
    /// Template description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags applied to every resource that supports them.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// How the template is rendered.
    #[serde(default)]
    pub output: OutputOptions,
    /// The system this blueprint deploys.
    pub system: System,
    /// Per-environment overrides, selected with `--env NAME`: each is a partial blueprint
    /// (for example `system.private-lambda.network.cidr`) merged over this one.
    /// Mappings merge key by key; scalars and lists replace.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Map<String, serde_json::Value>>")]
    pub environments: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputOptions {
    /// Template syntax.
    #[serde(default)]
    pub format: Format,
    /// `cloudformation` (default) or `sam`: functions as `AWS::Serverless::Function` with their events,
    /// under the SAM transform.
    #[serde(default)]
    pub flavour: Flavour,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    #[default]
    Cloudformation,
    Sam,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

/// The system a blueprint deploys, keyed by its kind.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum System {
    /// Private Lambda functions behind an internal Application Load Balancer in a VPC,
    /// called by a VPC-attached caller function.
    #[serde(rename = "private-lambda")]
    PrivateLambda(PrivateLambda),
    /// Static IP addresses for an Application Load Balancer: a Network Load Balancer in front of it.
    #[serde(rename = "alb-static-ip")]
    AlbStaticIp(AlbStaticIp),
    /// Firewall-style appliances in an Auto Scaling group, each instance given extra network
    /// interfaces, public addresses, a primary or secondary role and a licence by a lifecycle function.
    #[serde(rename = "appliance-asg")]
    ApplianceAsg(ApplianceAsg),
}

impl System {
    pub fn kind(&self) -> &'static str {
        match self {
            System::PrivateLambda(_) => "private-lambda",
            System::AlbStaticIp(_) => "alb-static-ip",
            System::ApplianceAsg(_) => "appliance-asg",
        }
    }
}

/// Private Lambda functions behind an internal ALB.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateLambda {
    pub network: Network,
    #[serde(default)]
    pub load_balancer: LoadBalancer,
    /// Functions behind the load balancer, matched in list order (the first match wins).
    #[schemars(length(min = 1, max = 50))]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub caller: Caller,
    /// CPU architecture of every function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep function logs; one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...).
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
}

fn default_log_retention() -> u32 {
    30
}

/// The VPC: public and private subnets carved by synth from one CIDR, one of each per zone.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// IPv4 CIDR of the VPC, from /16 to /28, for example `10.20.0.0/16`.
    pub cidr: String,
    /// Number of availability zones; the load balancer needs at least two.
    #[serde(default = "default_azs")]
    #[schemars(range(min = 1, max = 6))]
    pub availability_zones: u8,
    /// Prefix length of each subnet. The VPC is split into equal slots of this size: private subnets take
    /// the first half, public subnets the second, so adding a zone later never renumbers a subnet.
    #[serde(default = "default_subnet_prefix")]
    #[schemars(range(min = 16, max = 28))]
    pub subnet_prefix: u8,
    /// Explicit subnet CIDRs, one per zone, instead of carving them from `subnet_prefix`.
    #[serde(default)]
    pub subnets: Option<SubnetCidrs>,
    /// NAT gateways for outbound internet access from the private subnets.
    #[serde(default)]
    pub nat: NatMode,
    /// Interface endpoints (PrivateLink) in the private subnets, with private DNS.
    #[serde(default)]
    pub interface_endpoints: Vec<InterfaceEndpoint>,
    /// Gateway endpoints attached to the private route tables (free of charge).
    #[serde(default = "default_gateway_endpoints")]
    pub gateway_endpoints: Vec<GatewayEndpoint>,
}

fn default_azs() -> u8 {
    2
}

fn default_subnet_prefix() -> u8 {
    24
}

fn default_gateway_endpoints() -> Vec<GatewayEndpoint> {
    vec![GatewayEndpoint::S3, GatewayEndpoint::Dynamodb]
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetCidrs {
    /// One CIDR per availability zone, in zone order.
    pub private: Vec<String>,
    /// One CIDR per availability zone, in zone order.
    pub public: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NatMode {
    /// No NAT gateway: the private subnets reach AWS only through endpoints.
    None,
    /// One NAT gateway in the first zone (cheaper; egress fails if that zone does).
    #[default]
    Single,
    /// One NAT gateway per zone (zone-independent egress; one Elastic IP each, default quota is 5).
    PerAz,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceEndpoint {
    Logs,
    Monitoring,
    Sts,
    Ssm,
    Secretsmanager,
    Kms,
    Lambda,
    Sqs,
    Sns,
    Events,
    EcrApi,
    EcrDkr,
}

impl InterfaceEndpoint {
    /// The service name suffix after `com.amazonaws.<region>.`.
    pub fn service(self) -> &'static str {
        match self {
            InterfaceEndpoint::Logs => "logs",
            InterfaceEndpoint::Monitoring => "monitoring",
            InterfaceEndpoint::Sts => "sts",
            InterfaceEndpoint::Ssm => "ssm",
            InterfaceEndpoint::Secretsmanager => "secretsmanager",
            InterfaceEndpoint::Kms => "kms",
            InterfaceEndpoint::Lambda => "lambda",
            InterfaceEndpoint::Sqs => "sqs",
            InterfaceEndpoint::Sns => "sns",
            InterfaceEndpoint::Events => "events",
            InterfaceEndpoint::EcrApi => "ecr.api",
            InterfaceEndpoint::EcrDkr => "ecr.dkr",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayEndpoint {
    S3,
    Dynamodb,
}

impl GatewayEndpoint {
    pub fn service(self) -> &'static str {
        match self {
            GatewayEndpoint::S3 => "s3",
            GatewayEndpoint::Dynamodb => "dynamodb",
        }
    }
}

/// The internal Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// Listener port.
    #[serde(default = "default_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Listener protocol; `https` needs `certificate_arn`.
    #[serde(default)]
    pub protocol: Protocol,
    /// ACM certificate for an `https` listener.
    #[serde(default)]
    pub certificate_arn: Option<String>,
    /// Name callers use for an `https` listener; it must match the certificate, and you point it at the
    /// load balancer (for example with an alias record in a private hosted zone).
    #[serde(default)]
    pub domain_name: Option<String>,
    /// Seconds a connection may stay idle.
    #[serde(default = "default_idle_timeout")]
    #[schemars(range(min = 1, max = 4000))]
    pub idle_timeout_seconds: u16,
    /// Refuse deletion of the load balancer (turn off before `destroy`).
    #[serde(default)]
    pub deletion_protection: bool,
}

impl Default for LoadBalancer {
    fn default() -> LoadBalancer {
        LoadBalancer {
            port: default_port(),
            protocol: Protocol::default(),
            certificate_arn: None,
            domain_name: None,
            idle_timeout_seconds: default_idle_timeout(),
            deletion_protection: false,
        }
    }
}

fn default_port() -> u16 {
    80
}

fn default_idle_timeout() -> u16 {
    60
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Http,
    Https,
}

/// A function behind the load balancer, in its own `lambda` target group.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Lowercase letters, digits and hyphens; part of logical IDs, so renaming replaces the function.
    pub name: String,
    /// Path patterns routed to this function, such as `/orders/*` (at most 5).
    #[schemars(length(min = 1, max = 5))]
    pub path_patterns: Vec<String>,
    #[serde(default = "default_memory")]
    #[schemars(range(min = 128, max = 10240))]
    pub memory_mb: u32,
    #[serde(default = "default_target_timeout")]
    #[schemars(range(min = 1, max = 900))]
    pub timeout_seconds: u32,
    /// Send and expect `multiValueHeaders` (the target group attribute `lambda.multi_value_headers.enabled`).
    #[serde(default)]
    pub multi_value_headers: bool,
    /// Reserved concurrency; unset leaves the function in the account's shared pool.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
}

fn default_memory() -> u32 {
    256
}

fn default_target_timeout() -> u32 {
    10
}

/// The VPC-attached function that calls the load balancer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    #[serde(default = "default_memory")]
    #[schemars(range(min = 128, max = 10240))]
    pub memory_mb: u32,
    #[serde(default = "default_caller_timeout")]
    #[schemars(range(min = 1, max = 900))]
    pub timeout_seconds: u32,
    /// Timeout of one request to the load balancer; must be shorter than `timeout_seconds`.
    #[serde(default = "default_request_timeout")]
    #[schemars(range(min = 100, max = 900000))]
    pub request_timeout_ms: u32,
    /// Path requested when the invocation names none.
    #[serde(default = "default_path")]
    pub default_path: String,
    /// Run the caller on a schedule as a synthetic probe, e.g. `rate(5 minutes)`.
    #[serde(default)]
    pub schedule: Option<String>,
}

impl Default for Caller {
    fn default() -> Caller {
        Caller {
            memory_mb: default_memory(),
            timeout_seconds: default_caller_timeout(),
            request_timeout_ms: default_request_timeout(),
            default_path: default_path(),
            schedule: None,
        }
    }
}

fn default_caller_timeout() -> u32 {
    15
}

fn default_request_timeout() -> u32 {
    5000
}

fn default_path() -> String {
    "/".to_owned()
}

/// A Network Load Balancer with static addresses in front of an existing Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbStaticIp {
    /// The VPC of the load balancers, such as `vpc-0123456789abcdef0`.
    pub vpc_id: String,
    #[serde(default)]
    pub load_balancer: NetworkLoadBalancer,
    /// The Application Load Balancer the static addresses lead to.
    pub alb: AlbReference,
    /// TCP listeners of the Network Load Balancer, each forwarding to a port of the ALB.
    #[schemars(length(min = 1, max = 10))]
    pub listeners: Vec<PortMapping>,
    /// `native` (default): an `alb` target group, managed by AWS, no function. `sync`: an `ip` target
    /// group kept equal to the ALB's addresses by a scheduled function (for cross-VPC set-ups or
    /// protocols the native target type does not support).
    #[serde(default)]
    pub mode: StaticIpMode,
    /// Settings of the sync function (mode `sync` only).
    #[serde(default)]
    pub sync: Option<SyncSettings>,
    /// CPU architecture of the sync function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep the sync function's logs.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
    /// SNS topic notified by the alarms, if any.
    #[serde(default)]
    pub alarm_topic_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkLoadBalancer {
    /// Use this existing Network Load Balancer (its ARN) instead of creating one.
    #[serde(default)]
    pub existing_arn: Option<String>,
    #[serde(default)]
    pub scheme: Scheme,
    /// One subnet per zone, such as `subnet-0123456789abcdef0` (public subnets when internet-facing).
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Allocate one Elastic IP per subnet, so the addresses survive replacement (internet-facing only).
    #[serde(default = "default_true")]
    pub elastic_ips: bool,
    /// Refuse deletion of the load balancer.
    #[serde(default)]
    pub deletion_protection: bool,
}

impl Default for NetworkLoadBalancer {
    fn default() -> NetworkLoadBalancer {
        NetworkLoadBalancer {
            existing_arn: None,
            scheme: Scheme::default(),
            subnets: Vec::new(),
            elastic_ips: true,
            deletion_protection: false,
        }
    }
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    #[default]
    InternetFacing,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbReference {
    /// ARN of the Application Load Balancer.
    pub arn: String,
    /// Its DNS name (needed for DNS discovery in mode `sync`).
    #[serde(default)]
    pub dns_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortMapping {
    /// Port of the Network Load Balancer's TCP listener.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Port of the ALB listener traffic goes to (default: the same port).
    #[serde(default)]
    pub alb_port: Option<u16>,
    /// Use this existing target group (and the listener that already forwards to it) instead of
    /// creating both; in mode `sync` the function keeps it in sync.
    #[serde(default)]
    pub existing_target_group_arn: Option<String>,
}

impl PortMapping {
    pub fn target_port(&self) -> u16 {
        self.alb_port.unwrap_or(self.port)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StaticIpMode {
    #[default]
    Native,
    Sync,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// How the ALB's addresses are found.
    #[serde(default)]
    pub discovery: Discovery,
    /// Name servers for DNS discovery as `ip` or `ip:port`; empty asks the ALB zone's authoritative servers.
    #[serde(default)]
    pub dns_servers: Vec<String>,
    /// How often the function runs.
    #[serde(default = "default_sync_schedule")]
    pub schedule: String,
    /// Consecutive runs an address must be missing before its target is deregistered.
    #[serde(default = "default_miss_threshold")]
    #[schemars(range(min = 1, max = 60))]
    pub miss_threshold: u32,
    /// At most this many targets are deregistered per run and target group.
    #[serde(default = "default_max_deregistrations")]
    #[schemars(range(min = 1, max = 100))]
    pub max_deregistrations_per_run: u32,
    /// Also deregister targets the function did not register (by default they are left alone).
    #[serde(default)]
    pub manage_foreign_targets: bool,
    /// The ALB is in another VPC (peered or via Transit Gateway): targets get `AvailabilityZone: all`.
    #[serde(default)]
    pub cross_vpc: bool,
}

impl Default for SyncSettings {
    fn default() -> SyncSettings {
        SyncSettings {
            discovery: Discovery::default(),
            dns_servers: Vec::new(),
            schedule: default_sync_schedule(),
            miss_threshold: default_miss_threshold(),
            max_deregistrations_per_run: default_max_deregistrations(),
            manage_foreign_targets: false,
            cross_vpc: false,
        }
    }
}

fn default_sync_schedule() -> String {
    "rate(1 minute)".to_owned()
}

fn default_miss_threshold() -> u32 {
    3
}

fn default_max_deregistrations() -> u32 {
    2
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Discovery {
    /// Query DNS until the answer set is stable (the ALB's name returns at most 8 addresses per answer).
    #[default]
    Dns,
    /// List the ALB's network interfaces (complete, needs `ec2:DescribeNetworkInterfaces`).
    NetworkInterfaces,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    #[default]
    Arm64,
    X86_64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }
}

/// Appliances in an Auto Scaling group with extra interfaces per instance.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplianceAsg {
    /// The VPC of the appliances, such as `vpc-0123456789abcdef0`.
    pub vpc_id: String,
    /// The appliance image, such as `ami-0123456789abcdef0`.
    pub image_id: String,
    /// Such as `c6i.xlarge` (enough interfaces for the configured device indexes).
    pub instance_type: String,
    /// An EC2 key pair for SSH to the appliances, if any.
    #[serde(default)]
    pub key_name: Option<String>,
    pub capacity: Capacity,
    /// Availability zones the group spans, at least two; every subnet list below follows this order.
    #[schemars(length(min = 2, max = 6))]
    pub zones: Vec<String>,
    /// Device index 0, attached at boot by the launch template.
    pub boot_interface: BootInterface,
    /// Extra interfaces (device index 1 and up), attached by the lifecycle function before the
    /// instance goes in service.
    #[schemars(length(min = 1, max = 14))]
    pub interfaces: Vec<ApplianceInterface>,
    #[serde(default)]
    pub lifecycle: LifecycleSettings,
    /// Protect the primary from scale-in, so the group never removes it while others remain.
    #[serde(default = "default_true")]
    pub primary_scale_in_protection: bool,
    /// `files`: a private bucket of licence files (`*.lic`) and token lists (`*.json`), one licence
    /// leased to each instance.
    #[serde(default)]
    pub licences: Licences,
    /// CPU architecture of the lifecycle function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep the function's logs.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
    /// SNS topic notified by the alarms, if any.
    #[serde(default)]
    pub alarm_topic_arn: Option<String>,
    /// Configuration pushed to each appliance over HTTPS once its interfaces, role and licence are in
    /// place (and again to the remaining members when the primary changes). Without it the appliances
    /// keep whatever their image and the licence give them.
    #[serde(default)]
    pub configuration: Option<ApplianceConfiguration>,
}

/// Appliance configuration: a template rendered per instance by the lifecycle function and pushed,
/// with the admin password and the licence, by a configure function attached to the VPC (the
/// appliance API is private).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplianceConfiguration {
    /// The appliance configuration (such as FortiOS CLI text), a minijinja template rendered for each
    /// instance with these variables:
    /// `instance_id`; `zone` (its availability zone); `role` (`primary` or `secondary`); `is_primary`
    /// (true or false); `primary_ip` (the private API address of the primary); `interfaces` (a list,
    /// device 0 included, of `device_index`, `description`, `private_ip`, `public_ip` (none without
    /// one) and `subnet_id`); `licence` (the leased licence's name, or none); `variables` (below).
    /// Any other name is an error. Running appliances get a changed template at their next
    /// configuration (a launch, or a change of primary), not when the stack updates.
    /// It is stored with `variables` in an SSM parameter: up to 4096 bytes as a Standard parameter,
    /// up to 8192 as an Advanced one (charged per month, and Parameter Store never turns an Advanced
    /// parameter back into a Standard one).
    #[schemars(length(min = 1))]
    pub template: String,
    /// Values the template reads as `variables.<name>`: any YAML (strings, numbers, lists,
    /// mappings), such as the tunnel peers of each zone.
    #[serde(default)]
    pub variables: BTreeMap<String, serde_json::Value>,
    /// The interface whose private address serves the appliance API: 0 (the boot interface) or the
    /// `device_index` of one of `interfaces`. The stack adds its API security group to that interface,
    /// so it may list at most four of its own.
    #[serde(default)]
    #[schemars(range(min = 0, max = 15))]
    pub api_device_index: u32,
    /// TCP port of the appliance's HTTPS API.
    #[serde(default = "default_api_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub api_port: u16,
    /// The administrator the configure function logs in as.
    #[serde(default = "default_admin_user")]
    #[schemars(length(min = 1, max = 64))]
    pub admin_user: String,
    /// An existing Secrets Manager secret (its full ARN, with the six-character suffix Secrets Manager
    /// adds) whose string is the admin password; it must be
    /// encrypted with the AWS managed key, or the lifecycle role needs `kms:Decrypt` on its key.
    /// Without it the stack creates a secret with a generated 32-character password (letters and
    /// digits only: appliance CLIs choke on quotes).
    #[serde(default)]
    pub admin_secret_arn: Option<String>,
    /// SHA-256 fingerprints of the certificates the appliances present, as 64 hex digits, with or
    /// without colons, in any case (`openssl x509 -noout -fingerprint -sha256` prints one). Empty: the
    /// certificate must chain to a public CA and name the appliance's IP address.
    #[serde(default)]
    pub tls_fingerprints: Vec<String>,
    /// Seconds the configure function waits for a launching appliance's API to answer. The configure
    /// function's timeout is this plus 60, and the lifecycle function's timeout grows by as much, so
    /// `lifecycle.heartbeat_timeout_seconds` must be at least 3 × (this + 180) + 180.
    #[serde(default = "default_boot_timeout")]
    #[schemars(range(min = 30, max = 600))]
    pub boot_timeout_seconds: u32,
}

fn default_api_port() -> u16 {
    443
}

fn default_admin_user() -> String {
    "admin".to_owned()
}

fn default_boot_timeout() -> u32 {
    300
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    #[schemars(range(min = 1, max = 100))]
    pub min: u32,
    #[schemars(range(min = 1, max = 100))]
    pub max: u32,
    #[schemars(range(min = 1, max = 100))]
    pub desired: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootInterface {
    /// One subnet per zone, in the order of `zones`.
    pub subnets: Vec<String>,
    #[schemars(length(min = 1, max = 5))]
    pub security_groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplianceInterface {
    #[schemars(range(min = 1, max = 15))]
    pub device_index: u32,
    /// One subnet per zone, in the order of `zones`.
    pub subnets: Vec<String>,
    #[schemars(length(min = 1, max = 5))]
    pub security_groups: Vec<String>,
    /// `false` for interfaces that forward traffic not addressed to them (data ports behind routes).
    #[serde(default = "default_true")]
    pub source_dest_check: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub public_ip: PublicIpSetting,
}

/// Where an interface's public address comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicIpSetting {
    /// No public address.
    #[default]
    None,
    /// An Elastic IP from Amazon's pool, allocated at launch and released at termination.
    Amazon,
    /// An Elastic IP from this BYOIP pool (`ipv4pool-ec2-...`), allocated and released likewise.
    ByoipPool(String),
    /// One of these Elastic IPs you own (`eipalloc-...`), associated while the instance lives and
    /// never released.
    ElasticIps(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSettings {
    /// Seconds an instance may wait for the function in each transition; the function records
    /// heartbeats, and validation checks this outlasts its timeout and retries.
    #[schemars(range(min = 30, max = 7200))]
    #[serde(default = "default_heartbeat")]
    pub heartbeat_timeout_seconds: u32,
    /// What happens to a launching instance the function never completed: `abandon` (default:
    /// an appliance without its interfaces must not take traffic) or `continue`.
    #[serde(default)]
    pub launch_default_result: DefaultResult,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            heartbeat_timeout_seconds: default_heartbeat(),
            launch_default_result: DefaultResult::Abandon,
        }
    }
}

fn default_heartbeat() -> u32 {
    600
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DefaultResult {
    #[default]
    Abandon,
    Continue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Licences {
    /// The appliances need no licence file.
    #[default]
    None,
    /// A licence bucket; each instance leases one licence, returned when it terminates: a `*.lic`
    /// file, or a token from a `*.json` token list (a JSON list of strings).
    Files,
}

/// The blueprint's JSON Schema, as written to `out/schema/blueprint.schema.json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Blueprint)).unwrap_or_default()
}
