//! The network side of an appliance instance, planned: which interfaces to create and attach, which
//! attributes to fix, which public addresses to associate on launch, and what to undo on terminate.
//!
//! Pure: the observed world comes in as plain data ([`Observed`]), the plan goes out as [`Step`]s
//! that `apply` executes in order. Planning again after a complete apply yields no steps, and a
//! partial apply (a crash, a redelivered event) is continued, never repeated: interfaces the function
//! creates carry tags naming the instance and device index, so an interface created but not attached
//! is found and attached instead of created twice.

/// One extra interface of every appliance instance, and where its public address comes from: the
/// contract's shapes of `INTERFACES`.
pub use contract::appliance_asg::lifecycle::{Interface as InterfaceSpec, PublicIp};

/// An Elastic IP as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: String,
    pub association_id: Option<String>,
    pub network_interface_id: Option<String>,
    /// Allocated by this function for `(instance, device index)` (its tags say so).
    pub allocated_for: Option<(String, u32)>,
}

/// A network interface of (or made for) the instance, as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub id: String,
    /// Attached to the instance at this device index, with this attachment.
    pub attachment: Option<(u32, String)>,
    pub delete_on_termination: bool,
    pub source_dest_check: bool,
    /// Created by this function for `(instance, device index)` (its tags say so).
    pub created_for: Option<(String, u32)>,
}

/// What the function sees of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub instance_id: String,
    pub availability_zone: String,
    /// Interfaces attached to the instance, and unattached ones tagged for it.
    pub interfaces: Vec<Interface>,
    /// Addresses allocated for the instance, and every address of the configured existing pools.
    pub addresses: Vec<Address>,
    /// Existing-pool addresses another launch holds a lease on: not free, even when unassociated.
    pub leased_elsewhere: Vec<String>,
}

/// An interface a step acts on: one that exists, or the one an earlier step creates for a device index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eni {
    Id(String),
    CreatedFor(u32),
}

/// An address a step associates: an existing allocation, or the one an earlier step allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    Id(String),
    AllocatedFor(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Create {
        device_index: u32,
        subnet: String,
        security_groups: Vec<String>,
        description: String,
    },
    Attach {
        eni: Eni,
        device_index: u32,
    },
    /// Compensation: an interface the function created that cannot be used (it is deleted).
    Delete {
        eni: String,
    },
    /// On the interface's attachment: the one observed, or (`None`) the one this plan's `Attach`
    /// step makes, whose id `AttachNetworkInterface` returns (a describe right after the attach may
    /// not show it yet: EC2 is eventually consistent).
    SetDeleteOnTermination {
        eni: Eni,
        attachment: Option<String>,
    },
    SetSourceDestCheck {
        eni: Eni,
        enabled: bool,
    },
    Allocate {
        device_index: u32,
        pool: Option<String>,
    },
    Associate {
        allocation: Allocation,
        eni: Eni,
    },
    Disassociate {
        association_id: String,
        public_ip: String,
    },
    /// Only for addresses the function allocated itself.
    Release {
        allocation_id: String,
        public_ip: String,
    },
    Detach {
        attachment_id: String,
    },
}

/// Why an instance cannot be made whole; the lifecycle action is abandoned with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsatisfiable {
    #[error("interface {device_index} has no subnet in zone '{zone}' (configured zones: {configured})")]
    NoSubnet { device_index: u32, zone: String, configured: String },
    #[error("device index {device_index} is taken by '{eni}', which this function did not create")]
    ForeignInterface { device_index: u32, eni: String },
    #[error("no free Elastic IP for interface {device_index}: all of {} are associated elsewhere", allocation_ids.join(", "))]
    NoFreeAddress { device_index: u32, allocation_ids: Vec<String> },
}

