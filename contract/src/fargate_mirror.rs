//! Traffic mirroring for ECS Fargate tasks: a function that gives every selected task's network
//! interfaces a VPC Traffic Mirror session to the stack's target, through the stack's filter.

/// The function that mirrors tasks on ECS task state changes and on a reconcile schedule.
pub mod mirror {
    use serde::{Deserialize, Serialize};

    use crate::{EnvVar, FunctionSpec};

    /// The stack's `AWS::EC2::TrafficMirrorTarget` (`tmt-...`).
    pub const TARGET_ID: EnvVar = EnvVar { name: "TARGET_ID", doc: "traffic mirror target id (tmt-...)" };
    /// The stack's `AWS::EC2::TrafficMirrorFilter` (`tmf-...`).
    pub const FILTER_ID: EnvVar = EnvVar { name: "FILTER_ID", doc: "traffic mirror filter id (tmf-...)" };
    /// The ECS clusters whose tasks are mirrored, ARNs separated by commas.
    pub const CLUSTERS: EnvVar =
        EnvVar { name: "CLUSTERS", doc: "ARNs of the ECS clusters to watch, separated by commas" };
    /// Which tasks are mirrored: JSON of [`Selection`].
    pub const SELECTION: EnvVar =
        EnvVar { name: "SELECTION", doc: "which tasks to mirror, as JSON (services, families, tags)" };
    /// Session options: JSON of [`SessionOptions`].
    pub const SESSION: EnvVar = EnvVar {
        name: "SESSION",
        doc: "session options as JSON (number, packet_length, virtual_network_id)",
    };
    /// What to do with a task whose interfaces cannot be mirrored: JSON of [`NotMirrorable`].
    pub const NOT_MIRRORABLE: EnvVar = EnvVar {
        name: "NOT_MIRRORABLE",
        doc: "policy for tasks that cannot be mirrored, as JSON (stop-task with a budget, or report)",
    };
    /// The stack's name: the value of [`TAG_STACK`] on every session the function creates, and the
    /// only sessions it deletes.
    pub const STACK_NAME: EnvVar =
        EnvVar { name: "STACK_NAME", doc: "name of the stack (session tag value)" };
    /// The DynamoDB table of task-stop budgets.
    pub const STATE_TABLE: EnvVar = EnvVar { name: "STATE_TABLE", doc: "DynamoDB table of stop budgets" };
    /// CloudWatch namespace of the embedded-format metrics.
    pub const METRIC_NAMESPACE: EnvVar =
        EnvVar { name: "METRIC_NAMESPACE", doc: "CloudWatch namespace of the function's metrics" };

    /// The partition key attribute of the state table, which synth declares and the function writes.
    pub const STATE_KEY_ATTRIBUTE: &str = "pk";
    /// The state table's time-to-live attribute (epoch seconds), so spent budgets expire.
    pub const STATE_TTL_ATTRIBUTE: &str = "expires";

    /// Tag on every session the function creates: the stack's name. IAM lets the function create
    /// sessions only with this tag and delete only sessions that carry it.
    pub const TAG_STACK: &str = "fargate-mirror:stack";
    /// Tag naming the mirrored task's ARN.
    pub const TAG_TASK: &str = "fargate-mirror:task";
    /// Tag naming the mirrored task's cluster ARN.
    pub const TAG_CLUSTER: &str = "fargate-mirror:cluster";

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "fargate-mirror-sessions",
        feature: "fargate-mirror",
        summary: "gives ECS Fargate tasks' network interfaces traffic mirror sessions, and removes them",
        env: &[
            TARGET_ID,
            FILTER_ID,
            CLUSTERS,
            SELECTION,
            SESSION,
            NOT_MIRRORABLE,
            STACK_NAME,
            STATE_TABLE,
            METRIC_NAMESPACE,
        ],
    };

    /// Which tasks are mirrored: every task when all three are empty, otherwise a task that matches
    /// any of them.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Selection {
        /// Service names (a task started by service `web` has the group `service:web`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub services: Vec<String>,
        /// Task-definition families.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub families: Vec<String>,
        /// Task tags, each of which must match (key and value).
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        pub tags: std::collections::BTreeMap<String, String>,
    }

    impl Selection {
        /// Whether every task is selected.
        pub fn is_all(&self) -> bool {
            self.services.is_empty() && self.families.is_empty() && self.tags.is_empty()
        }
    }

    /// How sessions are created.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct SessionOptions {
        /// The preferred session number (1..=32766); the lowest free one when taken on an interface.
        pub number: u16,
        /// Bytes of each packet to mirror; the whole packet when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub packet_length: Option<u32>,
        /// The VXLAN network identifier; AWS picks one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub virtual_network_id: Option<u32>,
    }

    /// What happens to a task whose interface AWS refuses to mirror (`NetworkInterfaceNotSupported`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
    pub enum NotMirrorable {
        /// Stop the task so its service starts a replacement, at most `per_service_per_hour` stops per
        /// service (or task group) and clock hour.
        StopTask { per_service_per_hour: u32 },
        /// Only report it (metric and alarm).
        Report,
    }
}
