//! The configure function against a local appliance HTTPS API: first-boot password change, licence
//! and configuration upload, redelivery, certificate pinning, boot waits and refusals.

use std::time::Duration;

use runtime::appliance_asg::configure::{self, Licence, PushRequest};

use crate::support::appliance::{appliance, configure_config, connect_proxy, pin_text, pins};

const INSTANCE: &str = "i-0123456789abcdef0";

fn request() -> PushRequest {
    PushRequest {
        instance_id: INSTANCE.into(),
        address: "127.0.0.1".into(),
        initial_password: INSTANCE.into(),
        password: "s3cret-from-secrets-manager".into(),
        configuration: "config system global\n  set hostname fw-1\nend\n".into(),
        licence: Some(Licence::File { name: "fgt-0.lic".into(), content: "TElDRU5DRQ==".into() }),
        wait_for_boot: true,
    }
}

#[tokio::test]
async fn first_boot_changes_the_password_then_installs_licence_and_configuration() {
    let (port, state) = appliance(INSTANCE, Duration::ZERO).await;
    let config = configure_config(port, pins(), Duration::from_secs(5));
    let report = configure::push(&config, &request()).await.expect("configured");
    assert!(report.password_changed);
    assert_eq!(report.licence.as_deref(), Some("fgt-0.lic"));
    let s = state.lock().expect("lock").clone();
    assert_eq!(s.password, "s3cret-from-secrets-manager");
    assert_eq!(s.configuration.as_deref(), Some("config system global\n  set hostname fw-1\nend\n"));
    assert_eq!(
        s.licence,
        Some(serde_json::json!({"kind": "file", "name": "fgt-0.lic", "content": "TElDRU5DRQ=="}))
    );
    assert_eq!(
        s.requests,
        [
            "GET /api/v2/status",
            "POST /api/v2/admin/password",
            "PUT /api/v2/licence",
            "PUT /api/v2/configuration"
        ]
    );
}

#[tokio::test]
async fn a_redelivered_push_logs_in_with_the_secret_and_changes_no_password() {
    let (port, state) = appliance(INSTANCE, Duration::ZERO).await;
    let config = configure_config(port, pins(), Duration::from_secs(5));
    configure::push(&config, &request()).await.expect("first");
    let again = configure::push(&config, &request()).await.expect("again");
    assert!(!again.password_changed);
    let s = state.lock().expect("lock").clone();
    assert_eq!(s.password_changes, 1);
    assert_eq!(s.failed_logins, 1, "the redelivery tried the initial password once");
    // In service, the secret goes first: no failed login at all.
    configure::push(&config, &PushRequest { wait_for_boot: false, ..request() }).await.expect("in service");
    assert_eq!(state.lock().expect("lock").failed_logins, 1);
}

#[tokio::test]
async fn an_unpinned_certificate_is_refused_before_any_credential_is_sent() {
    let (port, state) = appliance(INSTANCE, Duration::ZERO).await;
    let config = configure_config(port, vec![[7u8; 32]], Duration::from_secs(30));
    let err = configure::push(&config, &request()).await.expect_err("wrong pin");
    assert_eq!(err.error_type(), "ApplianceNotConfigured");
    let message = err.to_string();
    let seen = crate::support::appliance::pin_text();
    assert!(message.contains(&format!("certificate sha256 fingerprint {seen} is not pinned")), "{message}");
    assert!(state.lock().expect("lock").requests.is_empty(), "nothing reached the appliance");

    // Without pins the certificate must chain to a public root: a self-signed one does not.
    let config = configure_config(port, vec![], Duration::from_secs(30));
    let err = configure::push(&config, &request()).await.expect_err("untrusted");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(state.lock().expect("lock").requests.is_empty());
}

#[tokio::test]
async fn a_booting_appliance_is_waited_for_within_the_boot_timeout() {
    let (port, state) = appliance(INSTANCE, Duration::from_millis(400)).await;
    let config = configure_config(port, pins(), Duration::from_secs(10));
    configure::push(&config, &request()).await.expect("configured once it listens");
    assert!(state.lock().expect("lock").configuration.is_some());

    let (port, _) = appliance(INSTANCE, Duration::from_secs(60)).await;
    let config = configure_config(port, pins(), Duration::from_millis(300));
    let err = configure::push(&config, &request()).await.expect_err("never up");
    assert!(err.to_string().contains("did not answer within the 300ms boot timeout"), "{err}");
    assert!(err.is_retryable());

    // An appliance in service is not waited for.
    let config = configure_config(port, pins(), Duration::from_secs(60));
    let err = configure::push(&config, &PushRequest { wait_for_boot: false, ..request() })
        .await
        .expect_err("not answering");
    assert!(err.to_string().contains("(in service) is not answering"), "{err}");
}

#[tokio::test]
async fn an_appliance_that_refuses_both_passwords_is_not_hammered() {
    let (port, state) = appliance("someone-else-changed-it", Duration::ZERO).await;
    let config = configure_config(port, pins(), Duration::from_secs(5));
    let err = configure::push(&config, &request()).await.expect_err("locked out");
    assert!(err.to_string().contains("accepts neither the admin secret nor its initial password"), "{err}");
    assert_eq!(state.lock().expect("lock").failed_logins, 2, "one attempt with each password");
}