/// The steps that give the instance every configured interface.
pub fn launch(specs: &[InterfaceSpec], o: &Observed) -> Result<Vec<Step>, Unsatisfiable> {
    let mut steps = Vec::new();
    // Existing-pool addresses promised to earlier interfaces in this plan.
    let mut promised: Vec<String> = Vec::new();
    for spec in specs {
        let d = spec.device_index;
        let attached = o.interfaces.iter().find(|i| i.attachment.as_ref().is_some_and(|(idx, _)| *idx == d));
        let eni = match attached {
            Some(i) if i.created_for.as_ref().is_some_and(|(id, idx)| *id == o.instance_id && *idx == d) => {
                Eni::Id(i.id.clone())
            }
            Some(i) => return Err(Unsatisfiable::ForeignInterface { device_index: d, eni: i.id.clone() }),
            None => {
                let spare = o.interfaces.iter().find(|i| {
                    i.attachment.is_none()
                        && i.created_for.as_ref().is_some_and(|(id, idx)| *id == o.instance_id && *idx == d)
                });
                match spare {
                    Some(i) => {
                        steps.push(Step::Attach { eni: Eni::Id(i.id.clone()), device_index: d });
                        Eni::Id(i.id.clone())
                    }
                    None => {
                        let subnet = spec.subnets.get(&o.availability_zone).ok_or_else(|| {
                            Unsatisfiable::NoSubnet {
                                device_index: d,
                                zone: o.availability_zone.clone(),
                                configured: spec.subnets.keys().cloned().collect::<Vec<_>>().join(", "),
                            }
                        })?;
                        steps.push(Step::Create {
                            device_index: d,
                            subnet: subnet.clone(),
                            security_groups: spec.security_groups.clone(),
                            description: spec.description.clone(),
                        });
                        steps.push(Step::Attach { eni: Eni::CreatedFor(d), device_index: d });
                        Eni::CreatedFor(d)
                    }
                }
            }
        };
        let current = match &eni {
            Eni::Id(id) => o.interfaces.iter().find(|i| &i.id == id),
            Eni::CreatedFor(_) => None,
        };
        // A new interface is attached with DeleteOnTermination false and SourceDestCheck true.
        if !current.is_some_and(|i| i.delete_on_termination && i.attachment.is_some()) {
            let attachment = current.and_then(|i| i.attachment.as_ref()).map(|(_, id)| id.clone());
            steps.push(Step::SetDeleteOnTermination { eni: eni.clone(), attachment });
        }
        if current.is_none_or(|i| i.source_dest_check) != spec.source_dest_check {
            steps.push(Step::SetSourceDestCheck { eni: eni.clone(), enabled: spec.source_dest_check });
        }
        let eni_id = current.map(|i| i.id.clone());
        let associated = eni_id.as_ref().and_then(|id| {
            o.addresses
                .iter()
                .find(|a| a.network_interface_id.as_ref() == Some(id) && a.association_id.is_some())
        });
        match (&spec.public_ip, associated) {
            (PublicIp::None, _) | (_, Some(_)) => {}
            (PublicIp::Allocate { pool }, None) => {
                let mine = o.addresses.iter().find(|a| {
                    a.allocated_for.as_ref().is_some_and(|(id, idx)| *id == o.instance_id && *idx == d)
                        && a.association_id.is_none()
                });
                let allocation = match mine {
                    Some(a) => Allocation::Id(a.allocation_id.clone()),
                    None => {
                        steps.push(Step::Allocate { device_index: d, pool: pool.clone() });
                        Allocation::AllocatedFor(d)
                    }
                };
                steps.push(Step::Associate { allocation, eni: eni.clone() });
            }
            (PublicIp::Existing { allocation_ids }, None) => {
                let free = allocation_ids.iter().find(|id| {
                    !promised.contains(id)
                        && !o.leased_elsewhere.contains(id)
                        && o.addresses.iter().any(|a| &a.allocation_id == *id && a.association_id.is_none())
                });
                let Some(free) = free else {
                    return Err(Unsatisfiable::NoFreeAddress {
                        device_index: d,
                        allocation_ids: allocation_ids.clone(),
                    });
                };
                promised.push(free.clone());
                steps.push(Step::Associate { allocation: Allocation::Id(free.clone()), eni: eni.clone() });
            }
        }
    }
    Ok(steps)
}

