//! Which sessions to create and delete, from what was observed: pure, synchronous, no SDK types.
//!
//! A task is *wanted* when it is selected and running (desired RUNNING, last status PENDING,
//! ACTIVATING or RUNNING); each network interface of a wanted task needs one session of this stack
//! with the stack's target and filter. Sessions of this stack (its tag) that no wanted interface
//! needs are deleted; sessions of others are never touched, only counted against the interface's
//! three sessions and unique numbers, and reported.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use contract::fargate_mirror::mirror::{Selection, SessionOptions};

/// An interface carries at most this many sessions.
pub const SESSIONS_PER_INTERFACE: usize = 3;
/// Session numbers AWS accepts.
pub const MAX_SESSION_NUMBER: u16 = 32766;

/// What the stack wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub stack: String,
    pub target: String,
    pub filter: String,
    pub selection: Selection,
    pub session: SessionOptions,
}

/// A task as ECS describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Task {
    pub arn: String,
    pub cluster: String,
    pub last_status: String,
    pub desired_status: String,
    /// `service:<name>` or `family:<name>`.
    pub group: String,
    pub task_definition_arn: String,
    pub tags: BTreeMap<String, String>,
    /// Its attached network interfaces.
    pub interfaces: Vec<String>,
}

impl Task {
    pub fn is_running(&self) -> bool {
        self.desired_status == "RUNNING"
            && matches!(self.last_status.as_str(), "PENDING" | "ACTIVATING" | "RUNNING")
    }

    /// The task definition's family (`...:task-definition/<family>:<revision>`).
    pub fn family(&self) -> Option<&str> {
        let rest = self.task_definition_arn.rsplit_once(":task-definition/")?.1;
        Some(rest.rsplit_once(':').map_or(rest, |(family, _)| family))
    }

    pub fn service(&self) -> Option<&str> {
        self.group.strip_prefix("service:")
    }

    pub fn is_selected(&self, s: &Selection) -> bool {
        s.is_all()
            || self.service().is_some_and(|name| s.services.iter().any(|x| x == name))
            || self.family().is_some_and(|f| s.families.iter().any(|x| x == f))
            || (!s.tags.is_empty() && s.tags.iter().all(|(k, v)| self.tags.get(k) == Some(v)))
    }
}

/// A traffic mirror session as EC2 describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub interface: String,
    pub number: u16,
    pub target: String,
    pub filter: String,
    /// Its stack tag, if any.
    pub stack: Option<String>,
    /// Its task tag, if any.
    pub task: Option<String>,
}

/// A session to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Create {
    pub interface: String,
    pub number: u16,
    pub task: String,
    pub cluster: String,
    /// Deterministic per stack, task and interface: a duplicate request (a redelivered event, a
    /// concurrent invocation) returns the same session instead of creating a second one.
    pub client_token: String,
}

/// A session of this stack to delete, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    pub session: String,
    pub interface: String,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub create: Vec<Create>,
    pub delete: Vec<Delete>,
    /// Interfaces of wanted tasks that already carry three sessions of others: left unmirrored.
    pub full: Vec<String>,
    /// Sessions of others on wanted interfaces (left alone), as (interface, session).
    pub foreign: Vec<(String, String)>,
}

impl Plan {
    /// Whether applying the plan changes nothing in AWS.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.delete.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let creates: Vec<String> =
            self.create.iter().map(|c| format!("{}#{}", c.interface, c.number)).collect();
        let deletes: Vec<String> =
            self.delete.iter().map(|d| format!("{} ({})", d.session, d.reason)).collect();
        write!(
            f,
            "create [{}] delete [{}] full [{}] foreign {}",
            creates.join(", "),
            deletes.join(", "),
            self.full.join(", "),
            self.foreign.len()
        )
    }
}

