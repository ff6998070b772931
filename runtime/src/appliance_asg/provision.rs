//! The lifecycle function's side of appliance configuration: read the template and the admin
//! secret, observe the instance's addresses, render, and have the configure function (in the VPC)
//! push it. Called for a launching instance before its action completes, and for every remaining
//! member when the primary changes.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use aws_smithy_types::Blob;

use super::configure::{PushReport, PushRequest};
use super::render::{self, Context, InterfaceContext, Source};
use super::{Clients, Configuration, licences};
use crate::HandlerError;
use crate::error::aws;

/// What one invocation reads once for all the instances it configures.
#[derive(Debug, Clone)]
pub struct Inputs {
    source: Source,
    password: String,
}

impl Inputs {
    pub async fn load(clients: &Clients, c: &Configuration) -> Result<Inputs, HandlerError> {
        let parameter = clients
            .ssm
            .get_parameter()
            .name(&c.parameter)
            .send()
            .await
            .map_err(|e| aws("GetParameter", &e))?;
        let text = parameter.parameter().and_then(|p| p.value()).unwrap_or_default();
        let source: Source = serde_json::from_str(text).map_err(|e| {
            HandlerError::CorruptState(format!(
                "parameter '{}' is not a configuration template ({e}): redeploy the stack",
                c.parameter
            ))
        })?;
        let secret = clients
            .secretsmanager
            .get_secret_value()
            .secret_id(&c.admin_secret)
            .send()
            .await
            .map_err(|e| aws("GetSecretValue", &e))?;
        let password = secret.secret_string().unwrap_or_default().to_owned();
        if password.is_empty() {
            return Err(HandlerError::CorruptState(format!(
                "secret '{}' has no string value: store the appliances' admin password in it",
                c.admin_secret
            )));
        }
        Ok(Inputs { source, password })
    }
}

/// One instance's attached interfaces and zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    pub zone: String,
    pub interfaces: Vec<InterfaceContext>,
}

/// The attached interfaces of `instances`, by instance (one paginated call for all of them).
pub async fn addresses(
    clients: &Clients,
    instances: &[&str],
) -> Result<BTreeMap<String, Addresses>, HandlerError> {
    let mut out: BTreeMap<String, Addresses> = BTreeMap::new();
    let filter = Filter::builder()
        .name("attachment.instance-id")
        .set_values(Some(instances.iter().map(|i| (*i).to_owned()).collect()))
        .build();
    let mut pages = clients.core.ec2.describe_network_interfaces().filters(filter).into_paginator().send();
    while let Some(page) = pages.next().await {
        for eni in page.map_err(|e| aws("DescribeNetworkInterfaces", &e))?.network_interfaces() {
            let Some(attachment) = eni.attachment() else { continue };
            let (Some(instance), Some(device)) = (attachment.instance_id(), attachment.device_index()) else {
                continue;
            };
            let entry = out.entry(instance.to_owned()).or_default();
            entry.zone = eni.availability_zone().unwrap_or_default().to_owned();
            entry.interfaces.push(InterfaceContext {
                device_index: u32::try_from(device).unwrap_or_default(),
                description: eni.description().unwrap_or_default().to_owned(),
                private_ip: eni.private_ip_address().unwrap_or_default().to_owned(),
                public_ip: eni.association().and_then(|a| a.public_ip()).map(str::to_owned),
                subnet_id: eni.subnet_id().unwrap_or_default().to_owned(),
            });
        }
    }
    for a in out.values_mut() {
        a.interfaces.sort_by_key(|i| i.device_index);
    }
    Ok(out)
}

/// The private address of the API interface.
fn api_address(c: &Configuration, instance: &str, a: Option<&Addresses>) -> Result<String, HandlerError> {
    a.and_then(|a| a.interfaces.iter().find(|i| i.device_index == c.api_device_index))
        .map(|i| i.private_ip.clone())
        .filter(|ip| !ip.is_empty())
        .ok_or_else(|| {
            HandlerError::Appliance(format!(
                "{instance} has no interface at device index {} to reach its API",
                c.api_device_index
            ))
        })
}

/// Whether the appliance may still be booting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boot {
    /// Launching: wait for its API up to the boot timeout.
    Launching,
    /// In service: its API answers, or the push fails at once.
    Running,
}

/// One push of the configuration to one instance: who it is for, and what it is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Push<'a> {
    /// Where the template and the secret are, who pushes, and the API's device index.
    pub configuration: &'a Configuration,
    /// The bucket leased licences are read from, when the group has licences.
    pub licence_bucket: Option<&'a str>,
    /// The template and the admin password, read once per invocation.
    pub inputs: &'a Inputs,
    pub instance: &'a str,
    /// The primary the instance is configured for (itself when it is the primary).
    pub primary: &'a str,
    /// The licence leased to the instance, if any.
    pub licence: Option<&'a str>,
    pub boot: Boot,
}

/// Renders the configuration for `push.instance` and has the configure function push it.
pub async fn configure(clients: &Clients, push: &Push<'_>) -> Result<PushReport, HandlerError> {
    let Push { configuration: c, licence_bucket, inputs, instance, primary, licence, boot } = *push;
    let found = addresses(clients, &[instance, primary]).await?;
    let own = found.get(instance).cloned().unwrap_or_default();
    let address = api_address(c, instance, Some(&own))?;
    let primary_ip = api_address(c, primary, found.get(primary))?;
    let context = Context {
        instance_id: instance.to_owned(),
        zone: own.zone.clone(),
        role: if instance == primary { "primary" } else { "secondary" },
        is_primary: instance == primary,
        primary_ip,
        interfaces: own.interfaces,
        licence: licence.map(str::to_owned),
        variables: inputs.source.variables.clone(),
    };
    // A template that does not render will not render on a retry either.
    let configuration =
        render::render(&inputs.source, &context).map_err(|e| HandlerError::Appliance(e.to_string()))?;
    let licence = match (licence, licence_bucket) {
        (Some(name), Some(bucket)) => Some(licences::content(clients, bucket, name).await?),
        _ => None,
    };
    let request = PushRequest {
        instance_id: instance.to_owned(),
        address,
        // The FortiGate-on-AWS convention: the first login uses the instance ID.
        initial_password: instance.to_owned(),
        password: inputs.password.clone(),
        configuration,
        licence,
        wait_for_boot: boot == Boot::Launching,
    };
    invoke(clients, &c.function, &request).await
}

/// Invokes the configure function and waits for its answer.
async fn invoke(
    clients: &Clients,
    function: &str,
    request: &PushRequest,
) -> Result<PushReport, HandlerError> {
    let payload = serde_json::to_vec(request)
        .map_err(|e| HandlerError::Appliance(format!("cannot encode the push request: {e}")))?;
    let out = clients
        .lambda
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| aws("Invoke", &e))?;
    let body = out.payload().map(|p| p.as_ref().to_vec()).unwrap_or_default();
    if out.function_error().is_some() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Failure {
            error_type: String,
            error_message: String,
        }
        return Err(match serde_json::from_slice::<Failure>(&body) {
            Ok(f) => HandlerError::Appliance(format!("{}: {}", f.error_type, f.error_message)),
            Err(_) => HandlerError::Appliance(format!(
                "the configure function failed: {}",
                String::from_utf8_lossy(&body)
            )),
        });
    }
    serde_json::from_slice(&body).map_err(|e| {
        HandlerError::Appliance(format!(
            "unexpected answer from the configure function ({e}): {}",
            String::from_utf8_lossy(&body)
        ))
    })
}