/// The existing-pool addresses `steps` associate: each must be leased before it is associated.
pub fn pool_addresses(specs: &[InterfaceSpec], steps: &[Step]) -> Vec<String> {
    let pools = pools(specs);
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Associate { allocation: Allocation::Id(id), .. } if pools.contains(id) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// Every allocation id of the configured existing pools.
pub fn pools(specs: &[InterfaceSpec]) -> Vec<String> {
    specs
        .iter()
        .filter_map(|s| match &s.public_ip {
            PublicIp::Existing { allocation_ids } => Some(allocation_ids.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The steps that undo what [`launch`] did, leaving the user's own addresses allocated.
/// Interfaces are deleted by EC2 with the instance (DeleteOnTermination); one that is not marked so
/// is detached and deleted here.
pub fn terminate(o: &Observed) -> Vec<Step> {
    let mut steps = Vec::new();
    let ours = |i: &Interface| i.created_for.as_ref().is_some_and(|(id, _)| *id == o.instance_id);
    for i in o.interfaces.iter().filter(|i| ours(i)) {
        for a in o.addresses.iter().filter(|a| a.network_interface_id.as_ref() == Some(&i.id)) {
            if let Some(association_id) = &a.association_id {
                steps.push(Step::Disassociate {
                    association_id: association_id.clone(),
                    public_ip: a.public_ip.clone(),
                });
            }
        }
    }
    // Addresses this function allocated for the instance, associated or not.
    for a in
        o.addresses.iter().filter(|a| a.allocated_for.as_ref().is_some_and(|(id, _)| *id == o.instance_id))
    {
        steps.push(Step::Release { allocation_id: a.allocation_id.clone(), public_ip: a.public_ip.clone() });
    }
    for i in o.interfaces.iter().filter(|i| ours(i)) {
        match &i.attachment {
            Some((_, attachment_id)) if !i.delete_on_termination => {
                steps.push(Step::Detach { attachment_id: attachment_id.clone() });
                steps.push(Step::Delete { eni: i.id.clone() });
            }
            Some(_) => {}
            None => steps.push(Step::Delete { eni: i.id.clone() }),
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const I: &str = "i-0123456789abcdef0";

    fn spec(d: u32, public_ip: PublicIp) -> InterfaceSpec {
        InterfaceSpec {
            device_index: d,
            subnets: BTreeMap::from([
                ("eu-west-1a".into(), format!("subnet-a{d}")),
                ("eu-west-1b".into(), format!("subnet-b{d}")),
            ]),
            security_groups: vec![format!("sg-{d}")],
            source_dest_check: d == 1,
            description: format!("port{}", d + 1),
            public_ip,
        }
    }

    fn empty() -> Observed {
        Observed {
            instance_id: I.into(),
            availability_zone: "eu-west-1b".into(),
            interfaces: vec![],
            addresses: vec![],
            leased_elsewhere: vec![],
        }
    }

    /// Applies `steps` to `o` the way EC2 would, so re-planning can be checked.
    fn simulate(specs: &[InterfaceSpec], o: &mut Observed, steps: &[Step]) {
        let mut created: BTreeMap<u32, String> = BTreeMap::new();
        let mut allocated: BTreeMap<u32, String> = BTreeMap::new();
        let resolve = |e: &Eni, created: &BTreeMap<u32, String>| match e {
            Eni::Id(id) => id.clone(),
            Eni::CreatedFor(d) => created[d].clone(),
        };
        for (n, step) in steps.iter().enumerate() {
            match step {
                Step::Create { device_index, .. } => {
                    let id = format!("eni-new{n}");
                    created.insert(*device_index, id.clone());
                    o.interfaces.push(Interface {
                        id,
                        attachment: None,
                        delete_on_termination: false,
                        source_dest_check: true,
                        created_for: Some((I.into(), *device_index)),
                    });
                }
                Step::Attach { eni, device_index } => {
                    let id = resolve(eni, &created);
                    let i = o.interfaces.iter_mut().find(|i| i.id == id).expect("eni");
                    i.attachment = Some((*device_index, format!("attach-{n}")));
                }
                Step::SetDeleteOnTermination { eni, .. } => {
                    let id = resolve(eni, &created);
                    o.interfaces.iter_mut().find(|i| i.id == id).expect("eni").delete_on_termination = true;
                }
                Step::SetSourceDestCheck { eni, enabled } => {
                    let id = resolve(eni, &created);
                    o.interfaces.iter_mut().find(|i| i.id == id).expect("eni").source_dest_check = *enabled;
                }
                Step::Allocate { device_index, .. } => {
                    let id = format!("eipalloc-new{n}");
                    allocated.insert(*device_index, id.clone());
                    o.addresses.push(Address {
                        allocation_id: id,
                        public_ip: format!("198.51.100.{n}"),
                        association_id: None,
                        network_interface_id: None,
                        allocated_for: Some((I.into(), *device_index)),
                    });
                }
                Step::Associate { allocation, eni } => {
                    let alloc = match allocation {
                        Allocation::Id(id) => id.clone(),
                        Allocation::AllocatedFor(d) => allocated[d].clone(),
                    };
                    let eni = resolve(eni, &created);
                    let a = o.addresses.iter_mut().find(|a| a.allocation_id == alloc).expect("address");
                    a.association_id = Some(format!("eipassoc-{n}"));
                    a.network_interface_id = Some(eni);
                }
                other => panic!("not a launch step: {other:?}"),
            }
        }
        let _ = specs;
    }

    #[test]
    fn a_bare_instance_gets_every_interface_and_replanning_is_empty() {
        let specs = [spec(1, PublicIp::Allocate { pool: None }), spec(2, PublicIp::None)];
        let mut o = empty();
        let steps = launch(&specs, &o).expect("plan");
        assert_eq!(
            steps,
            vec![
                Step::Create {
                    device_index: 1,
                    subnet: "subnet-b1".into(),
                    security_groups: vec!["sg-1".into()],
                    description: "port2".into()
                },
                Step::Attach { eni: Eni::CreatedFor(1), device_index: 1 },
                Step::SetDeleteOnTermination { eni: Eni::CreatedFor(1), attachment: None },
                Step::Allocate { device_index: 1, pool: None },
                Step::Associate { allocation: Allocation::AllocatedFor(1), eni: Eni::CreatedFor(1) },
                Step::Create {
                    device_index: 2,
                    subnet: "subnet-b2".into(),
                    security_groups: vec!["sg-2".into()],
                    description: "port3".into()
                },
                Step::Attach { eni: Eni::CreatedFor(2), device_index: 2 },
                Step::SetDeleteOnTermination { eni: Eni::CreatedFor(2), attachment: None },
                Step::SetSourceDestCheck { eni: Eni::CreatedFor(2), enabled: false },
            ]
        );
        simulate(&specs, &mut o, &steps);
        assert_eq!(launch(&specs, &o).expect("replan"), vec![], "re-planning after apply must be empty");
    }

    #[test]
    fn a_partial_launch_continues_without_creating_twice() {
        let specs = [spec(1, PublicIp::Allocate { pool: None })];
        let mut o = empty();
        let steps = launch(&specs, &o).expect("plan");
        // Crash after Create and Allocate: the interface exists, unattached; the address is unassociated.
        let done: Vec<Step> = steps
            .iter()
            .filter(|s| matches!(s, Step::Create { .. } | Step::Allocate { .. }))
            .cloned()
            .collect();
        simulate(&specs, &mut o, &done);
        let again = launch(&specs, &o).expect("replan");
        assert!(!again.iter().any(|s| matches!(s, Step::Create { .. } | Step::Allocate { .. })), "{again:?}");
        assert!(
            again.contains(&Step::Attach { eni: Eni::Id("eni-new0".into()), device_index: 1 }),
            "{again:?}"
        );
        assert!(again.contains(&Step::Associate {
            allocation: Allocation::Id("eipalloc-new1".into()),
            eni: Eni::Id("eni-new0".into())
        }));
        simulate(&specs, &mut o, &again);
        assert_eq!(launch(&specs, &o).expect("replan"), vec![]);
    }

    #[test]
    fn existing_addresses_are_leased_from_the_users_pool_and_never_released() {
        let pool =
            PublicIp::Existing { allocation_ids: vec!["eipalloc-user1".into(), "eipalloc-user2".into()] };
        let specs = [spec(1, pool.clone()), spec(2, pool)];
        let user = |id: &str, assoc: Option<&str>| Address {
            allocation_id: id.into(),
            public_ip: "203.0.113.1".into(),
            association_id: assoc.map(Into::into),
            network_interface_id: assoc.map(|_| "eni-elsewhere".into()),
            allocated_for: None,
        };
        let mut o = empty();
        o.addresses = vec![user("eipalloc-user1", Some("eipassoc-other")), user("eipalloc-user2", None)];
        // Only one free address for two interfaces.
        assert_eq!(
            launch(&specs, &o),
            Err(Unsatisfiable::NoFreeAddress {
                device_index: 2,
                allocation_ids: vec!["eipalloc-user1".into(), "eipalloc-user2".into()]
            })
        );
        let specs = &specs[..1];
        let steps = launch(specs, &o).expect("plan");
        assert!(steps.contains(&Step::Associate {
            allocation: Allocation::Id("eipalloc-user2".into()),
            eni: Eni::CreatedFor(1)
        }));
        simulate(specs, &mut o, &steps);
        let down = terminate(&o);
        assert!(down.iter().any(|s| matches!(s, Step::Disassociate { .. })), "{down:?}");
        assert!(
            !down.iter().any(|s| matches!(s, Step::Release { .. })),
            "the user's address is kept: {down:?}"
        );
    }

    #[test]
    fn terminate_releases_only_what_the_function_allocated() {
        let specs = [spec(1, PublicIp::Allocate { pool: None })];
        let mut o = empty();
        let steps = launch(&specs, &o).expect("plan");
        simulate(&specs, &mut o, &steps);
        let down = terminate(&o);
        assert_eq!(
            down,
            vec![
                Step::Disassociate { association_id: "eipassoc-4".into(), public_ip: "198.51.100.3".into() },
                Step::Release { allocation_id: "eipalloc-new3".into(), public_ip: "198.51.100.3".into() },
            ],
            "the interface goes with the instance (DeleteOnTermination)"
        );
    }

    #[test]
    fn unsatisfiable_launches_say_why() {
        let mut o = empty();
        o.availability_zone = "eu-west-1c".into();
        let err = launch(&[spec(1, PublicIp::None)], &o).expect_err("no subnet");
        assert_eq!(
            err.to_string(),
            "interface 1 has no subnet in zone 'eu-west-1c' (configured zones: eu-west-1a, eu-west-1b)"
        );
        let mut o = empty();
        o.interfaces.push(Interface {
            id: "eni-user".into(),
            attachment: Some((1, "attach-x".into())),
            delete_on_termination: false,
            source_dest_check: true,
            created_for: None,
        });
        assert_eq!(
            launch(&[spec(1, PublicIp::None)], &o),
            Err(Unsatisfiable::ForeignInterface { device_index: 1, eni: "eni-user".into() })
        );
    }
}