/// The plan for `tasks` (every task whose sessions are in question: one for a task event, the
/// cluster's running tasks for a reconcile run) given `sessions` (this stack's sessions in scope,
/// plus every session on the tasks' interfaces).
pub fn plan(d: &Desired, tasks: &[Task], sessions: &[Session]) -> Plan {
    let mut p = Plan::default();
    // Wanted interfaces, and the task each belongs to.
    let mut wanted: BTreeMap<&str, &Task> = BTreeMap::new();
    for t in tasks.iter().filter(|t| t.is_running() && t.is_selected(&d.selection)) {
        for eni in &t.interfaces {
            wanted.entry(eni.as_str()).or_insert(t);
        }
    }
    let ours = |s: &Session| s.stack.as_deref() == Some(d.stack.as_str());
    let mut sessions: Vec<&Session> = sessions.iter().collect();
    sessions.sort_by(|a, b| (&a.interface, a.number, &a.id).cmp(&(&b.interface, b.number, &b.id)));
    sessions.dedup_by(|a, b| a.id == b.id);

    let mut kept: BTreeSet<&str> = BTreeSet::new();
    for s in sessions.iter().filter(|s| ours(s)) {
        let reason = match wanted.get(s.interface.as_str()) {
            None => Some("its task is not running or not selected"),
            Some(_) if s.target != d.target || s.filter != d.filter => Some("another target or filter"),
            Some(_) if kept.contains(s.interface.as_str()) => {
                Some("a second session of this stack on the interface")
            }
            Some(_) => None,
        };
        match reason {
            Some(reason) => {
                p.delete.push(Delete { session: s.id.clone(), interface: s.interface.clone(), reason })
            }
            None => {
                kept.insert(s.interface.as_str());
            }
        }
    }
    for (eni, task) in &wanted {
        let others: Vec<&&Session> = sessions.iter().filter(|s| s.interface == *eni && !ours(s)).collect();
        p.foreign.extend(others.iter().map(|s| ((*eni).to_owned(), s.id.clone())));
        if kept.contains(eni) {
            continue;
        }
        if others.len() >= SESSIONS_PER_INTERFACE {
            p.full.push((*eni).to_owned());
            continue;
        }
        let taken: BTreeSet<u16> = others.iter().map(|s| s.number).collect();
        let preferred = d.session.number;
        let number = if taken.contains(&preferred) {
            (1..=MAX_SESSION_NUMBER).find(|n| !taken.contains(n))
        } else {
            Some(preferred)
        };
        if let Some(number) = number {
            p.create.push(Create {
                interface: (*eni).to_owned(),
                number,
                task: task.arn.clone(),
                cluster: task.cluster.clone(),
                client_token: client_token(&d.stack, &task.arn, eni),
            });
        }
    }
    p
}

