//! Subnet layout: carving a VPC CIDR into one private and one public subnet per zone, and checking
//! explicit layouts (inside the VPC, no overlaps, big enough for a load balancer).

use ipnet::Ipv4Net;

use crate::blueprint::Network;

/// A problem with a path relative to the `network` block, a message, and an optional hint.
pub type Problem = (String, String, Option<String>);

/// The subnets of a VPC, one private and one public per availability zone, in zone order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetPlan {
    pub vpc: Ipv4Net,
    pub private: Vec<Ipv4Net>,
    pub public: Vec<Ipv4Net>,
}

/// The smallest subnet an Application Load Balancer accepts is a /27 (it needs 8 free addresses).
pub const MAX_ALB_SUBNET_PREFIX: u8 = 27;
/// AWS allows VPCs from /16 to /28.
pub const VPC_PREFIXES: std::ops::RangeInclusive<u8> = 16..=28;

pub fn parse_cidr(text: &str) -> Result<Ipv4Net, (String, Option<String>)> {
    let net: Ipv4Net = text
        .parse()
        .map_err(|_| (format!("invalid CIDR '{text}': expected an IPv4 block such as 10.20.0.0/16"), None))?;
    if net.trunc() != net {
        return Err((
            format!("CIDR '{text}' has host bits set"),
            Some(format!("did you mean '{}'?", net.trunc())),
        ));
    }
    Ok(net)
}

/// Lays out the subnets for `net`, or explains why it cannot.
pub fn plan(net: &Network) -> Result<SubnetPlan, Vec<Problem>> {
    let vpc = parse_cidr(&net.cidr).map_err(|(m, h)| vec![("cidr".to_owned(), m, h)])?;
    if !VPC_PREFIXES.contains(&vpc.prefix_len()) {
        return Err(vec![(
            "cidr".to_owned(),
            format!("VPC CIDR '{vpc}' has prefix /{}: AWS allows /16 to /28", vpc.prefix_len()),
            None,
        )]);
    }
    let azs = usize::from(net.availability_zones);
    match &net.subnets {
        None => carve(vpc, net.subnet_prefix, azs),
        Some(explicit) => check_explicit(vpc, azs, &explicit.private, &explicit.public),
    }
}

fn carve(vpc: Ipv4Net, prefix: u8, azs: usize) -> Result<SubnetPlan, Vec<Problem>> {
    if prefix > MAX_ALB_SUBNET_PREFIX {
        return Err(vec![(
            "subnet_prefix".to_owned(),
            format!(
                "subnet prefix /{prefix} is too small for the load balancer: expected /{MAX_ALB_SUBNET_PREFIX} or larger (a smaller number)"
            ),
            None,
        )]);
    }
    if prefix <= vpc.prefix_len() {
        return Err(vec![(
            "subnet_prefix".to_owned(),
            format!(
                "subnet prefix /{prefix} does not fit twice in VPC '{vpc}': expected a prefix longer than /{}",
                vpc.prefix_len()
            ),
            None,
        )]);
    }
    let slots: Vec<Ipv4Net> = vpc.subnets(prefix).map(|s| s.collect()).unwrap_or_default();
    let half = slots.len() / 2;
    if half < azs {
        return Err(vec![(
            "subnet_prefix".to_owned(),
            format!(
                "VPC '{vpc}' split into /{prefix} subnets gives {} slots, but {azs} zones need {}",
                slots.len(),
                2 * azs
            ),
            Some(format!("use a subnet_prefix of /{} or less, or a larger VPC", ceil_prefix(vpc, 2 * azs))),
        )]);
    }
    Ok(SubnetPlan { vpc, private: slots[..azs].to_vec(), public: slots[half..half + azs].to_vec() })
}

/// The longest prefix that still yields `n` subnets in `vpc`.
fn ceil_prefix(vpc: Ipv4Net, n: usize) -> u8 {
    let bits = usize::BITS - (n.max(1) - 1).leading_zeros();
    vpc.prefix_len() + u8::try_from(bits).unwrap_or(32)
}

