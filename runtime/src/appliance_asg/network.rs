//! Observing an instance's interfaces and addresses in EC2, and applying [`interfaces`] plans.
//!
//! What the function creates is tagged with the instance and device index it is for, which is how a
//! later run (a redelivered event, a terminate) recognises its own interfaces and addresses and tells
//! them apart from the user's.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_ec2::types::{
    DomainType, Filter, NetworkInterfaceAttachmentChanges, ResourceType, Tag, TagSpecification,
};

use super::interfaces::{Address, Allocation, Eni, Interface, InterfaceSpec, Observed, Step};
use crate::error::aws;
use crate::{Clients, HandlerError};

/// Tags naming the instance and the device index an interface or address was made for (synth
/// scopes the function's permissions by the first).
pub use contract::appliance_asg::lifecycle::{TAG_DEVICE_INDEX as DEVICE_TAG, TAG_INSTANCE as INSTANCE_TAG};

fn filter(name: &str, value: impl Into<String>) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn created_for(tags: &[Tag]) -> Option<(String, u32)> {
    let get = |k: &str| tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value());
    Some((get(INSTANCE_TAG)?.to_owned(), get(DEVICE_TAG)?.parse().ok()?))
}

/// The instance's zone, its attached interfaces, the interfaces and addresses tagged for it, and the
/// addresses of the existing pools in `specs`. `None` when the instance does not exist.
pub async fn observe(
    clients: &Clients,
    instance_id: &str,
    specs: &[InterfaceSpec],
) -> Result<Option<Observed>, HandlerError> {
    let described = clients.ec2.describe_instances().instance_ids(instance_id).send().await;
    let reservations = match described {
        Ok(out) => out.reservations().to_vec(),
        Err(e)
            if e.as_service_error().and_then(aws_sdk_ec2::error::ProvideErrorMetadata::code)
                == Some("InvalidInstanceID.NotFound") =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws("DescribeInstances", &e)),
    };
    let Some(instance) = reservations.iter().flat_map(|r| r.instances()).next() else { return Ok(None) };
    let availability_zone =
        instance.placement().and_then(|p| p.availability_zone()).unwrap_or_default().to_owned();
    let mut observed = leftovers(clients, instance_id, specs, true).await?;
    observed.availability_zone = availability_zone;
    Ok(Some(observed))
}

/// What the function made for an instance EC2 no longer knows (terminated long ago, or never
/// launched): the interfaces and addresses tagged for it, found by their tags alone, so they are
/// cleaned up rather than left allocated. The zone is unknown (empty).
pub async fn observe_gone(
    clients: &Clients,
    instance_id: &str,
    specs: &[InterfaceSpec],
) -> Result<Observed, HandlerError> {
    leftovers(clients, instance_id, specs, false).await
}

async fn leftovers(
    clients: &Clients,
    instance_id: &str,
    specs: &[InterfaceSpec],
    attached_too: bool,
) -> Result<Observed, HandlerError> {
    let mut interfaces: BTreeMap<String, Interface> = BTreeMap::new();
    let mut queries = vec![filter(&format!("tag:{INSTANCE_TAG}"), instance_id)];
    if attached_too {
        queries.insert(0, filter("attachment.instance-id", instance_id));
    }
    for f in queries {
        let mut pages = clients.ec2.describe_network_interfaces().filters(f).into_paginator().send();
        while let Some(page) = pages.next().await {
            for eni in page.map_err(|e| aws("DescribeNetworkInterfaces", &e))?.network_interfaces() {
                let Some(id) = eni.network_interface_id() else { continue };
                let attachment = eni.attachment().filter(|a| a.instance_id() == Some(instance_id));
                interfaces.insert(
                    id.to_owned(),
                    Interface {
                        id: id.to_owned(),
                        attachment: attachment.and_then(|a| {
                            Some((u32::try_from(a.device_index()?).ok()?, a.attachment_id()?.to_owned()))
                        }),
                        delete_on_termination: attachment
                            .and_then(|a| a.delete_on_termination())
                            .unwrap_or(false),
                        source_dest_check: eni.source_dest_check().unwrap_or(true),
                        created_for: created_for(eni.tag_set()),
                    },
                );
            }
        }
    }

    let mut addresses: BTreeMap<String, Address> = BTreeMap::new();
    let pools = super::interfaces::pools(specs);
    let mut queries =
        vec![clients.ec2.describe_addresses().filters(filter(&format!("tag:{INSTANCE_TAG}"), instance_id))];
    if !pools.is_empty() {
        queries.push(clients.ec2.describe_addresses().set_allocation_ids(Some(pools)));
    }
    // DescribeAddresses is not paginated: it returns every match at once.
    for q in queries {
        for a in q.send().await.map_err(|e| aws("DescribeAddresses", &e))?.addresses() {
            let Some(allocation_id) = a.allocation_id() else { continue };
            addresses.insert(
                allocation_id.to_owned(),
                Address {
                    allocation_id: allocation_id.to_owned(),
                    public_ip: a.public_ip().unwrap_or_default().to_owned(),
                    association_id: a.association_id().map(str::to_owned),
                    network_interface_id: a.network_interface_id().map(str::to_owned),
                    allocated_for: created_for(a.tags()),
                },
            );
        }
    }
    Ok(Observed {
        instance_id: instance_id.to_owned(),
        availability_zone: String::new(),
        interfaces: interfaces.into_values().collect(),
        addresses: addresses.into_values().collect(),
        leased_elsewhere: Vec::new(),
    })
}

