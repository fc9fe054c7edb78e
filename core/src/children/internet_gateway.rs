//! The internet gateway NAT gateways reach the internet through (only with NAT support): created
//! tagged, attached to the environment's VPC.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{InternetGateway, ResourceType};

use super::ec2_tags::{delete_retrying, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;

/// Record kind of the internet gateway.
pub const KIND: RecordKind = RecordKind::InternetGateway;
/// Record attribute holding the VPC the gateway is attached to.
pub const VPC_ATTRIBUTE: &str = "vpc_id";

/// Adopts the internet gateway tagged as `owner`, or creates it; then attaches it to `vpc_id`
/// unless it already is.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
) -> Result<Record, ChildError> {
    let gateway = match find(clients, owner).await? {
        Some(found) => found,
        None => clients
            .ec2
            .create_internet_gateway()
            .tag_specifications(owner.tag_specification(ResourceType::InternetGateway, tags))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ec2", "CreateInternetGateway", e))?
            .internet_gateway()
            .cloned()
            .ok_or(ChildError::IncompleteAnswer {
                operation: "CreateInternetGateway",
                missing: "InternetGateway",
            })?,
    };
    let gateway_id = gateway
        .internet_gateway_id()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeInternetGateways",
            missing: "InternetGatewayId",
        })?
        .to_string();
    let attached_to: Vec<&str> = gateway
        .attachments()
        .iter()
        .filter_map(|a| a.vpc_id())
        .collect();
    if let Some(other) = attached_to.iter().find(|v| **v != vpc_id) {
        // A gateway can be attached to one VPC only; moving it would cut the other VPC off.
        return Err(ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!(
                "internet gateway {gateway_id} carries this environment's tags but is attached \
                 to {other}, not to {vpc_id}; detach it from {other} or delete it, then apply again"
            ),
        });
    }
    if attached_to.is_empty() {
        if let Err(e) = clients
            .ec2
            .attach_internet_gateway()
            .internet_gateway_id(&gateway_id)
            .vpc_id(vpc_id)
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "AttachInternetGateway", e);
            return Err(if err.code == "Resource.AlreadyAssociated" {
                ChildError::Refused {
                    child: owner.logical_id.to_string(),
                    reason: format!(
                        "{vpc_id} already has another internet gateway attached, and a VPC \
                         takes only one; detach it (it is not this environment's) and apply again \
                         ({err})"
                    ),
                }
            } else {
                err.into()
            });
        }
    }
    Ok(Record {
        kind: KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:internet-gateway/{gateway_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: gateway_id,
        attributes: BTreeMap::from([(VPC_ATTRIBUTE.to_string(), vpc_id.to_string())]),
        depends_on: Vec::new(),
    })
}

/// Detaches the gateway from every VPC it is attached to, retrying while AWS still sees public
/// addresses mapped there (a NAT gateway's Elastic IP until that NAT gateway is deleted), then
/// deletes it. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let gateway_id = record.physical_id.as_str();
    let Some(gateway) = describe(clients, gateway_id).await? else {
        return Ok(());
    };
    for vpc_id in gateway.attachments().iter().filter_map(|a| a.vpc_id()) {
        delete_retrying(
            &format!("internet gateway {gateway_id} to be detachable from {vpc_id}"),
            || {
                let ec2 = clients.ec2.clone();
                let (gateway_id, vpc_id) = (gateway_id.to_string(), vpc_id.to_string());
                async move {
                    match ec2
                        .detach_internet_gateway()
                        .internet_gateway_id(gateway_id)
                        .vpc_id(vpc_id)
                        .send()
                        .await
                    {
                        Ok(_) => Ok(()),
                        Err(e) => {
                            let err = AwsCallError::from_sdk("ec2", "DetachInternetGateway", e);
                            // Detached meanwhile (a concurrent run, or by hand): the goal holds.
                            if err.code == "Gateway.NotAttached" {
                                Ok(())
                            } else {
                                Err(err)
                            }
                        }
                    }
                }
            },
        )
        .await?;
    }
    delete_retrying(
        &format!("internet gateway {gateway_id} to be deletable"),
        || {
            let ec2 = clients.ec2.clone();
            let id = gateway_id.to_string();
            async move {
                ec2.delete_internet_gateway()
                    .internet_gateway_id(id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("ec2", "DeleteInternetGateway", e))
            }
        },
    )
    .await?;
    Ok(())
}

async fn describe(
    clients: &AwsClients,
    gateway_id: &str,
) -> Result<Option<InternetGateway>, AwsCallError> {
    match clients
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(gateway_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.internet_gateways().first().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeInternetGateways", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

async fn find(
    clients: &AwsClients,
    owner: Owner<'_>,
) -> Result<Option<InternetGateway>, AwsCallError> {
    let out = clients
        .ec2
        .describe_internet_gateways()
        .set_filters(Some(owner.filters()))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeInternetGateways", e))?;
    Ok(out
        .internet_gateways()
        .iter()
        .find(|g| owner.owns(g.tags()))
        .cloned())
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::InternetGateway {
    /// The VPC id.
    type Desired = String;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<String, ChildError> {
        inputs.physical_id(&LogicalId::Vpc)
    }

    async fn ensure(&self, cx: &Cx<'_>, vpc_id: &String) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), vpc_id).await
    }

    /// The attachment is repaired on every apply.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &String) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}
