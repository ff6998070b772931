//! The multi-ENI appliance Auto Scaling system.

/// Handles the group's lifecycle actions: interfaces and addresses, membership, the primary, licences.
pub mod lifecycle {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use crate::{EnvVar, FunctionSpec};

    /// The Auto Scaling group whose events the function accepts (others are rejected untouched).
    pub const ASG_NAME: EnvVar = EnvVar { name: "ASG_NAME", doc: "name of the appliance Auto Scaling group" };
    /// The DynamoDB table of members, the primary and licence leases.
    pub const STATE_TABLE: EnvVar = EnvVar {
        name: "STATE_TABLE",
        doc: "DynamoDB table of cluster membership, primary and licence leases",
    };
    /// The extra interfaces of every instance, as a JSON list of [`Interface`].
    pub const INTERFACES: EnvVar =
        EnvVar { name: "INTERFACES", doc: "JSON list of the extra interfaces each instance gets" };
    /// The bucket of licence files (`*.lic`), empty when the appliances need no licence.
    pub const LICENCE_BUCKET: EnvVar =
        EnvVar { name: "LICENCE_BUCKET", doc: "S3 bucket of licence files, or empty for no licences" };
    /// `true` to protect the primary from scale-in.
    pub const SCALE_IN_PROTECTION: EnvVar =
        EnvVar { name: "SCALE_IN_PROTECTION", doc: "true to protect the primary instance from scale-in" };
    /// The function that pushes configuration to the appliances (inside the VPC), empty for none.
    pub const CONFIGURE_FUNCTION: EnvVar = EnvVar {
        name: "CONFIGURE_FUNCTION",
        doc: "name of the function that configures the appliances over HTTPS, or empty for none",
    };
    /// The SSM parameter holding the configuration template and its variables, as JSON
    /// ([`ConfigurationSource`]), empty when `CONFIGURE_FUNCTION` is.
    pub const CONFIG_PARAMETER: EnvVar = EnvVar {
        name: "CONFIG_PARAMETER",
        doc: "SSM parameter holding the appliance configuration template and variables (JSON), or empty",
    };
    /// The Secrets Manager secret whose string is the appliances' admin password.
    pub const ADMIN_SECRET: EnvVar = EnvVar {
        name: "ADMIN_SECRET",
        doc: "ARN of the Secrets Manager secret holding the appliances' admin password, or empty",
    };
    /// The device index of the interface whose private address serves the appliance API.
    pub const API_DEVICE_INDEX: EnvVar = EnvVar {
        name: "API_DEVICE_INDEX",
        doc: "device index of the interface whose private address serves the appliance API",
    };
    /// The partition key attribute of the state table.
    pub const STATE_KEY_ATTRIBUTE: &str = "pk";
    /// CloudWatch namespace of the function's embedded-format metrics (dimension
    /// `AutoScalingGroupName`); synth's alarms read them.
    pub const METRIC_NAMESPACE: &str = "ApplianceAsg";
    /// The metric counting launches abandoned because every licence was leased.
    pub const LICENCE_POOL_EMPTY_METRIC: &str = "LicencePoolEmpty";
    /// The metric counting launches undone and completed with ABANDON.
    pub const ABANDONED_METRIC: &str = "Abandoned";
    /// The metric counting instances in service without having been made whole, handed to the
    /// group for replacement.
    pub const REPLACED_METRIC: &str = "Replaced";

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "appliance-asg-lifecycle",
        feature: "appliance-asg",
        summary: "gives appliance instances their interfaces, addresses, role and licence",
        env: &[
            ASG_NAME,
            STATE_TABLE,
            INTERFACES,
            LICENCE_BUCKET,
            SCALE_IN_PROTECTION,
            CONFIGURE_FUNCTION,
            CONFIG_PARAMETER,
            ADMIN_SECRET,
            API_DEVICE_INDEX,
        ],
    };

    /// Tag key on the interfaces and addresses the function creates: the instance they are for.
    /// Its IAM permissions are scoped by it (synth) and its searches filter on it (runtime).
    pub const TAG_INSTANCE: &str = "iac:appliance-instance";
    /// Tag key on the interfaces and addresses the function creates: the device index they are for.
    pub const TAG_DEVICE_INDEX: &str = "iac:device-index";

    /// Where an interface's public IPv4 address comes from.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum PublicIp {
        /// No public address.
        None,
        /// An Elastic IP allocated from Amazon's pool (or the BYOIP pool named), released on terminate.
        Allocate { pool: Option<String> },
        /// One of the user's own Elastic IPs (allocation IDs), leased while the instance lives and
        /// never released.
        Existing { allocation_ids: Vec<String> },
    }

    /// One extra interface of every appliance instance (device index 0 comes with the launch
    /// template); `INTERFACES` is a JSON list of them.
    ///
    /// `Group` is a security group's ID: `String` in the function; synth instantiates it with its
    /// expression type, as the appliance API's group is created by the stack (`Fn::GetAtt`).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Interface<Group = String> {
        pub device_index: u32,
        /// Availability zone -> subnet.
        pub subnets: BTreeMap<String, String>,
        pub security_groups: Vec<Group>,
        pub source_dest_check: bool,
        pub description: String,
        pub public_ip: PublicIp,
    }

    /// The value of the `CONFIG_PARAMETER` SSM parameter: the configuration template and the
    /// variables it may read (`{"template": "...", "variables": {...}}`). `Value` is a JSON value
    /// (`serde_json::Value` on both sides).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ConfigurationSource<Value> {
        pub template: String,
        #[serde(default)]
        pub variables: BTreeMap<String, Value>,
    }

    /// Everything a configuration template can use, as the function passes it when rendering for
    /// one instance. Synth checks a blueprint's template against [`TEMPLATE_CONTEXT`].
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct TemplateContext<Value> {
        pub instance_id: String,
        pub zone: String,
        /// `primary` or `secondary`.
        pub role: &'static str,
        pub is_primary: bool,
        /// The private API address of the primary (this instance's own when it is the primary).
        pub primary_ip: String,
        /// Every attached interface, device 0 included, by device index.
        pub interfaces: Vec<InterfaceContext>,
        /// The licence leased to the instance, if any.
        pub licence: Option<String>,
        /// The blueprint's variables ([`ConfigurationSource::variables`]).
        pub variables: BTreeMap<String, Value>,
    }

    /// The names a configuration template may read: the fields of [`TemplateContext`] (runtime's
    /// tests check that it serializes exactly these).
    pub const TEMPLATE_CONTEXT: &[&str] =
        &["instance_id", "zone", "role", "is_primary", "primary_ip", "interfaces", "licence", "variables"];

    /// One interface of the instance as the template sees it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct InterfaceContext {
        pub device_index: u32,
        pub description: String,
        pub private_ip: String,
        /// The associated public address, if any.
        pub public_ip: Option<String>,
        pub subnet_id: String,
    }
}