fn tags(kind: ResourceType, instance_id: &str, device_index: u32) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key(INSTANCE_TAG).value(instance_id).build())
        .tags(Tag::builder().key(DEVICE_TAG).value(device_index.to_string()).build())
        .build()
}

/// What this run created, for compensation if a later step fails.
#[derive(Debug, Default)]
struct Created {
    interfaces: BTreeMap<u32, String>,
    addresses: BTreeMap<u32, String>,
    /// Interface -> the attachment `AttachNetworkInterface` returned for it in this run.
    attachments: BTreeMap<String, String>,
}

/// How long a detach may take before a delete gives up, when the invocation has no deadline.
const DETACH_WAIT: Duration = Duration::from_secs(60);
/// What is kept of the invocation's time for the steps after the network (completing the action).
const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// Until when to wait for detaches: the invocation's deadline less a margin, at most [`DETACH_WAIT`].
fn wait_until(deadline: Option<SystemTime>) -> Instant {
    let left = deadline.map_or(DETACH_WAIT, |d| {
        d.duration_since(SystemTime::now())
            .unwrap_or_default()
            .saturating_sub(DEADLINE_MARGIN)
            .min(DETACH_WAIT)
    });
    Instant::now() + left
}

/// Applies `steps` in order. On a failure, deletes the interfaces and releases the addresses this
/// run created but could not put to use (so nothing leaks), then returns the error. A delete of an
/// interface that is still detaching (EC2 detaches asynchronously) waits for the detach, until the
/// invocation's `deadline` less a margin.
pub async fn apply(
    clients: &Clients,
    instance_id: &str,
    steps: &[Step],
    deadline: Option<SystemTime>,
) -> Result<usize, HandlerError> {
    let mut created = Created::default();
    let mut calls = 0;
    let until = wait_until(deadline);
    for step in steps {
        if let Err(e) = apply_one(clients, instance_id, step, &mut created, &mut calls, until).await {
            compensate(clients, &created, until).await;
            return Err(e);
        }
    }
    Ok(calls)
}

