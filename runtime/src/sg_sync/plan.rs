//! The pure part of the sync function: which addresses a region contributes, whether its state item
//! must be written, and how the prefix list must change. No SDK types, no I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use contract::sg_sync::sync::AddressKind;

/// A region's addresses: CIDR (`a.b.c.d/32`) -> the instance it belongs to.
pub type Addresses = BTreeMap<String, String>;

/// A member of the Auto Scaling group, as DescribeAutoScalingGroups lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub lifecycle_state: String,
}

/// An instance as DescribeInstances shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Instance {
    pub id: String,
    /// EC2's state name (`pending`, `running`, `shutting-down`, ...).
    pub state: String,
    pub public_ip: Option<String>,
    pub private_ip: Option<String>,
}

/// A region's state item: its addresses and the version its owner last wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub region: String,
    pub version: u64,
    pub addresses: Addresses,
}

/// The prefix list as observed: its version, capacity and entries (CIDR -> description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixList {
    pub version: i64,
    pub max_entries: usize,
    pub entries: BTreeMap<String, Option<String>>,
}

/// Whether a group member can serve: launching and in-service instances (Standby ones may return)
/// count; terminating and detaching ones do not.
pub fn member_counts(lifecycle_state: &str) -> bool {
    !(lifecycle_state.starts_with("Terminat") || lifecycle_state.starts_with("Detach"))
}

/// The addresses this region contributes: the group's members that count (never `leaving`, the
/// instance of a terminate action), running or starting, by their address of `kind`. A member
/// DescribeInstances no longer shows (it vanished in between) is simply absent.
pub fn own_addresses(
    members: &[Member],
    instances: &[Instance],
    kind: AddressKind,
    leaving: Option<&str>,
) -> Addresses {
    let counted: BTreeSet<&str> = members
        .iter()
        .filter(|m| member_counts(&m.lifecycle_state) && Some(m.id.as_str()) != leaving)
        .map(|m| m.id.as_str())
        .collect();
    instances
        .iter()
        .filter(|i| counted.contains(i.id.as_str()) && matches!(i.state.as_str(), "pending" | "running"))
        .filter_map(|i| {
            let ip = match kind {
                AddressKind::Public => i.public_ip.as_deref(),
                AddressKind::Private => i.private_ip.as_deref(),
            }?;
            Some((format!("{ip}/32"), i.id.clone()))
        })
        .collect()
}

/// An entry's description: which region and instance an address belongs to.
pub fn description(region: &str, instance: &str) -> String {
    format!("{region} {instance}")
}

/// The prefix list's desired entries: `own` (this region's fresh observation, or its stored item)
/// and every other region's item. An address two regions claim (a reused public IP seen before
/// the stale region caught up) appears once, described by the first region in name order.
pub fn desired_entries(own_region: &str, own: &Addresses, items: &[Item]) -> BTreeMap<String, String> {
    let mut regions: BTreeMap<&str, &Addresses> =
        items.iter().filter(|i| i.region != own_region).map(|i| (i.region.as_str(), &i.addresses)).collect();
    regions.insert(own_region, own);
    let mut out = BTreeMap::new();
    for (region, addresses) in regions {
        for (cidr, instance) in addresses {
            out.entry(cidr.clone()).or_insert_with(|| description(region, instance));
        }
    }
    out
}

/// What a run refuses to do because the addresses do not fit; nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverCapacity {
    /// The region's group has more addresses than it may contribute.
    Region { region: String, count: usize, max: usize },
    /// Every region's addresses together exceed the prefix list's maximum entries.
    PrefixList { count: usize, max: usize },
}

impl fmt::Display for OverCapacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverCapacity::Region { region, count, max } => write!(
                f,
                "region '{region}' has {count} addresses, more than the {max} it may contribute: raise max_instances_per_region in the blueprint (and redeploy) or lower the group's maximum size"
            ),
            OverCapacity::PrefixList { count, max } => write!(
                f,
                "every region's addresses together are {count}, more than the prefix list's {max} entries: raise max_instances_per_region in the blueprint (and redeploy)"
            ),
        }
    }
}

/// Changes to the prefix list: removals apply before additions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixListChange {
    /// CIDR -> description.
    pub add: BTreeMap<String, String>,
    pub remove: BTreeSet<String>,
}

