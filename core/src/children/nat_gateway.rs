//! NAT gateways (one per zone, in the zone's public subnet) and their Elastic IPs.
//!
//! Neither the Elastic IP nor the NAT gateway can be renamed or re-tagged into existence
//! atomically later, so both carry the ownership tags from their create call; a NAT gateway
//! is also created with a client token, so a retried create never makes a second one.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Address, DomainType, NatGateway, ResourceType};

use super::ec2_tags::{filter, Owner, DEPENDENCY_RETRY_BUDGET};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of a NAT gateway's Elastic IP.
pub const ADDRESS_KIND: RecordKind = RecordKind::NatAddress;
/// Record kind of a NAT gateway.
pub const KIND: RecordKind = RecordKind::NatGateway;
/// Record attribute holding an Elastic IP's public address.
pub const PUBLIC_IP_ATTRIBUTE: &str = "public_ip";

/// How long a NAT gateway may take to become available or deleted (AWS documents a few
/// minutes; the executor's own deadline cuts it shorter).
const NAT_BUDGET: Duration = Duration::from_secs(15 * 60);

/// States of a NAT gateway that will never serve traffic again: such a gateway is neither
/// adopted nor waited for (AWS keeps showing them for about an hour).
const GONE_STATES: &[&str] = &["deleting", "deleted", "failed"];

/// Adopts the Elastic IP tagged as `owner`, or allocates one (domain `vpc`) with the tags.
pub async fn ensure_address(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
) -> Result<Record, ChildError> {
    let out = clients
        .ec2
        .describe_addresses()
        .set_filters(Some(owner.filters()))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeAddresses", e))?;
    let (allocation_id, public_ip) = match out.addresses().iter().find(|a| owner.owns(a.tags())) {
        Some(found) => address_ids(found, "DescribeAddresses")?,
        None => {
            let out = clients
                .ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(owner.tag_specification(ResourceType::ElasticIp, tags))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "AllocateAddress", e))?;
            let allocation_id = out.allocation_id().ok_or(ChildError::IncompleteAnswer {
                operation: "AllocateAddress",
                missing: "AllocationId",
            })?;
            (
                allocation_id.to_string(),
                out.public_ip().unwrap_or_default().to_string(),
            )
        }
    };
    Ok(Record {
        kind: ADDRESS_KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:elastic-ip/{allocation_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: allocation_id,
        attributes: BTreeMap::from([(PUBLIC_IP_ATTRIBUTE.to_string(), public_ip)]),
        depends_on: Vec::new(),
    })
}

/// Adopts the NAT gateway tagged as `owner` in `subnet_id` (ignoring deleted and failed ones), or
/// creates it with `allocation_id`; then waits until it is available. A gateway that fails is
/// reported with AWS's failure message.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    subnet_id: &str,
    allocation_id: &str,
) -> Result<Record, ChildError> {
    let mut filters = owner.filters();
    filters.push(filter("subnet-id", subnet_id));
    let out = clients
        .ec2
        .describe_nat_gateways()
        .set_filter(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeNatGateways", e))?;
    let ours: Vec<&NatGateway> = out
        .nat_gateways()
        .iter()
        .filter(|n| owner.owns(n.tags()) && n.subnet_id() == Some(subnet_id))
        .collect();
    let nat_id = match ours.iter().find(|n| !is_gone(n)) {
        Some(live) => live
            .nat_gateway_id()
            .ok_or(ChildError::IncompleteAnswer {
                operation: "DescribeNatGateways",
                missing: "NatGatewayId",
            })?
            .to_string(),
        None => {
            let failed: Vec<&str> = ours
                .iter()
                .filter(|n| n.state().map(|s| s.as_str()) == Some("failed"))
                .filter_map(|n| n.nat_gateway_id())
                .collect();
            let token = owner.client_token(&token_scope(subnet_id, &failed));
            let created = clients
                .ec2
                .create_nat_gateway()
                .subnet_id(subnet_id)
                .allocation_id(allocation_id)
                .client_token(token)
                .tag_specifications(owner.tag_specification(ResourceType::Natgateway, tags))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "CreateNatGateway", e))?;
            created
                .nat_gateway()
                .and_then(NatGateway::nat_gateway_id)
                .ok_or(ChildError::IncompleteAnswer {
                    operation: "CreateNatGateway",
                    missing: "NatGatewayId",
                })?
                .to_string()
        }
    };
    let nat = wait_available(clients, &nat_id).await?;
    let public_ip = nat
        .nat_gateway_addresses()
        .iter()
        .find_map(|a| a.public_ip())
        .unwrap_or_default()
        .to_string();
    let used_allocation = nat
        .nat_gateway_addresses()
        .iter()
        .find_map(|a| a.allocation_id())
        .unwrap_or(allocation_id)
        .to_string();
    Ok(Record {
        kind: KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:natgateway/{nat_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: nat_id,
        attributes: BTreeMap::from([
            ("subnet_id".to_string(), subnet_id.to_string()),
            ("allocation_id".to_string(), used_allocation),
            (PUBLIC_IP_ATTRIBUTE.to_string(), public_ip),
        ]),
        depends_on: Vec::new(),
    })
}