/// At most 64 ASCII characters, as EC2 requires of a client token.
pub fn client_token(stack: &str, task: &str, interface: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stack.bytes().chain([0]).chain(task.bytes()).chain([0]).chain(interface.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let eni: String = interface.chars().filter(char::is_ascii_alphanumeric).take(32).collect();
    format!("fm-{h:016x}-{eni}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACK: &str = "mirror";

    fn desired() -> Desired {
        Desired {
            stack: STACK.into(),
            target: "tmt-1".into(),
            filter: "tmf-1".into(),
            selection: Selection::default(),
            session: SessionOptions { number: 10, packet_length: None, virtual_network_id: None },
        }
    }

    fn task(arn: &str, enis: &[&str]) -> Task {
        Task {
            arn: arn.into(),
            cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/app".into(),
            last_status: "RUNNING".into(),
            desired_status: "RUNNING".into(),
            group: "service:web".into(),
            task_definition_arn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into(),
            tags: BTreeMap::new(),
            interfaces: enis.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    fn ours(id: &str, eni: &str, number: u16, task: &str) -> Session {
        Session {
            id: id.into(),
            interface: eni.into(),
            number,
            target: "tmt-1".into(),
            filter: "tmf-1".into(),
            stack: Some(STACK.into()),
            task: Some(task.into()),
        }
    }

    fn foreign(id: &str, eni: &str, number: u16) -> Session {
        Session {
            id: id.into(),
            interface: eni.into(),
            number,
            target: "tmt-x".into(),
            filter: "tmf-x".into(),
            stack: None,
            task: None,
        }
    }

    /// The world after applying `p`: created sessions exist, deleted ones do not.
    fn applied(d: &Desired, sessions: &[Session], p: &Plan) -> Vec<Session> {
        let mut out: Vec<Session> =
            sessions.iter().filter(|s| !p.delete.iter().any(|x| x.session == s.id)).cloned().collect();
        for (i, c) in p.create.iter().enumerate() {
            out.push(Session {
                id: format!("tms-new{i}"),
                interface: c.interface.clone(),
                number: c.number,
                target: d.target.clone(),
                filter: d.filter.clone(),
                stack: Some(d.stack.clone()),
                task: Some(c.task.clone()),
            });
        }
        out
    }

    #[track_caller]
    fn replan_is_empty(d: &Desired, tasks: &[Task], sessions: &[Session], p: &Plan) {
        let after = applied(d, sessions, p);
        let again = plan(d, tasks, &after);
        assert!(again.is_empty(), "re-plan after apply: {again}");
    }

    #[test]
    fn a_running_task_gets_one_session_per_interface_with_the_preferred_number() {
        let d = desired();
        let tasks = [task("t1", &["eni-a", "eni-b"])];
        let p = plan(&d, &tasks, &[]);
        assert_eq!(
            p.create.iter().map(|c| (c.interface.as_str(), c.number)).collect::<Vec<_>>(),
            [("eni-a", 10), ("eni-b", 10)]
        );
        replan_is_empty(&d, &tasks, &[], &p);
    }

    #[test]
    fn a_session_of_this_stack_already_there_means_nothing_to_do() {
        let d = desired();
        let tasks = [task("t1", &["eni-a"])];
        let sessions = [ours("tms-1", "eni-a", 10, "t1")];
        assert!(plan(&d, &tasks, &sessions).is_empty());
    }

    #[test]
    fn preferred_number_taken_by_another_session_gives_the_lowest_free_one() {
        let d = desired();
        let tasks = [task("t1", &["eni-a"])];
        let sessions = [foreign("tms-x", "eni-a", 10), foreign("tms-y", "eni-a", 1)];
        let p = plan(&d, &tasks, &sessions);
        assert_eq!(p.create[0].number, 2);
        assert_eq!(p.foreign.len(), 2);
        replan_is_empty(&d, &tasks, &sessions, &p);
    }

    #[test]
    fn an_interface_with_three_foreign_sessions_is_reported_full_and_left_alone() {
        let d = desired();
        let tasks = [task("t1", &["eni-a"])];
        let sessions = [foreign("x1", "eni-a", 1), foreign("x2", "eni-a", 2), foreign("x3", "eni-a", 3)];
        let p = plan(&d, &tasks, &sessions);
        assert!(p.is_empty());
        assert_eq!(p.full, ["eni-a"]);
    }

    #[test]
    fn stopped_tasks_lose_their_sessions_and_foreign_sessions_stay() {
        let d = desired();
        let mut t = task("t1", &["eni-a"]);
        t.last_status = "STOPPED".into();
        t.desired_status = "STOPPED".into();
        let sessions = [ours("tms-1", "eni-a", 10, "t1"), foreign("x1", "eni-a", 1)];
        let p = plan(&d, &[t.clone()], &sessions);
        assert_eq!(p.delete.iter().map(|x| x.session.as_str()).collect::<Vec<_>>(), ["tms-1"]);
        replan_is_empty(&d, &[t], &sessions, &p);
    }

    #[test]
    fn a_task_first_seen_stopping_with_desired_stopped_is_not_mirrored() {
        let d = desired();
        let mut t = task("t1", &["eni-a"]);
        t.desired_status = "STOPPED".into();
        assert!(plan(&d, &[t], &[]).is_empty());
    }

    #[test]
    fn selection_by_service_family_or_tags() {
        let mut d = desired();
        d.selection.services = vec!["api".into()];
        let mut t = task("t1", &["eni-a"]);
        assert!(plan(&d, &[t.clone()], &[]).is_empty());
        d.selection.families = vec!["web".into()];
        assert_eq!(plan(&d, &[t.clone()], &[]).create.len(), 1);
        d.selection =
            Selection { tags: BTreeMap::from([("mirror".into(), "yes".into())]), ..Selection::default() };
        assert!(plan(&d, &[t.clone()], &[]).is_empty());
        t.tags.insert("mirror".into(), "yes".into());
        assert_eq!(plan(&d, &[t], &[]).create.len(), 1);
    }

    #[test]
    fn drifted_and_duplicate_sessions_of_this_stack_are_replaced_once() {
        let d = desired();
        let tasks = [task("t1", &["eni-a"])];
        let mut old = ours("tms-old", "eni-a", 10, "t1");
        old.filter = "tmf-old".into();
        let sessions = [old, ours("tms-1", "eni-a", 11, "t1"), ours("tms-2", "eni-a", 12, "t1")];
        let p = plan(&d, &tasks, &sessions);
        assert!(p.create.is_empty());
        assert_eq!(p.delete.iter().map(|x| x.session.as_str()).collect::<Vec<_>>(), ["tms-old", "tms-2"]);
        replan_is_empty(&d, &tasks, &sessions, &p);
    }

    #[test]
    fn reconcile_mirrors_unmirrored_tasks_and_removes_orphans() {
        let d = desired();
        let tasks = [task("t1", &["eni-a"]), task("t2", &["eni-b"])];
        let sessions = [ours("tms-1", "eni-a", 10, "t1"), ours("tms-gone", "eni-z", 10, "t0")];
        let p = plan(&d, &tasks, &sessions);
        assert_eq!(p.create.iter().map(|c| c.interface.as_str()).collect::<Vec<_>>(), ["eni-b"]);
        assert_eq!(p.delete.iter().map(|x| x.session.as_str()).collect::<Vec<_>>(), ["tms-gone"]);
        replan_is_empty(&d, &tasks, &sessions, &p);
    }

    #[test]
    fn client_tokens_are_deterministic_short_and_distinct() {
        let a = client_token("mirror", "arn:aws:ecs:eu-west-1:1:task/app/abc", "eni-0123456789abcdef0");
        assert_eq!(
            a,
            client_token("mirror", "arn:aws:ecs:eu-west-1:1:task/app/abc", "eni-0123456789abcdef0")
        );
        assert_ne!(
            a,
            client_token("mirror", "arn:aws:ecs:eu-west-1:1:task/app/abd", "eni-0123456789abcdef0")
        );
        assert!(a.len() <= 64 && a.is_ascii(), "{a}");
    }

    #[test]
    fn family_and_service_come_from_the_arn_and_group() {
        let t = task("t1", &[]);
        assert_eq!(t.family(), Some("web"));
        assert_eq!(t.service(), Some("web"));
    }
}