fn check_explicit(
    vpc: Ipv4Net,
    azs: usize,
    private: &[String],
    public: &[String],
) -> Result<SubnetPlan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut parsed: Vec<(String, Ipv4Net)> = Vec::new();
    let mut lists = [Vec::new(), Vec::new()];
    for (li, (kind, list)) in [("private", private), ("public", public)].into_iter().enumerate() {
        if list.len() != azs {
            problems.push((
                format!("subnets.{kind}"),
                format!("expected {azs} {kind} subnets (one per availability zone), found {}", list.len()),
                None,
            ));
        }
        for (i, text) in list.iter().enumerate() {
            let path = format!("subnets.{kind}.{i}");
            match parse_cidr(text) {
                Err((m, h)) => problems.push((path, m, h)),
                Ok(net) => {
                    if !vpc.contains(&net) || net == vpc {
                        problems.push((
                            path.clone(),
                            format!("subnet '{net}' is not inside VPC '{vpc}'"),
                            None,
                        ));
                    }
                    if kind == "private" && net.prefix_len() > MAX_ALB_SUBNET_PREFIX {
                        problems.push((
                            path.clone(),
                            format!("subnet '{net}' is too small for the load balancer: expected /{MAX_ALB_SUBNET_PREFIX} or larger"),
                            None,
                        ));
                    } else if net.prefix_len() > 28 {
                        problems.push((
                            path.clone(),
                            format!("subnet '{net}' is smaller than /28, the AWS minimum"),
                            None,
                        ));
                    }
                    if let Some((other, _)) = parsed.iter().find(|(_, o)| o.contains(&net) || net.contains(o))
                    {
                        problems.push((
                            path.clone(),
                            format!("subnet '{net}' overlaps '{}' at '{other}'", lookup(&parsed, other)),
                            None,
                        ));
                    }
                    parsed.push((path, net));
                    lists[li].push(net);
                }
            }
        }
    }
    if problems.is_empty() {
        let [private, public] = lists;
        Ok(SubnetPlan { vpc, private, public })
    } else {
        Err(problems)
    }
}

fn lookup(parsed: &[(String, Ipv4Net)], path: &str) -> Ipv4Net {
    parsed.iter().find(|(p, _)| p == path).map(|(_, n)| *n).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::{NatMode, SubnetCidrs};

    fn net(cidr: &str, azs: u8, prefix: u8) -> Network {
        Network {
            cidr: cidr.to_owned(),
            availability_zones: azs,
            subnet_prefix: prefix,
            subnets: None,
            nat: NatMode::Single,
            interface_endpoints: vec![],
            gateway_endpoints: vec![],
        }
    }

    fn show(p: &SubnetPlan) -> String {
        let f = |v: &[Ipv4Net]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        format!("private: {} | public: {}", f(&p.private), f(&p.public))
    }

    #[test]
    fn carving_puts_private_first_and_public_in_the_second_half() {
        let p = plan(&net("10.20.0.0/16", 3, 20)).unwrap();
        assert_eq!(
            show(&p),
            "private: 10.20.0.0/20 10.20.16.0/20 10.20.32.0/20 | public: 10.20.128.0/20 10.20.144.0/20 10.20.160.0/20"
        );
    }

    #[test]
    fn adding_a_zone_never_renumbers_existing_subnets() {
        let two = plan(&net("10.0.0.0/16", 2, 24)).unwrap();
        let three = plan(&net("10.0.0.0/16", 3, 24)).unwrap();
        assert_eq!(two.private[..], three.private[..2]);
        assert_eq!(two.public[..], three.public[..2]);
    }

    #[test]
    fn too_few_slots_suggests_a_prefix() {
        let e = plan(&net("10.0.0.0/24", 3, 26)).unwrap_err();
        assert_eq!(e[0].1, "VPC '10.0.0.0/24' split into /26 subnets gives 4 slots, but 3 zones need 6");
        assert_eq!(e[0].2.as_deref(), Some("use a subnet_prefix of /27 or less, or a larger VPC"));
    }

    #[test]
    fn host_bits_and_garbage_are_rejected() {
        let e = plan(&net("10.0.0.1/16", 2, 24)).unwrap_err();
        assert_eq!(e[0].1, "CIDR '10.0.0.1/16' has host bits set");
        assert_eq!(e[0].2.as_deref(), Some("did you mean '10.0.0.0/16'?"));
        assert!(plan(&net("10.0.0/16", 2, 24)).unwrap_err()[0].1.starts_with("invalid CIDR '10.0.0/16'"));
    }

    #[test]
    fn explicit_subnets_must_not_overlap_and_must_fit() {
        let mut n = net("10.0.0.0/16", 2, 24);
        n.subnets = Some(SubnetCidrs {
            private: vec!["10.0.0.0/24".into(), "10.0.0.128/25".into()],
            public: vec!["10.1.0.0/24".into(), "10.0.3.0/24".into()],
        });
        let e = plan(&n).unwrap_err();
        let msgs: Vec<_> = e.iter().map(|(p, m, _)| format!("{p}: {m}")).collect();
        assert_eq!(
            msgs,
            [
                "subnets.private.1: subnet '10.0.0.128/25' overlaps '10.0.0.0/24' at 'subnets.private.0'",
                "subnets.public.0: subnet '10.1.0.0/24' is not inside VPC '10.0.0.0/16'",
            ]
        );
    }
}
