//! Static IPs for an Application Load Balancer: an NLB whose `ip` target group is kept in sync.

/// The scheduled function that keeps the NLB's target groups equal to the ALB's addresses.
pub mod sync {
    use crate::{EnvVar, FunctionSpec};

    /// The target groups to keep in sync, `<target group arn>=<ALB port>` separated by commas.
    pub const TARGET_GROUPS: EnvVar = EnvVar {
        name: "TARGET_GROUPS",
        doc: "target groups to keep in sync, as <arn>=<port> pairs separated by commas",
    };
    /// The ALB whose addresses are mirrored (state key, and the network-interface description).
    pub const ALB_ARN: EnvVar = EnvVar { name: "ALB_ARN", doc: "ARN of the application load balancer" };
    /// The ALB's DNS name, for DNS discovery.
    pub const ALB_DNS_NAME: EnvVar =
        EnvVar { name: "ALB_DNS_NAME", doc: "DNS name of the application load balancer (DNS discovery)" };
    /// `dns` or `network-interfaces`.
    pub const DISCOVERY: EnvVar =
        EnvVar { name: "DISCOVERY", doc: "how addresses are discovered: dns or network-interfaces" };
    /// `authoritative`, or name servers as `ip[:port]` separated by commas.
    pub const DNS_SERVERS: EnvVar = EnvVar {
        name: "DNS_SERVERS",
        doc: "authoritative, or the name servers to query as ip[:port] separated by commas",
    };
    /// The DynamoDB table holding which targets the function registered and their miss counts.
    pub const STATE_TABLE: EnvVar = EnvVar { name: "STATE_TABLE", doc: "DynamoDB table of sync state" };
    /// Consecutive runs an address must be missing before its target is deregistered.
    pub const MISS_THRESHOLD: EnvVar =
        EnvVar { name: "MISS_THRESHOLD", doc: "runs an address must be missing before deregistration" };
    /// At most this many deregistrations per run and target group (blast-radius guard).
    pub const MAX_DEREGISTRATIONS: EnvVar =
        EnvVar { name: "MAX_DEREGISTRATIONS", doc: "deregistrations allowed per run and target group" };
    /// `true` to also deregister targets the function did not register.
    pub const MANAGE_FOREIGN_TARGETS: EnvVar = EnvVar {
        name: "MANAGE_FOREIGN_TARGETS",
        doc: "true to also manage targets the function did not register",
    };
    /// `true` when the ALB's addresses are outside the target group's VPC (`AvailabilityZone: all`).
    pub const CROSS_VPC: EnvVar =
        EnvVar { name: "CROSS_VPC", doc: "true to register targets with AvailabilityZone all" };
    /// The partition key attribute of the state table, which synth declares and the function reads.
    pub const STATE_KEY_ATTRIBUTE: &str = "pk";

