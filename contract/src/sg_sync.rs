//! Security groups that follow Auto Scaling groups across regions. Each region's stack holds a
//! customer-managed prefix list, referenced by one ingress rule per port in the region's security
//! group; each region's function keeps that prefix list equal to the addresses of every region's
//! group. A region's own addresses are written to its own state table, then copied to every peer's
//! table; each table's stream runs its own region's function.

/// The function that observes its region's group, records its addresses, updates the prefix list,
/// completes lifecycle actions and copies its addresses to the other regions.
pub mod sync {
    use serde::{Deserialize, Serialize};

    use crate::{EnvVar, FunctionSpec};

    /// The region this function serves (its stack's region; the key of its own state item).
    pub const REGION: EnvVar =
        EnvVar { name: "REGION", doc: "the stack's region (its own state item's key)" };
    /// The Auto Scaling group whose instances' addresses are admitted.
    pub const AUTO_SCALING_GROUP: EnvVar =
        EnvVar { name: "AUTO_SCALING_GROUP", doc: "name of the Auto Scaling group in this region" };
    /// The lifecycle hooks the stack puts on the group: JSON of [`Hooks`].
    pub const HOOKS: EnvVar =
        EnvVar { name: "HOOKS", doc: "the stack's lifecycle hook names, as JSON (launch, terminate)" };
    /// Which address of an instance is admitted: [`AddressKind`], as its serde name.
    pub const ADDRESSES: EnvVar =
        EnvVar { name: "ADDRESSES", doc: "which instance address is admitted: public or private" };
    /// The most addresses one region may contribute; more fails loudly before any change.
    pub const MAX_ADDRESSES_PER_REGION: EnvVar = EnvVar {
        name: "MAX_ADDRESSES_PER_REGION",
        doc: "most instances (addresses) one region's group may have",
    };
    /// The stack's customer-managed prefix list (`pl-...`): the union of every region's addresses.
    pub const PREFIX_LIST_ID: EnvVar =
        EnvVar { name: "PREFIX_LIST_ID", doc: "the stack's managed prefix list id (pl-...)" };
    /// This region's state table.
    pub const STATE_TABLE: EnvVar =
        EnvVar { name: "STATE_TABLE", doc: "DynamoDB table of every region's addresses" };
    /// The other regions and their state tables: JSON of `Vec<`[`Peer`]`>`.
    pub const PEERS: EnvVar = EnvVar { name: "PEERS", doc: "the other regions' state tables, as JSON" };
    /// CloudWatch namespace of the embedded-format metrics.
    pub const METRIC_NAMESPACE: EnvVar =
        EnvVar { name: "METRIC_NAMESPACE", doc: "CloudWatch namespace of the function's metrics" };

    /// The state table's partition key (S): the region whose addresses an item holds.
    pub const STATE_KEY_ATTRIBUTE: &str = "region";
    /// A state item's version (N): incremented by every write of the owning region, and the
    /// condition of every write (own writes expect the version read; copies only replace an older one).
    pub const VERSION_ATTRIBUTE: &str = "version";
    /// A state item's addresses (M): CIDR (`a.b.c.d/32`) to the instance id it belongs to.
    pub const ADDRESSES_ATTRIBUTE: &str = "addresses";

    /// Metric: a region had more addresses than it may contribute (or the union more than the prefix
    /// list holds); nothing was changed. Alarmed.
    pub const METRIC_OVER_CAPACITY: &str = "AddressesOverCapacity";
    /// Metric: copying this region's addresses to a peer region's table failed (the invocation fails
    /// too, and is retried). Alarmed.
    pub const METRIC_PEER_COPY_FAILED: &str = "PeerCopyFailed";
    /// The one dimension of the function's metrics: its Auto Scaling group's name (alarms select it).
    pub const METRIC_DIMENSION: &str = "AutoScalingGroupName";

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "sg-sync",
        feature: "sg-sync",
        summary: "keeps a prefix list of every region's Auto Scaling group addresses, referenced by security groups",
        env: &[
            REGION,
            AUTO_SCALING_GROUP,
            HOOKS,
            ADDRESSES,
            MAX_ADDRESSES_PER_REGION,
            PREFIX_LIST_ID,
            STATE_TABLE,
            PEERS,
            METRIC_NAMESPACE,
        ],
    };

    /// The lifecycle hooks the stack puts on the group.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Hooks {
        pub launch: String,
        pub terminate: String,
    }

    /// Which address of an instance is admitted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum AddressKind {
        /// The instance's public IPv4 address (instances without one contribute nothing).
        Public,
        /// The primary private IPv4 address, for peered or VPN-connected networks.
        Private,
    }

    impl AddressKind {
        /// The value of [`ADDRESSES`].
        pub fn as_str(self) -> &'static str {
            match self {
                AddressKind::Public => "public",
                AddressKind::Private => "private",
            }
        }

        /// Reads the value of [`ADDRESSES`].
        pub fn parse(s: &str) -> Option<Self> {
            match s {
                "public" => Some(AddressKind::Public),
                "private" => Some(AddressKind::Private),
                _ => None,
            }
        }
    }

    /// Another region of the blueprint: where this function copies its own addresses.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Peer {
        pub region: String,
        /// The peer's state table name (deterministic, so no stack waits for another's output).
        pub table: String,
    }
}