/// Releases the Elastic IP, waiting while it is still associated (AWS disassociates a NAT
/// gateway's address only once that gateway is deleted). Not-found counts as released.
pub async fn delete_address(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let allocation_id = record.physical_id.as_str();
    poll_until(
        &format!("Elastic IP {allocation_id} to be released"),
        Deadline::after(DEPENDENCY_RETRY_BUDGET),
        || async {
            let out = match clients
                .ec2
                .describe_addresses()
                .allocation_ids(allocation_id)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    let err = AwsCallError::from_sdk("ec2", "DescribeAddresses", e);
                    return if err.is_not_found() {
                        Ok(Poll::Ready(()))
                    } else {
                        Err(err)
                    };
                }
            };
            let Some(address) = out.addresses().first() else {
                return Ok(Poll::Ready(()));
            };
            if let Some(association) = address.association_id() {
                return Ok(Poll::Pending(format!(
                    "still associated ({association}, interface {})",
                    address.network_interface_id().unwrap_or("?")
                )));
            }
            match clients
                .ec2
                .release_address()
                .allocation_id(allocation_id)
                .send()
                .await
            {
                Ok(_) => Ok(Poll::Ready(())),
                Err(e) => {
                    let err = AwsCallError::from_sdk("ec2", "ReleaseAddress", e);
                    if err.is_not_found() {
                        Ok(Poll::Ready(()))
                    } else if err.code == "InvalidIPAddress.InUse" {
                        // Associated between our describe and the release.
                        Ok(Poll::Pending(err.to_string()))
                    } else {
                        Err(err)
                    }
                }
            }
        },
    )
    .await?;
    Ok(())
}

/// Deletes the NAT gateway and waits until it is `deleted` (its interface and Elastic IP are
/// freed only then). Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let nat_id = record.physical_id.as_str();
    let Some(nat) = describe(clients, nat_id).await? else {
        return Ok(());
    };
    match nat.state().map(|s| s.as_str()) {
        Some("deleted") => return Ok(()),
        Some("deleting") => {}
        _ => {
            if let Err(e) = clients
                .ec2
                .delete_nat_gateway()
                .nat_gateway_id(nat_id)
                .send()
                .await
            {
                let err = AwsCallError::from_sdk("ec2", "DeleteNatGateway", e);
                if !is_not_found(&err) {
                    return Err(err.into());
                }
            }
        }
    }
    poll_until(
        &format!("NAT gateway {nat_id} to be deleted"),
        Deadline::after(NAT_BUDGET),
        || async {
            Ok::<_, AwsCallError>(match describe(clients, nat_id).await? {
                Some(nat) if nat.state().map(|s| s.as_str()) != Some("deleted") => {
                    Poll::Pending(format!("state {:?}", nat.state().map(|s| s.as_str())))
                }
                _ => Poll::Ready(()),
            })
        },
    )
    .await?;
    Ok(())
}

/// The client-token scope of a new NAT gateway in `subnet_id`. EC2 answers a repeated token with
/// the gateway it first made, even a failed one; after a failure the next try therefore needs a
/// new token, and deriving it from the failed gateways (visible for about an hour) keeps it
/// deterministic across retries of that try.
fn token_scope(subnet_id: &str, failed: &[&str]) -> String {
    match failed.iter().max() {
        Some(last) => format!("{subnet_id}-after-{last}"),
        None => subnet_id.to_string(),
    }
}

