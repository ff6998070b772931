//! The sync planner: discovered ALB addresses + registered targets + state -> what to change.
//!
//! Pure and synchronous; no SDK types. Rules, in the order they apply:
//! - An empty discovery is an error: it is far more likely a DNS or API fault than an ALB with no
//!   addresses, and acting on it would take every target out.
//! - Targets are compared as (address, port); a target on another port is someone else's.
//! - A discovered address that is not registered is registered; one that is registered but not in the
//!   state is adopted (registered by an earlier run whose state write was lost, or by hand).
//! - A target the function owns that is no longer discovered gains a miss per run; at
//!   `miss_threshold` consecutive misses it is deregistered, at most `max_deregistrations` per run
//!   (the rest wait, keeping their count). Targets the function does not own are left alone unless
//!   `manage_foreign` is set.
//! - An owned target someone else deregistered is forgotten.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

/// A target of an `ip` target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub ip: Ipv4Addr,
    pub port: u16,
}

/// What the function owns: the addresses it registered, with their consecutive misses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub owned: BTreeMap<Ipv4Addr, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub port: u16,
    pub miss_threshold: u32,
    pub max_deregistrations: usize,
    pub manage_foreign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub discovered: BTreeSet<Ipv4Addr>,
    pub registered: BTreeSet<Target>,
    pub state: State,
}

/// Everything one run changes. Apply makes at most one register and one deregister call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub port: u16,
    pub register: Vec<Ipv4Addr>,
    pub deregister: Vec<Ipv4Addr>,
    /// Due for deregistration but over the per-run limit.
    pub held_back: Vec<Ipv4Addr>,
    /// Registered already, now owned.
    pub adopted: Vec<Ipv4Addr>,
    /// Owned but no longer registered (removed by someone else), now forgotten.
    pub forgotten: Vec<Ipv4Addr>,
    pub next_state: State,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("discovery found no addresses for the load balancer: refusing to change any target")]
    EmptyDiscovery,
}

impl Plan {
    /// True when the run changes nothing in the target group.
    pub fn changes_targets(&self) -> bool {
        !self.register.is_empty() || !self.deregister.is_empty()
    }
}