impl PrefixListChange {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// The entries to add and remove so the list holds exactly `desired`. An entry whose description
/// is stale (the address now belongs to another instance) is replaced.
pub fn prefix_list_change(
    desired: &BTreeMap<String, String>,
    current: &BTreeMap<String, Option<String>>,
) -> PrefixListChange {
    let mut change = PrefixListChange::default();
    for (cidr, description) in current {
        match desired.get(cidr) {
            None => {
                change.remove.insert(cidr.clone());
            }
            Some(d) if description.as_deref() != Some(d.as_str()) => {
                change.remove.insert(cidr.clone());
                change.add.insert(cidr.clone(), d.clone());
            }
            Some(_) => {}
        }
    }
    for (cidr, description) in desired {
        if !current.contains_key(cidr) {
            change.add.insert(cidr.clone(), description.clone());
        }
    }
    change
}

/// What the observation of a region showed.
#[derive(Debug, Clone)]
pub struct World<'a> {
    pub region: &'a str,
    /// This region's addresses as just observed (None: the stored item is taken as is, for a run
    /// that only recomputes the prefix list).
    pub observed: Option<Addresses>,
    /// Every item of this region's table (its own, and the other regions' copies).
    pub items: &'a [Item],
    pub prefix_list: &'a PrefixList,
    pub max_per_region: usize,
}

/// A run's plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The own item to write: the new addresses, conditioned on `expected` (None: the item must not exist).
    pub write: Option<Write>,
    pub prefix_list: PrefixListChange,
    /// The addresses this region contributes after the run (copied to the peers).
    pub own: Addresses,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub expected: Option<u64>,
    pub version: u64,
    pub addresses: Addresses,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.write.is_none() && self.prefix_list.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.write {
            Some(w) => write!(f, "write {} addresses as version {}", w.addresses.len(), w.version)?,
            None => write!(f, "state unchanged")?,
        }
        write!(f, "; prefix list +{} -{}", self.prefix_list.add.len(), self.prefix_list.remove.len())
    }
}

/// Plans a run. Capacity is checked first: when the addresses do not fit, nothing is to change.
pub fn plan(world: &World<'_>) -> Result<Plan, OverCapacity> {
    let stored = world.items.iter().find(|i| i.region == world.region);
    let own = match &world.observed {
        Some(o) => o.clone(),
        None => stored.map(|i| i.addresses.clone()).unwrap_or_default(),
    };
    if own.len() > world.max_per_region {
        return Err(OverCapacity::Region {
            region: world.region.to_owned(),
            count: own.len(),
            max: world.max_per_region,
        });
    }
    let desired = desired_entries(world.region, &own, world.items);
    if desired.len() > world.prefix_list.max_entries {
        return Err(OverCapacity::PrefixList { count: desired.len(), max: world.prefix_list.max_entries });
    }
    let write = match (stored, &world.observed) {
        (_, None) => None,
        (Some(item), Some(_)) if item.addresses == own => None,
        (stored, Some(_)) => Some(Write {
            expected: stored.map(|i| i.version),
            version: stored.map_or(1, |i| i.version + 1),
            addresses: own.clone(),
        }),
    };
    Ok(Plan { write, prefix_list: prefix_list_change(&desired, &world.prefix_list.entries), own })
}

/// The most entries one ModifyManagedPrefixList request may add, and remove (EC2 API Reference).
pub const ENTRIES_PER_REQUEST: usize = 100;

/// One ModifyManagedPrefixList request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub add: Vec<(String, String)>,
    pub remove: Vec<String>,
}

