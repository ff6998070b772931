//! Pure decisions of the appliance cluster state: no SDK types, no I/O.

use std::collections::BTreeMap;

/// An appliance instance known to the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub instance_id: String,
    /// When its launch was handled, in milliseconds since the epoch.
    pub joined_ms: u64,
    /// The instance is leaving (terminate handled, or it vanished): never elected.
    pub leaving: bool,
}

/// The member that takes over as primary when `leaving` goes: the longest-standing member still
/// staying (earliest join, then lowest instance ID), so every run that asks picks the same one.
pub fn successor<'a>(members: &'a [Member], leaving: &str) -> Option<&'a Member> {
    members
        .iter()
        .filter(|m| m.instance_id != leaving && !m.leaving)
        .min_by(|a, b| (a.joined_ms, &a.instance_id).cmp(&(b.joined_ms, &b.instance_id)))
}

/// What to do about an instance's licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceChoice {
    /// The instance already holds this one (a redelivered event): use it again.
    Held(String),
    /// Try these free licences, in this order, until a lease succeeds.
    Try(Vec<String>),
    /// Every licence is leased to another instance.
    PoolEmpty { total: usize },
}

/// Which licence `instance` should lease from `pool`, given the current `leases` (licence ->
/// holder). Free licences are tried in name order, so the pool is used predictably.
pub fn choose_licence(pool: &[String], leases: &BTreeMap<String, String>, instance: &str) -> LicenceChoice {
    if let Some((name, _)) = leases.iter().find(|(name, holder)| *holder == instance && pool.contains(name)) {
        return LicenceChoice::Held(name.clone());
    }
    let mut free: Vec<String> = pool.iter().filter(|l| !leases.contains_key(*l)).cloned().collect();
    free.sort();
    free.dedup();
    if free.is_empty() { LicenceChoice::PoolEmpty { total: pool.len() } } else { LicenceChoice::Try(free) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str, joined_ms: u64, leaving: bool) -> Member {
        Member { instance_id: id.into(), joined_ms, leaving }
    }

    #[test]
    fn the_successor_is_the_longest_standing_staying_member() {
        let members = [m("i-c", 10, false), m("i-b", 20, false), m("i-a", 20, false), m("i-d", 5, true)];
        assert_eq!(successor(&members, "i-c").map(|m| m.instance_id.as_str()), Some("i-a"));
        assert_eq!(successor(&members, "i-x").map(|m| m.instance_id.as_str()), Some("i-c"));
        assert_eq!(successor(&members[..1], "i-c"), None, "nobody left to elect");
        assert_eq!(successor(&[m("i-d", 5, true)], "i-c"), None, "a leaving member is never elected");
    }

    #[test]
    fn licences_are_reused_on_redelivery_tried_in_order_and_exhaustion_is_explicit() {
        let pool = vec!["b.lic".to_owned(), "a.lic".to_owned(), "c.lic".to_owned()];
        let mut leases = BTreeMap::from([("a.lic".to_owned(), "i-1".to_owned())]);
        assert_eq!(choose_licence(&pool, &leases, "i-1"), LicenceChoice::Held("a.lic".into()));
        assert_eq!(
            choose_licence(&pool, &leases, "i-2"),
            LicenceChoice::Try(vec!["b.lic".into(), "c.lic".into()])
        );
        leases.insert("b.lic".into(), "i-2".into());
        leases.insert("c.lic".into(), "i-3".into());
        assert_eq!(choose_licence(&pool, &leases, "i-4"), LicenceChoice::PoolEmpty { total: 3 });
        // A lease on a licence no longer in the pool does not count as held.
        let stale = BTreeMap::from([("gone.lic".to_owned(), "i-9".to_owned())]);
        assert_eq!(
            choose_licence(&pool, &stale, "i-9"),
            LicenceChoice::Try(vec!["a.lic".into(), "b.lic".into(), "c.lic".into()])
        );
    }
}