    /// CloudWatch namespace of the embedded-format metrics.
    pub const METRIC_NAMESPACE: EnvVar =
        EnvVar { name: "METRIC_NAMESPACE", doc: "CloudWatch namespace of the function's metrics" };

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "alb-static-ip-sync",
        feature: "alb-static-ip",
        summary: "keeps an NLB ip target group equal to an ALB's addresses",
        env: &[
            TARGET_GROUPS,
            ALB_ARN,
            ALB_DNS_NAME,
            DISCOVERY,
            DNS_SERVERS,
            STATE_TABLE,
            MISS_THRESHOLD,
            MAX_DEREGISTRATIONS,
            MANAGE_FOREIGN_TARGETS,
            CROSS_VPC,
            METRIC_NAMESPACE,
        ],
    };

    /// One `TARGET_GROUPS` entry: a target group to keep in sync and the ALB port its targets use.
    ///
    /// `Arn` is `String` when the function parses the variable; synth instantiates it with its
    /// expression type, as the ARN is a `Ref` in the template.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TargetGroup<Arn = String> {
        pub arn: Arn,
        pub port: u16,
    }

    /// Separates the entries of `TARGET_GROUPS`.
    const ENTRY_SEPARATOR: &str = ",";
    /// Separates an entry's ARN from its port.
    const PORT_SEPARATOR: &str = "=";

    impl<Arn> TargetGroup<Arn> {
        /// The `TARGET_GROUPS` value of `groups` (`<arn>=<port>` entries separated by commas), built
        /// from `text` (literal text) and `join` (a delimiter and parts): the one place the format
        /// is written, for a string ([`TargetGroup::format`]) or for a template's `Fn::Join`.
        pub fn format_with<T>(
            groups: impl IntoIterator<Item = TargetGroup<Arn>>,
            text: impl Fn(String) -> T,
            join: impl Fn(&str, Vec<T>) -> T,
        ) -> T
        where
            Arn: Into<T>,
        {
            let entries = groups
                .into_iter()
                .map(|g| join(PORT_SEPARATOR, vec![g.arn.into(), text(g.port.to_string())]));
            join(ENTRY_SEPARATOR, entries.collect())
        }
    }

    impl TargetGroup {
        /// The `TARGET_GROUPS` value of `groups`.
        pub fn format(groups: &[TargetGroup]) -> String {
            TargetGroup::format_with(groups.iter().cloned(), |s| s, |d, parts| parts.join(d))
        }

        /// Reads a `TARGET_GROUPS` value: at least one `<arn>=<port>` entry, separated by commas.
        pub fn parse(text: &str) -> Result<Vec<TargetGroup>, TargetGroupsError> {
            let mut groups = Vec::new();
            for entry in text.split(ENTRY_SEPARATOR).filter(|e| !e.is_empty()) {
                let (arn, port) = entry.rsplit_once(PORT_SEPARATOR).ok_or(TargetGroupsError::NotPairs)?;
                let port = port.parse().map_err(|_| TargetGroupsError::NotPairs)?;
                groups.push(TargetGroup { arn: arn.to_owned(), port });
            }
            if groups.is_empty() {
                return Err(TargetGroupsError::Empty);
            }
            Ok(groups)
        }
    }

    /// A `TARGET_GROUPS` value that does not parse; the text says what was expected.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TargetGroupsError {
        NotPairs,
        Empty,
    }

    impl std::fmt::Display for TargetGroupsError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                TargetGroupsError::NotPairs => "expected <arn>=<port> pairs",
                TargetGroupsError::Empty => "expected at least one <arn>=<port> pair",
            })
        }
    }

    impl std::error::Error for TargetGroupsError {}

    /// How the function finds the ALB's addresses: the `DISCOVERY` value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Discovery {
        /// Resolve `ALB_DNS_NAME` (`dns`).
        Dns,
        /// List the ALB's network interfaces (`network-interfaces`).
        NetworkInterfaces,
    }

    impl Discovery {
        pub const ALL: [Discovery; 2] = [Discovery::Dns, Discovery::NetworkInterfaces];

        pub const fn as_str(self) -> &'static str {
            match self {
                Discovery::Dns => "dns",
                Discovery::NetworkInterfaces => "network-interfaces",
            }
        }

        pub fn parse(text: &str) -> Option<Discovery> {
            Discovery::ALL.into_iter().find(|d| d.as_str() == text)
        }
    }

    /// Which name servers DNS discovery asks: the `DNS_SERVERS` value. `S` is an entry's text
    /// (`ip[:port]`, checked by the function).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum DnsServers<S = String> {
        /// Ask the ALB's authoritative name servers (`authoritative`).
        Authoritative,
        /// Ask these servers (entries separated by commas).
        Listed(Vec<S>),
    }

    const AUTHORITATIVE: &str = "authoritative";

    impl<S: AsRef<str>> DnsServers<S> {
        /// The `DNS_SERVERS` value; an empty list is the authoritative servers.
        pub fn format(&self) -> String {
            match self {
                DnsServers::Listed(servers) if !servers.is_empty() => {
                    servers.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(ENTRY_SEPARATOR)
                }
                _ => AUTHORITATIVE.to_owned(),
            }
        }
    }

    impl<'a> DnsServers<&'a str> {
        /// Reads a `DNS_SERVERS` value: `authoritative`, or entries separated by commas (trimmed,
        /// empty ones dropped, so `Listed` may be empty for the function to reject).
        pub fn parse(text: &'a str) -> DnsServers<&'a str> {
            if text.trim() == AUTHORITATIVE {
                return DnsServers::Authoritative;
            }
            DnsServers::Listed(text.split(ENTRY_SEPARATOR).map(str::trim).filter(|e| !e.is_empty()).collect())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn target_groups_format_and_parse_back() {
            let groups = vec![
                TargetGroup {
                    arn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/a/1".to_owned(),
                    port: 443,
                },
                TargetGroup {
                    arn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/b/2".to_owned(),
                    port: 80,
                },
            ];
            let text = TargetGroup::format(&groups);
            assert_eq!(
                text,
                "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/a/1=443,arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/b/2=80"
            );
            assert_eq!(TargetGroup::parse(&text), Ok(groups));
            assert_eq!(TargetGroup::parse("arn"), Err(TargetGroupsError::NotPairs));
            assert_eq!(TargetGroup::parse("arn=http"), Err(TargetGroupsError::NotPairs));
            assert_eq!(TargetGroup::parse(""), Err(TargetGroupsError::Empty));
        }

        #[test]
        fn discovery_and_dns_servers_format_and_parse_back() {
            for d in Discovery::ALL {
                assert_eq!(Discovery::parse(d.as_str()), Some(d));
            }
            assert_eq!(Discovery::parse("DNS"), None);
            assert_eq!(DnsServers::<String>::Listed(Vec::new()).format(), "authoritative");
            assert_eq!(DnsServers::parse("authoritative"), DnsServers::Authoritative);
            let listed = DnsServers::Listed(vec!["10.0.0.2", "10.0.0.3:5353"]);
            assert_eq!(DnsServers::parse(&listed.format()), listed);
        }
    }
}