/// The change as requests of at most [`ENTRIES_PER_REQUEST`] additions and removals. A change that
/// fits is one request (atomic); a larger one removes first, so the list never holds more than
/// the larger of its old and new sizes.
pub fn requests(change: &PrefixListChange) -> Vec<Request> {
    if change.add.len() <= ENTRIES_PER_REQUEST && change.remove.len() <= ENTRIES_PER_REQUEST {
        if change.is_empty() {
            return vec![];
        }
        return vec![Request {
            add: change.add.iter().map(|(c, d)| (c.clone(), d.clone())).collect(),
            remove: change.remove.iter().cloned().collect(),
        }];
    }
    let removals: Vec<String> = change.remove.iter().cloned().collect();
    let additions: Vec<(String, String)> = change.add.iter().map(|(c, d)| (c.clone(), d.clone())).collect();
    let mut out: Vec<Request> =
        removals.chunks(ENTRIES_PER_REQUEST).map(|c| Request { add: vec![], remove: c.to_vec() }).collect();
    out.extend(additions.chunks(ENTRIES_PER_REQUEST).map(|c| Request { add: c.to_vec(), remove: vec![] }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, state: &str) -> Member {
        Member { id: id.into(), lifecycle_state: state.into() }
    }

    fn instance(id: &str, state: &str, public: Option<&str>, private: &str) -> Instance {
        Instance {
            id: id.into(),
            state: state.into(),
            public_ip: public.map(Into::into),
            private_ip: Some(private.into()),
        }
    }

    fn addresses(pairs: &[(&str, &str)]) -> Addresses {
        pairs.iter().map(|(c, i)| ((*c).to_owned(), (*i).to_owned())).collect()
    }

    fn item(region: &str, version: u64, pairs: &[(&str, &str)]) -> Item {
        Item { region: region.into(), version, addresses: addresses(pairs) }
    }

    fn list(version: i64, max: usize, entries: &[(&str, &str)]) -> PrefixList {
        PrefixList {
            version,
            max_entries: max,
            entries: entries.iter().map(|(c, d)| ((*c).to_owned(), Some((*d).to_owned()))).collect(),
        }
    }

    /// The state after applying `plan` to `items` and `pl`, as apply would leave it.
    fn applied(region: &str, items: &[Item], pl: &PrefixList, plan: &Plan) -> (Vec<Item>, PrefixList) {
        let mut items = items.to_vec();
        if let Some(w) = &plan.write {
            items.retain(|i| i.region != region);
            items.push(Item { region: region.into(), version: w.version, addresses: w.addresses.clone() });
        }
        let mut pl = pl.clone();
        for c in &plan.prefix_list.remove {
            pl.entries.remove(c);
        }
        for (c, d) in &plan.prefix_list.add {
            pl.entries.insert(c.clone(), Some(d.clone()));
        }
        pl.version += i64::from(!plan.prefix_list.is_empty());
        (items, pl)
    }

    #[test]
    fn launching_instances_count_and_terminating_ones_do_not() {
        let members = [
            member("i-1", "InService"),
            member("i-2", "Pending:Wait"),
            member("i-3", "Terminating:Wait"),
            member("i-4", "InService"),
            member("i-5", "Standby"),
            member("i-gone", "InService"),
        ];
        let instances = [
            instance("i-1", "running", Some("54.0.0.1"), "10.0.0.1"),
            instance("i-2", "pending", Some("54.0.0.2"), "10.0.0.2"),
            instance("i-3", "running", Some("54.0.0.3"), "10.0.0.3"),
            instance("i-4", "running", None, "10.0.0.4"),
            instance("i-5", "running", Some("54.0.0.5"), "10.0.0.5"),
            instance("i-other", "running", Some("54.0.0.9"), "10.0.0.9"),
        ];
        assert_eq!(
            own_addresses(&members, &instances, AddressKind::Public, None),
            addresses(&[("54.0.0.1/32", "i-1"), ("54.0.0.2/32", "i-2"), ("54.0.0.5/32", "i-5")])
        );
        assert_eq!(
            own_addresses(&members, &instances, AddressKind::Private, Some("i-1")).keys().collect::<Vec<_>>(),
            ["10.0.0.2/32", "10.0.0.4/32", "10.0.0.5/32"]
        );
    }

    #[test]
    fn the_instance_of_a_terminate_action_is_excluded_even_if_still_in_service() {
        let members = [member("i-1", "InService")];
        let instances = [instance("i-1", "running", Some("54.0.0.1"), "10.0.0.1")];
        assert!(own_addresses(&members, &instances, AddressKind::Public, Some("i-1")).is_empty());
    }

    #[test]
    fn union_of_regions_with_own_observation_replacing_the_stored_item() {
        let items = [
            item("eu-west-1", 3, &[("54.0.0.1/32", "i-old")]),
            item("us-east-1", 7, &[("54.1.0.1/32", "i-us")]),
        ];
        let own = addresses(&[("54.0.0.2/32", "i-new")]);
        let d = desired_entries("eu-west-1", &own, &items);
        assert_eq!(
            d,
            BTreeMap::from([
                ("54.0.0.2/32".to_owned(), "eu-west-1 i-new".to_owned()),
                ("54.1.0.1/32".to_owned(), "us-east-1 i-us".to_owned()),
            ])
        );
    }

    #[test]
    fn a_launch_writes_the_item_and_adds_the_entry_and_replanning_after_apply_is_empty() {
        let items = [item("us-east-1", 2, &[("54.1.0.1/32", "i-us")])];
        let pl = list(4, 20, &[("54.1.0.1/32", "us-east-1 i-us"), ("54.0.0.9/32", "eu-west-1 i-gone")]);
        let observed = addresses(&[("54.0.0.1/32", "i-1")]);
        let world = World {
            region: "eu-west-1",
            observed: Some(observed.clone()),
            items: &items,
            prefix_list: &pl,
            max_per_region: 10,
        };
        let p = plan(&world).unwrap();
        assert_eq!(p.write, Some(Write { expected: None, version: 1, addresses: observed.clone() }));
        assert_eq!(p.prefix_list.add, BTreeMap::from([("54.0.0.1/32".into(), "eu-west-1 i-1".into())]));
        assert_eq!(p.prefix_list.remove, BTreeSet::from(["54.0.0.9/32".to_owned()]));
        assert_eq!(p.to_string(), "write 1 addresses as version 1; prefix list +1 -1");

        let (items, pl) = applied("eu-west-1", &items, &pl, &p);
        let again = plan(&World { items: &items, prefix_list: &pl, ..world }).unwrap();
        assert!(again.is_empty(), "{again}");
        assert_eq!(again.own, observed);
    }

    #[test]
    fn an_unchanged_region_writes_nothing_and_a_changed_one_expects_the_version_read() {
        let items = [item("eu-west-1", 5, &[("54.0.0.1/32", "i-1")])];
        let pl = list(1, 20, &[("54.0.0.1/32", "eu-west-1 i-1")]);
        let same = World {
            region: "eu-west-1",
            observed: Some(addresses(&[("54.0.0.1/32", "i-1")])),
            items: &items,
            prefix_list: &pl,
            max_per_region: 10,
        };
        assert!(plan(&same).unwrap().is_empty());
        let changed = World { observed: Some(Addresses::new()), ..same };
        let p = plan(&changed).unwrap();
        assert_eq!(p.write, Some(Write { expected: Some(5), version: 6, addresses: Addresses::new() }));
        assert_eq!(p.prefix_list.remove, BTreeSet::from(["54.0.0.1/32".to_owned()]));
        let (items, pl) = applied("eu-west-1", &items, &pl, &p);
        assert!(plan(&World { items: &items, prefix_list: &pl, ..changed }).unwrap().is_empty());
    }

    #[test]
    fn a_stream_run_takes_the_stored_item_and_never_writes() {
        let items = [
            item("eu-west-1", 5, &[("54.0.0.1/32", "i-1")]),
            item("us-east-1", 9, &[("54.1.0.1/32", "i-us")]),
        ];
        let pl = list(1, 20, &[("54.0.0.1/32", "eu-west-1 i-1")]);
        let world = World {
            region: "eu-west-1",
            observed: None,
            items: &items,
            prefix_list: &pl,
            max_per_region: 10,
        };
        let p = plan(&world).unwrap();
        assert_eq!(p.write, None);
        assert_eq!(p.prefix_list.add, BTreeMap::from([("54.1.0.1/32".into(), "us-east-1 i-us".into())]));
        let (items, pl) = applied("eu-west-1", &items, &pl, &p);
        assert!(plan(&World { items: &items, prefix_list: &pl, ..world }).unwrap().is_empty());
    }

    #[test]
    fn entries_without_our_description_are_replaced() {
        let desired = BTreeMap::from([("54.0.0.1/32".to_owned(), "eu-west-1 i-2".to_owned())]);
        let current = BTreeMap::from([("54.0.0.1/32".to_owned(), Some("eu-west-1 i-1".to_owned()))]);
        let c = prefix_list_change(&desired, &current);
        assert_eq!(c.remove, BTreeSet::from(["54.0.0.1/32".to_owned()]));
        assert_eq!(c.add, desired);
        assert_eq!(requests(&c).len(), 1, "one request: the replacement is atomic");
    }

    #[test]
    fn over_capacity_is_refused_before_any_change() {
        let pl = list(1, 3, &[]);
        let many: Addresses = (0..4).map(|i| (format!("54.0.0.{i}/32"), format!("i-{i}"))).collect();
        let world = World {
            region: "eu-west-1",
            observed: Some(many),
            items: &[],
            prefix_list: &pl,
            max_per_region: 3,
        };
        let refused = plan(&world).unwrap_err();
        assert_eq!(refused, OverCapacity::Region { region: "eu-west-1".into(), count: 4, max: 3 });
        assert!(refused.to_string().contains("has 4 addresses, more than the 3"), "{refused}");

        let items = [item("us-east-1", 1, &[("54.1.0.1/32", "a"), ("54.1.0.2/32", "b")])];
        let two: Addresses = (0..2).map(|i| (format!("54.0.0.{i}/32"), format!("i-{i}"))).collect();
        let world = World { observed: Some(two), items: &items, ..world };
        assert_eq!(plan(&world).unwrap_err(), OverCapacity::PrefixList { count: 4, max: 3 });
    }

    #[test]
    fn large_changes_are_split_removals_first() {
        let change = PrefixListChange {
            add: (0..150).map(|i| (format!("54.0.{}.{}/32", i / 256, i % 256), "d".to_owned())).collect(),
            remove: (0..120).map(|i| format!("54.9.{}.{}/32", i / 256, i % 256)).collect(),
        };
        let r = requests(&change);
        let shape: Vec<(usize, usize)> = r.iter().map(|r| (r.remove.len(), r.add.len())).collect();
        assert_eq!(shape, [(100, 0), (20, 0), (0, 100), (0, 50)]);
        assert!(requests(&PrefixListChange::default()).is_empty());
    }
}
