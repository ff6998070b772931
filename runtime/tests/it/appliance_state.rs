//! The appliance cluster state against the emulator's DynamoDB: concurrency and redelivery.

use runtime::Clients;
use runtime::appliance_asg::state::{self, KEY, Role};

use crate::support::{self, world};

async fn table() -> (Clients, String) {
    let clients = Clients::from_conf(&support::sdk_config().await);
    let table = support::unique("appliance");
    world::state_table(&clients.dynamodb, &table, KEY).await.expect("create table");
    (clients, table)
}

#[tokio::test]
async fn ten_concurrent_launches_elect_one_primary_and_lose_no_member() {
    let (clients, table) = table().await;
    let ids: Vec<String> = (0..10).map(|i| format!("i-{i:017x}")).collect();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let (clients, table, id) = (clients.clone(), table.clone(), id.clone());
            tokio::spawn(async move {
                state::join(&clients, &table, &id, 1_000 + n as u64).await.expect("join");
                state::elect(&clients, &table, &id).await.expect("elect")
            })
        })
        .collect();
    let mut roles = Vec::new();
    for t in tasks {
        roles.push(t.await.expect("task"));
    }
    let primaries = roles.iter().filter(|r| **r == Role::Primary).count();
    assert_eq!(primaries, 1, "{roles:?}");
    let primary = state::primary(&clients, &table).await.expect("primary").expect("one primary");
    assert!(
        roles.iter().all(|r| *r == Role::Primary || *r == Role::Secondary { primary: primary.clone() }),
        "{roles:?}"
    );
    let members = state::members(&clients, &table).await.expect("members");
    assert_eq!(members.iter().map(|m| m.instance_id.clone()).collect::<Vec<_>>(), ids, "no member lost");

    // Redelivered launch: same role, same join time.
    assert_eq!(state::elect(&clients, &table, &primary).await.expect("again"), Role::Primary);
    let before = state::member(&clients, &table, &ids[3]).await.expect("get").expect("member");
    let again = state::join(&clients, &table, &ids[3], 99_999).await.expect("rejoin");
    assert_eq!(again, before, "a redelivered launch keeps the original join time");
}

#[tokio::test]
async fn the_primary_terminating_hands_over_to_the_longest_standing_member() {
    let (clients, table) = table().await;
    for (id, joined) in [("i-a", 30), ("i-b", 10), ("i-c", 20)] {
        state::join(&clients, &table, id, joined).await.expect("join");
    }
    assert_eq!(state::elect(&clients, &table, "i-b").await.expect("elect"), Role::Primary);

    // A secondary leaving changes nothing.
    state::mark_leaving(&clients, &table, "i-a").await.expect("leaving");
    assert_eq!(
        state::hand_over(&clients, &table, "i-a", &in_service()).await.expect("hand over").as_deref(),
        Some("i-b")
    );
    state::leave(&clients, &table, "i-a").await.expect("leave");

    // The primary leaving: the longest-standing staying member takes over, also when asked twice.
    state::mark_leaving(&clients, &table, "i-b").await.expect("leaving");
    assert_eq!(
        state::hand_over(&clients, &table, "i-b", &in_service()).await.expect("hand over").as_deref(),
        Some("i-c")
    );
    assert_eq!(
        state::hand_over(&clients, &table, "i-b", &in_service()).await.expect("redelivered").as_deref(),
        Some("i-c")
    );
    state::leave(&clients, &table, "i-b").await.expect("leave");
    assert_eq!(state::elect(&clients, &table, "i-c").await.expect("elect"), Role::Primary);

    // The last member leaving leaves no primary, and the next launch becomes primary.
    state::mark_leaving(&clients, &table, "i-c").await.expect("leaving");
    assert_eq!(state::hand_over(&clients, &table, "i-c", &in_service()).await.expect("hand over"), None);
    state::leave(&clients, &table, "i-c").await.expect("leave");
    state::join(&clients, &table, "i-d", 40).await.expect("join");
    assert_eq!(state::elect(&clients, &table, "i-d").await.expect("elect"), Role::Primary);
}

#[tokio::test]
async fn licences_are_leased_once_exhaustion_is_an_error_and_returned_licences_are_reused() {
    let (clients, table) = table().await;
    let pool: Vec<String> = ["a.lic", "b.lic", "c.lic"].iter().map(|s| (*s).to_owned()).collect();
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let (clients, table, pool) = (clients.clone(), table.clone(), pool.clone());
            tokio::spawn(
                async move { state::lease_licence(&clients, &table, &format!("i-{i}"), &pool).await },
            )
        })
        .collect();
    let mut leased = Vec::new();
    let mut empty = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(name) => leased.push(name),
            Err(e) => {
                assert_eq!(e.error_type(), "LicencePoolEmpty", "{e}");
                assert!(e.is_retryable());
                empty += 1;
            }
        }
    }
    leased.sort();
    assert_eq!(leased, pool, "each licence leased exactly once");
    assert_eq!(empty, 2);

    let leases = state::leases(&clients, &table).await.expect("leases");
    let (name, holder) = leases.iter().next().expect("a lease");
    assert_eq!(state::lease_licence(&clients, &table, holder, &pool).await.expect("redelivered"), *name);

    assert_eq!(state::release_licences(&clients, &table, holder).await.expect("release"), vec![name.clone()]);
    assert!(state::release_licences(&clients, &table, holder).await.expect("again").is_empty(), "idempotent");
    assert_eq!(
        state::lease_licence(&clients, &table, "i-new", &pool).await.expect("returned licence"),
        *name
    );
}

/// Every instance of these tests is in service.
fn in_service() -> std::collections::BTreeSet<String> {
    ["i-a", "i-b", "i-c", "i-d"].map(str::to_owned).into()
}