async fn wait_available(clients: &AwsClients, nat_id: &str) -> Result<NatGateway, ChildError> {
    poll_until(
        &format!("NAT gateway {nat_id} to be available"),
        Deadline::after(NAT_BUDGET),
        || async {
            let Some(nat) = describe(clients, nat_id).await? else {
                // Just created, and describe calls may lag behind on AWS: ask again.
                return Ok::<_, AwsCallError>(Poll::Pending("not visible yet".to_string()));
            };
            Ok(match nat.state().map(|s| s.as_str()) {
                Some("available") => Poll::Ready(Ok(nat)),
                Some("pending") | None => {
                    Poll::Pending(format!("state {:?}", nat.state().map(|s| s.as_str())))
                }
                Some(other) => Poll::Ready(Err(ChildError::Unusable {
                    id: nat_id.to_string(),
                    state: other.to_string(),
                    reason: match (nat.failure_code(), nat.failure_message()) {
                        (Some(code), Some(message)) => format!("{code}: {message}"),
                        (None, Some(message)) => message.to_string(),
                        (Some(code), None) => code.to_string(),
                        (None, None) => "AWS gave no reason".to_string(),
                    },
                })),
            })
        },
    )
    .await?
}

async fn describe(clients: &AwsClients, nat_id: &str) -> Result<Option<NatGateway>, AwsCallError> {
    match clients
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(nat_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.nat_gateways().first().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeNatGateways", e);
            if is_not_found(&err) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// EC2 names a missing NAT gateway `NatGatewayNotFound`, without the `.NotFound` suffix its
/// other not-found codes have.
fn is_not_found(err: &AwsCallError) -> bool {
    err.is_not_found() || err.code == "NatGatewayNotFound"
}

fn is_gone(nat: &NatGateway) -> bool {
    nat.state()
        .is_some_and(|s| GONE_STATES.contains(&s.as_str()))
}

fn address_ids(address: &Address, operation: &'static str) -> Result<(String, String), ChildError> {
    let allocation_id = address
        .allocation_id()
        .ok_or(ChildError::IncompleteAnswer {
            operation,
            missing: "AllocationId",
        })?;
    Ok((
        allocation_id.to_string(),
        address.public_ip().unwrap_or_default().to_string(),
    ))
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::NatAddress {
    type Desired = ();

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<(), ChildError> {
        Ok(())
    }

    async fn ensure(&self, cx: &Cx<'_>, _: &()) -> Result<Record, ChildError> {
        ensure_address(cx.clients, cx.owner(), cx.tags()).await
    }

    /// An address has no settings.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &()) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

/// A NAT gateway's public subnet and Elastic IP allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatPlacement {
    /// The public subnet's id.
    pub subnet_id: String,
    /// The Elastic IP's allocation id.
    pub allocation_id: String,
}

impl ChildKind for kinds::NatGateway {
    type Desired = NatPlacement;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<NatPlacement, ChildError> {
        let subnet = inputs.dependency("subnet-public-<zone>", |id| {
            matches!(id, LogicalId::PublicSubnet(_))
        })?;
        let address = inputs.dependency("nat-address-<zone>", |id| {
            matches!(id, LogicalId::NatAddress(_))
        })?;
        Ok(NatPlacement {
            subnet_id: subnet.physical_id.clone(),
            allocation_id: address.physical_id.clone(),
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, at: &NatPlacement) -> Result<Record, ChildError> {
        ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            &at.subnet_id,
            &at.allocation_id,
        )
        .await
    }

    /// A NAT gateway cannot change; one that failed is replaced by the next apply.
    async fn drift(
        &self,
        _: &Cx<'_>,
        _: &Record,
        _: &NatPlacement,
    ) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_gateway_gets_a_new_but_stable_token_scope() {
        assert_eq!(token_scope("subnet-1", &[]), "subnet-1");
        let after = token_scope("subnet-1", &["nat-0aa", "nat-0bb"]);
        assert_eq!(after, "subnet-1-after-nat-0bb");
        assert_eq!(after, token_scope("subnet-1", &["nat-0bb", "nat-0aa"]));
    }
}