#[tokio::test]
async fn a_refused_configuration_is_reported_with_the_appliance_answer() {
    let (port, state) = appliance(INSTANCE, Duration::ZERO).await;
    state.lock().expect("lock").refuse_configuration = true;
    let config = configure_config(port, pins(), Duration::from_secs(5));
    let err = configure::push(&config, &request()).await.expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "appliance not configured: {INSTANCE} refused the configuration: 500 {{\"error\": \"parse error at line 1\"}}"
        )
    );
}

#[tokio::test]
async fn a_push_for_something_that_is_not_an_address_is_rejected_untouched() {
    let config = configure_config(1, pins(), Duration::from_secs(5));
    let err = configure::push(&config, &PushRequest { address: "evil.example.com".into(), ..request() })
        .await
        .expect_err("rejected");
    assert_eq!(err.error_type(), "NonRetryable");
}

#[test]
fn passwords_never_reach_debug_output() {
    let shown = format!("{:?}", request());
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(!shown.contains("TElDRU5DRQ=="), "{shown}");
}

#[test]
fn configuration_is_read_and_checked() {
    let vars = |fingerprints: &str| {
        let fingerprints = fingerprints.to_owned();
        move |name: &str| {
            Some(match name {
                "API_PORT" => "443".to_owned(),
                "ADMIN_USER" => "admin".to_owned(),
                "TLS_FINGERPRINTS" => fingerprints.clone(),
                "BOOT_TIMEOUT_SECONDS" => "300".to_owned(),
                _ => return None,
            })
        }
    };
    let c = configure::Config::from_lookup(vars(&"ab".repeat(32))).expect("config");
    assert_eq!(c.boot_timeout, Duration::from_secs(300));
    let err = configure::Config::from_lookup(vars("ab:cd")).expect_err("bad pin");
    assert_eq!(
        err.to_string(),
        "invalid TLS_FINGERPRINTS 'ab:cd': invalid certificate fingerprint 'ab:cd': expected 64 hex digits (SHA-256)"
    );
}

/// The function's configuration as the template and the platform give it, with `HTTPS_PROXY`.
fn proxied_config(api_port: u16, pin: &str, proxy: u16, no_proxy: &str) -> configure::Config {
    let (pin, no_proxy) = (pin.to_owned(), no_proxy.to_owned());
    let mut config = configure::Config::from_lookup(move |name: &str| {
        Some(match name {
            "API_PORT" => api_port.to_string(),
            "ADMIN_USER" => "admin".to_owned(),
            "TLS_FINGERPRINTS" => pin.clone(),
            "BOOT_TIMEOUT_SECONDS" => "1".to_owned(),
            "HTTPS_PROXY" => format!("http://127.0.0.1:{proxy}"),
            "NO_PROXY" => no_proxy.clone(),
            _ => return None,
        })
    })
    .expect("config");
    config.poll_interval = Duration::from_millis(50);
    config
}

#[tokio::test]
async fn through_https_proxy_the_appliance_is_reached_by_a_tunnel_with_tls_end_to_end() {
    let (port, state) = appliance(INSTANCE, Duration::ZERO).await;
    let (proxy, tunnels) = connect_proxy(vec![(format!("10.9.8.7:{port}"), port)]).await;
    let config = proxied_config(port, &pin_text(), proxy, "localhost,127.0.0.1");
    let push = PushRequest { address: "10.9.8.7".into(), ..request() };
    configure::push(&config, &push).await.expect("configured through the proxy");
    assert!(state.lock().expect("lock").configuration.is_some());
    let seen = tunnels.lock().expect("lock").clone();
    assert!(!seen.is_empty() && seen.iter().all(|t| *t == format!("CONNECT 10.9.8.7:{port}")), "{seen:?}");

    // The proxy relays bytes; the certificate check is the client's, as without a proxy.
    let config = proxied_config(port, &"ab".repeat(32), proxy, "");
    let err = configure::push(&config, &push).await.expect_err("wrong pin");
    assert!(err.to_string().contains("is not pinned"), "{err}");

    // A tunnel the proxy refuses is an unreachable appliance, with the proxy's answer.
    let err = configure::push(
        &config,
        &PushRequest { address: "10.9.8.8".into(), wait_for_boot: false, ..request() },
    )
    .await
    .expect_err("no route");
    assert!(err.to_string().contains("refused the tunnel to 10.9.8.8"), "{err}");
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn no_proxy_addresses_are_reached_directly() {
    let (port, state) = appliance(INSTANCE, Duration::ZERO).await;
    let (proxy, tunnels) = connect_proxy(vec![]).await;
    let config = proxied_config(port, &pin_text(), proxy, "127.0.0.0/8");
    configure::push(&config, &request()).await.expect("configured directly");
    assert!(state.lock().expect("lock").configuration.is_some());
    assert!(tunnels.lock().expect("lock").is_empty(), "the proxy was not asked");
}
