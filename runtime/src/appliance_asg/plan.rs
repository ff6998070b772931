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
    /// The primary its appliance configuration was last pushed for (none: never configured).
    pub configured_for: Option<String>,
}

/// The member that takes over as primary when `leaving` goes: the longest-standing member still
/// staying (earliest join, then lowest instance ID), so every run that asks picks the same one;
/// only one `in_service` (the group's view: a member still launching, or already terminating, is
/// no primary to hand a cluster to).
pub fn successor<'a>(
    members: &'a [Member],
    leaving: &str,
    in_service: &std::collections::BTreeSet<String>,
) -> Option<&'a Member> {
    members
        .iter()
        .filter(|m| m.instance_id != leaving && !m.leaving && in_service.contains(&m.instance_id))
        .min_by(|a, b| (a.joined_ms, &a.instance_id).cmp(&(b.joined_ms, &b.instance_id)))
}

/// The members whose appliance configuration names another primary than `primary`, in instance
/// order: after a hand-over, every staying member is pushed its configuration again. Members never
/// configured are still launching, and their launch configures them. Re-planning after the pushes
/// (each records `configured_for`) yields nothing.
pub fn reconfigure<'a>(members: &'a [Member], primary: &str) -> Vec<&'a Member> {
    members
        .iter()
        .filter(|m| !m.leaving && m.configured_for.as_deref().is_some_and(|p| p != primary))
        .collect()
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
        Member { instance_id: id.into(), joined_ms, leaving, configured_for: None }
    }

    fn all(ids: &[&str]) -> std::collections::BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_successor_is_the_longest_standing_staying_member() {
        let members = [m("i-c", 10, false), m("i-b", 20, false), m("i-a", 20, false), m("i-d", 5, true)];
        let up = all(&["i-a", "i-b", "i-c", "i-d"]);
        assert_eq!(successor(&members, "i-c", &up).map(|m| m.instance_id.as_str()), Some("i-a"));
        assert_eq!(successor(&members, "i-x", &up).map(|m| m.instance_id.as_str()), Some("i-c"));
        assert_eq!(successor(&members[..1], "i-c", &up), None, "nobody left to elect");
        assert_eq!(successor(&[m("i-d", 5, true)], "i-c", &up), None, "a leaving member is never elected");
    }

    #[test]
    fn the_successor_is_in_service() {
        let members = [m("i-a", 1, false), m("i-b", 2, false), m("i-c", 3, false)];
        // i-a is still launching (or already gone): i-b takes over.
        assert_eq!(
            successor(&members, "i-c", &all(&["i-b", "i-c"])).map(|m| m.instance_id.as_str()),
            Some("i-b")
        );
        assert_eq!(successor(&members, "i-c", &all(&["i-c"])), None, "nobody in service to hand over to");
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

    #[test]
    fn members_configured_for_another_primary_are_reconfigured_once() {
        let mut members = vec![m("i-a", 1, false), m("i-b", 2, false), m("i-c", 3, true), m("i-d", 4, false)];
        members[0].configured_for = Some("i-c".into());
        members[1].configured_for = Some("i-a".into());
        let ids = |v: Vec<&Member>| v.iter().map(|m| m.instance_id.clone()).collect::<Vec<_>>();
        // i-c left (it was primary); i-a took over: i-a needs its primary configuration, i-b already
        // has it, i-d is still launching.
        assert_eq!(ids(reconfigure(&members, "i-a")), vec!["i-a"]);
        members[0].configured_for = Some("i-a".into());
        assert!(reconfigure(&members, "i-a").is_empty(), "re-planning after the pushes changes nothing");
    }
}