/// Deletes an interface once it is detached: EC2 answers `InvalidNetworkInterface.InUse` while the
/// detach is under way. Already deleted counts as deleted. Returns the number of calls made.
async fn delete_when_detached(clients: &Clients, eni: &str, until: Instant) -> Result<usize, HandlerError> {
    let mut pause = Duration::from_millis(200);
    let mut calls = 0;
    loop {
        calls += 1;
        match clients.ec2.delete_network_interface().network_interface_id(eni).send().await {
            Ok(_) => return Ok(calls),
            Err(e) if error_code(&e).is_some_and(|c| c.starts_with("InvalidNetworkInterfaceID.NotFound")) => {
                return Ok(calls);
            }
            Err(e)
                if error_code(&e) == Some("InvalidNetworkInterface.InUse")
                    && Instant::now() + pause < until =>
            {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(aws("DeleteNetworkInterface", &e)),
        }
    }
}

async fn compensate(clients: &Clients, created: &Created, until: Instant) {
    for eni in created.interfaces.values() {
        // A created interface may have been attached before the failure: detach it first, by the
        // attachment id the attach returned (a describe may not show the attachment yet).
        if let Some(attachment) = created.attachments.get(eni)
            && let Err(e) = clients.ec2.detach_network_interface().attachment_id(attachment).send().await
            && !error_code(&e).is_some_and(|c| c.starts_with("InvalidAttachmentID.NotFound"))
        {
            tracing::error!(eni, error = %aws("DetachNetworkInterface", &e), "compensation failed: interface left attached");
            continue;
        }
        if let Err(e) = delete_when_detached(clients, eni, until).await {
            tracing::error!(eni, error = %e, "compensation failed: interface left behind");
        }
    }
    for allocation in created.addresses.values() {
        if let Err(e) = clients.ec2.release_address().allocation_id(allocation).send().await {
            tracing::error!(allocation, error = %aws("ReleaseAddress", &e), "compensation failed: address left allocated");
        }
    }
}

fn resolve(eni: &Eni, created: &Created) -> Result<String, HandlerError> {
    match eni {
        Eni::Id(id) => Ok(id.clone()),
        Eni::CreatedFor(d) => created.interfaces.get(d).cloned().ok_or_else(|| {
            HandlerError::InvalidEvent(format!("plan refers to an interface for device {d} it never creates"))
        }),
    }
}

async fn apply_one(
    clients: &Clients,
    instance_id: &str,
    step: &Step,
    created: &mut Created,
    calls: &mut usize,
    until: Instant,
) -> Result<(), HandlerError> {
    let ec2 = &clients.ec2;
    *calls += 1;
    match step {
        Step::Create { device_index, subnet, security_groups, description } => {
            let out = ec2
                .create_network_interface()
                .subnet_id(subnet)
                .set_groups(Some(security_groups.clone()))
                .description(description)
                .tag_specifications(tags(ResourceType::NetworkInterface, instance_id, *device_index))
                .send()
                .await
                .map_err(|e| aws("CreateNetworkInterface", &e))?;
            let id = out.network_interface().and_then(|n| n.network_interface_id()).ok_or_else(|| {
                HandlerError::Aws {
                    operation: "CreateNetworkInterface",
                    message: "no interface ID returned".into(),
                }
            })?;
            created.interfaces.insert(*device_index, id.to_owned());
        }
        Step::Attach { eni, device_index } => {
            let id = resolve(eni, created)?;
            let out = ec2
                .attach_network_interface()
                .network_interface_id(&id)
                .instance_id(instance_id)
                .device_index(i32::try_from(*device_index).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| aws("AttachNetworkInterface", &e))?;
            let attachment = out.attachment_id().ok_or_else(|| HandlerError::Aws {
                operation: "AttachNetworkInterface",
                message: format!("no attachment ID returned for '{id}'"),
            })?;
            created.attachments.insert(id, attachment.to_owned());
        }
        Step::SetDeleteOnTermination { eni, attachment } => {
            let id = resolve(eni, created)?;
            let attachment =
                created.attachments.get(&id).or(attachment.as_ref()).cloned().ok_or_else(|| {
                    HandlerError::InvalidEvent(format!(
                        "plan sets DeleteOnTermination on '{id}', which it neither found nor made attached"
                    ))
                })?;
            ec2.modify_network_interface_attribute()
                .network_interface_id(&id)
                .attachment(
                    NetworkInterfaceAttachmentChanges::builder()
                        .attachment_id(attachment)
                        .delete_on_termination(true)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws("ModifyNetworkInterfaceAttribute", &e))?;
        }
        Step::SetSourceDestCheck { eni, enabled } => {
            ec2.modify_network_interface_attribute()
                .network_interface_id(resolve(eni, created)?)
                .source_dest_check(
                    aws_sdk_ec2::types::AttributeBooleanValue::builder().value(*enabled).build(),
                )
                .send()
                .await
                .map_err(|e| aws("ModifyNetworkInterfaceAttribute", &e))?;
        }
        Step::Allocate { device_index, pool } => {
            let out = ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .set_public_ipv4_pool(pool.clone())
                .tag_specifications(tags(ResourceType::ElasticIp, instance_id, *device_index))
                .send()
                .await
                .map_err(|e| aws("AllocateAddress", &e))?;
            let id = out.allocation_id().ok_or_else(|| HandlerError::Aws {
                operation: "AllocateAddress",
                message: "no allocation ID returned".into(),
            })?;
            created.addresses.insert(*device_index, id.to_owned());
        }
        Step::Associate { allocation, eni } => {
            let allocation_id = match allocation {
                Allocation::Id(id) => id.clone(),
                Allocation::AllocatedFor(d) => created.addresses.get(d).cloned().ok_or_else(|| {
                    HandlerError::InvalidEvent(format!(
                        "plan refers to an address for device {d} it never allocates"
                    ))
                })?,
            };
            ec2.associate_address()
                .allocation_id(allocation_id)
                .network_interface_id(resolve(eni, created)?)
                // Never take an address from another interface (a user's EIP in use elsewhere).
                .allow_reassociation(false)
                .send()
                .await
                .map_err(|e| aws("AssociateAddress", &e))?;
        }
        Step::Disassociate { association_id, .. } => {
            match ec2.disassociate_address().association_id(association_id).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e).is_some_and(|c| c.starts_with("InvalidAssociationID.NotFound")) => {}
                Err(e) => return Err(aws("DisassociateAddress", &e)),
            }
        }
        Step::Release { allocation_id, .. } => {
            match ec2.release_address().allocation_id(allocation_id).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e).is_some_and(|c| c.starts_with("InvalidAllocationID.NotFound")) => {}
                Err(e) => return Err(aws("ReleaseAddress", &e)),
            }
        }
        Step::Detach { attachment_id } => {
            match ec2.detach_network_interface().attachment_id(attachment_id).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e).is_some_and(|c| c.starts_with("InvalidAttachmentID.NotFound")) => {}
                Err(e) => return Err(aws("DetachNetworkInterface", &e)),
            }
        }
        Step::Delete { eni } => *calls += delete_when_detached(clients, eni, until).await? - 1,
    }
    Ok(())
}

fn error_code<E: aws_sdk_ec2::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_ec2::error::SdkError<E, R>,
) -> Option<&str> {
    e.as_service_error().and_then(aws_sdk_ec2::error::ProvideErrorMetadata::code)
}