pub fn plan(d: &Desired, o: &Observed) -> Result<Plan, PlanError> {
    if o.discovered.is_empty() {
        return Err(PlanError::EmptyDiscovery);
    }
    let on_port: BTreeSet<Ipv4Addr> =
        o.registered.iter().filter(|t| t.port == d.port).map(|t| t.ip).collect();
    let mut p = Plan { port: d.port, ..Plan::default() };
    for ip in &o.discovered {
        p.next_state.owned.insert(*ip, 0);
        if !on_port.contains(ip) {
            p.register.push(*ip);
        } else if !o.state.owned.contains_key(ip) {
            p.adopted.push(*ip);
        }
    }
    let mut missing: Vec<(Ipv4Addr, u32)> = o
        .state
        .owned
        .iter()
        .filter(|(ip, _)| !o.discovered.contains(ip))
        .map(|(ip, misses)| (*ip, *misses))
        .collect();
    if d.manage_foreign {
        missing.extend(
            on_port
                .iter()
                .filter(|ip| !o.discovered.contains(ip) && !o.state.owned.contains_key(ip))
                .map(|ip| (*ip, 0)),
        );
    }
    let mut due = Vec::new();
    for (ip, misses) in missing {
        if !on_port.contains(&ip) {
            p.forgotten.push(ip);
            continue;
        }
        let misses = misses.saturating_add(1);
        if misses >= d.miss_threshold {
            due.push((misses, ip));
        } else {
            p.next_state.owned.insert(ip, misses);
        }
    }
    // Longest missing first, then by address, so the order is deterministic.
    due.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (i, (misses, ip)) in due.into_iter().enumerate() {
        if i < d.max_deregistrations {
            p.deregister.push(ip);
        } else {
            p.held_back.push(ip);
            p.next_state.owned.insert(ip, misses);
        }
    }
    p.deregister.sort();
    p.held_back.sort();
    Ok(p)
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[Ipv4Addr]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        for (label, v) in [
            ("register", &self.register),
            ("deregister", &self.deregister),
            ("held back", &self.held_back),
            ("adopt", &self.adopted),
            ("forget", &self.forgotten),
        ] {
            if !v.is_empty() {
                writeln!(f, "{label} (port {}): {}", self.port, list(v))?;
            }
        }
        let state: Vec<String> = self.next_state.owned.iter().map(|(ip, m)| format!("{ip}={m}")).collect();
        write!(f, "state: {}", state.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn ips(s: &str) -> BTreeSet<Ipv4Addr> {
        s.split_whitespace().map(ip).collect()
    }

    fn targets(s: &str) -> BTreeSet<Target> {
        s.split_whitespace()
            .map(|t| {
                let (a, p) = t.split_once(':').unwrap();
                Target { ip: ip(a), port: p.parse().unwrap() }
            })
            .collect()
    }

    fn state(s: &str) -> State {
        State {
            owned: s
                .split_whitespace()
                .map(|e| {
                    let (a, m) = e.split_once('=').unwrap();
                    (ip(a), m.parse().unwrap())
                })
                .collect(),
        }
    }

    fn desired() -> Desired {
        Desired { port: 443, miss_threshold: 3, max_deregistrations: 2, manage_foreign: false }
    }

    /// The world after applying `p` to `o`, with the same discovery.
    fn after(o: &Observed, p: &Plan) -> Observed {
        let mut registered = o.registered.clone();
        registered.extend(p.register.iter().map(|ip| Target { ip: *ip, port: p.port }));
        for ip in &p.deregister {
            registered.remove(&Target { ip: *ip, port: p.port });
        }
        Observed { discovered: o.discovered.clone(), registered, state: p.next_state.clone() }
    }

    #[track_caller]
    fn check(d: &Desired, discovered: &str, registered: &str, st: &str, expect: Expect) {
        let o = Observed { discovered: ips(discovered), registered: targets(registered), state: state(st) };
        let p = plan(d, &o).unwrap();
        expect.assert_eq(&p.to_string());
    }

    #[test]
    fn first_run_registers_everything_discovered() {
        check(
            &desired(),
            "10.0.1.5 10.0.2.7",
            "",
            "",
            expect![[r#"
            register (port 443): 10.0.1.5 10.0.2.7
            state: 10.0.1.5=0 10.0.2.7=0"#]],
        );
    }

    #[test]
    fn ports_are_part_of_identity_and_foreign_targets_are_left_alone() {
        // 10.0.1.5 is registered on port 80 only (someone else's), 10.9.9.9 is foreign on our port.
        check(
            &desired(),
            "10.0.1.5",
            "10.0.1.5:80 10.9.9.9:443",
            "",
            expect![[r#"
            register (port 443): 10.0.1.5
            state: 10.0.1.5=0"#]],
        );
    }

    #[test]
    fn missing_targets_are_deregistered_only_after_consecutive_misses() {
        check(
            &desired(),
            "10.0.1.5",
            "10.0.1.5:443 10.0.2.7:443",
            "10.0.1.5=0 10.0.2.7=1",
            expect![[r#"
            state: 10.0.1.5=0 10.0.2.7=2"#]],
        );
        check(
            &desired(),
            "10.0.1.5",
            "10.0.1.5:443 10.0.2.7:443",
            "10.0.1.5=0 10.0.2.7=2",
            expect![[r#"
            deregister (port 443): 10.0.2.7
            state: 10.0.1.5=0"#]],
        );
    }

    #[test]
    fn a_returning_address_resets_its_misses() {
        check(
            &desired(),
            "10.0.1.5 10.0.2.7",
            "10.0.1.5:443 10.0.2.7:443",
            "10.0.1.5=0 10.0.2.7=2",
            expect![[r#"
            state: 10.0.1.5=0 10.0.2.7=0"#]],
        );
    }

    #[test]
    fn blast_radius_guard_caps_deregistrations_per_run() {
        check(
            &desired(),
            "10.0.0.1",
            "10.0.0.1:443 10.0.0.2:443 10.0.0.3:443 10.0.0.4:443",
            "10.0.0.1=0 10.0.0.2=2 10.0.0.3=5 10.0.0.4=2",
            expect![[r#"
                deregister (port 443): 10.0.0.2 10.0.0.3
                held back (port 443): 10.0.0.4
                state: 10.0.0.1=0 10.0.0.4=3"#]],
        );
    }

    #[test]
    fn registered_but_unowned_discovered_targets_are_adopted() {
        check(
            &desired(),
            "10.0.1.5",
            "10.0.1.5:443",
            "",
            expect![[r#"
            adopt (port 443): 10.0.1.5
            state: 10.0.1.5=0"#]],
        );
    }

    #[test]
    fn owned_targets_removed_by_someone_else_are_forgotten() {
        check(
            &desired(),
            "10.0.1.5",
            "10.0.1.5:443",
            "10.0.1.5=0 10.0.2.7=1",
            expect![[r#"
            forget (port 443): 10.0.2.7
            state: 10.0.1.5=0"#]],
        );
    }

    #[test]
    fn foreign_targets_are_managed_only_when_asked() {
        let d = Desired { manage_foreign: true, miss_threshold: 1, ..desired() };
        check(
            &d,
            "10.0.1.5",
            "10.0.1.5:443 10.9.9.9:443",
            "10.0.1.5=0",
            expect![[r#"
            deregister (port 443): 10.9.9.9
            state: 10.0.1.5=0"#]],
        );
    }

    #[test]
    fn empty_discovery_changes_nothing() {
        let o = Observed {
            discovered: BTreeSet::new(),
            registered: targets("10.0.1.5:443"),
            state: state("10.0.1.5=0"),
        };
        assert_eq!(plan(&desired(), &o), Err(PlanError::EmptyDiscovery));
    }

    #[test]
    fn replanning_after_apply_changes_nothing() {
        let o = Observed {
            discovered: ips("10.0.1.5 10.0.2.7 10.0.3.9"),
            registered: targets("10.0.1.5:443 10.0.4.4:443 10.0.4.4:80"),
            state: state("10.0.4.4=2"),
        };
        let p = plan(&desired(), &o).unwrap();
        assert!(p.changes_targets());
        let again = plan(&desired(), &after(&o, &p)).unwrap();
        assert!(!again.changes_targets(), "{again}");
        assert_eq!(again.next_state, p.next_state);
    }

    #[test]
    fn repeated_runs_converge_within_the_threshold_and_the_guard() {
        let d = desired();
        let mut o = Observed {
            discovered: ips("10.0.0.1"),
            registered: targets("10.0.0.1:443 10.0.0.2:443 10.0.0.3:443 10.0.0.4:443 10.0.0.5:443"),
            state: state("10.0.0.1=0 10.0.0.2=0 10.0.0.3=0 10.0.0.4=0 10.0.0.5=0"),
        };
        let mut runs = 0;
        loop {
            let p = plan(&d, &o).unwrap();
            if !p.changes_targets() && p.next_state == o.state {
                break;
            }
            assert!(p.deregister.len() <= d.max_deregistrations);
            o = after(&o, &p);
            runs += 1;
            assert!(runs <= 10, "no convergence");
        }
        assert_eq!(o.registered, targets("10.0.0.1:443"));
        // 3 runs to reach the threshold, then 4 due targets at 2 per run.
        assert_eq!(runs, 4);
    }

    /// A small deterministic generator, so the randomized check below is reproducible.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn invariants_hold_on_random_worlds() {
        let mut rng = Lcg(7);
        for _ in 0..2000 {
            let pick = |rng: &mut Lcg, n: u64| -> BTreeSet<Ipv4Addr> {
                (0..rng.next(n))
                    .map(|_| Ipv4Addr::new(10, 0, 0, u8::try_from(rng.next(12)).unwrap()))
                    .collect()
            };
            let d = Desired {
                port: 443,
                miss_threshold: u32::try_from(rng.next(4) + 1).unwrap(),
                max_deregistrations: usize::try_from(rng.next(3) + 1).unwrap(),
                manage_foreign: rng.next(2) == 0,
            };
            let discovered = pick(&mut rng, 6);
            let mut registered: BTreeSet<Target> =
                pick(&mut rng, 8).into_iter().map(|ip| Target { ip, port: 443 }).collect();
            registered.extend(pick(&mut rng, 3).into_iter().map(|ip| Target { ip, port: 80 }));
            let owned =
                pick(&mut rng, 8).into_iter().map(|ip| (ip, u32::try_from(rng.next(5)).unwrap())).collect();
            let o = Observed { discovered, registered, state: State { owned } };
            let Ok(p) = plan(&d, &o) else {
                assert!(o.discovered.is_empty());
                continue;
            };
            assert!(p.deregister.len() <= d.max_deregistrations);
            for ip in &p.deregister {
                assert!(!o.discovered.contains(ip), "deregistered a discovered address");
                assert!(
                    o.registered.contains(&Target { ip: *ip, port: 443 }),
                    "deregistered an absent target"
                );
                assert!(d.manage_foreign || o.state.owned.contains_key(ip), "deregistered a foreign target");
            }
            for ip in &p.register {
                assert!(o.discovered.contains(ip) && !o.registered.contains(&Target { ip: *ip, port: 443 }));
            }
            assert!(o.discovered.iter().all(|ip| p.next_state.owned.get(ip) == Some(&0)));
            let again = plan(&d, &after(&o, &p)).unwrap();
            assert!(again.register.is_empty(), "re-plan registers again: {again}");
        }
    }
}