/// Pushes the rendered configuration, licence and admin password to one appliance over HTTPS.
/// Runs in the VPC (the appliance API is private) and is invoked only by the lifecycle function,
/// which passes the password: this function's role reads nothing.
pub mod configure {
    use crate::{EnvVar, FunctionSpec};

    /// The TCP port of the appliance's HTTPS API.
    pub const API_PORT: EnvVar = EnvVar { name: "API_PORT", doc: "TCP port of the appliance HTTPS API" };
    /// The administrator account the function logs in as.
    pub const ADMIN_USER: EnvVar =
        EnvVar { name: "ADMIN_USER", doc: "administrator user name on the appliances" };
    /// Accepted certificate fingerprints (SHA-256, hex, comma-separated); empty to verify the
    /// certificate against the public CAs for the appliance's IP address.
    pub const TLS_FINGERPRINTS: EnvVar = EnvVar {
        name: "TLS_FINGERPRINTS",
        doc: "SHA-256 fingerprints of accepted appliance certificates, comma-separated, or empty for CA verification",
    };
    /// How long to wait for a launching appliance's API to answer.
    pub const BOOT_TIMEOUT_SECONDS: EnvVar = EnvVar {
        name: "BOOT_TIMEOUT_SECONDS",
        doc: "seconds to wait for a launching appliance's API to answer",
    };

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "appliance-asg-configure",
        feature: "appliance-asg",
        summary: "pushes password, licence and configuration to an appliance over verified HTTPS",
        env: &[API_PORT, ADMIN_USER, TLS_FINGERPRINTS, BOOT_TIMEOUT_SECONDS],
    };
}
