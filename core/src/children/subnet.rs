//! Private subnets (one per zone), or subnets the user brought.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, Subnet};

use super::ec2_tags::{delete_retrying, filter, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;
use crate::spec::Cidr;

/// Record kind of a subnet the environment created.
pub const KIND: RecordKind = RecordKind::Subnet;
/// Record kind of a subnet the user brought (never deleted).
pub const EXISTING_KIND: RecordKind = RecordKind::ExistingSubnet;
/// Record attribute holding the subnet's IPv4 CIDR (dependents open port 443 to it).
pub const CIDR_ATTRIBUTE: &str = "cidr";

/// Adopts the subnet tagged as `owner` in the VPC, or creates it in `zone` with `cidr`.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    zone: &str,
    cidr: Cidr,
) -> Result<Record, ChildError> {
    let mut filters = owner.filters();
    filters.push(filter("vpc-id", vpc_id));
    let out = clients
        .ec2
        .describe_subnets()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSubnets", e))?;
    if let Some(found) = out
        .subnets()
        .iter()
        .find(|s| owner.owns(s.tags()) && s.vpc_id() == Some(vpc_id))
    {
        return record(clients, KIND, found);
    }
    let out = clients
        .ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .availability_zone(zone)
        .cidr_block(cidr.to_string())
        .tag_specifications(owner.tag_specification(ResourceType::Subnet, tags))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "CreateSubnet", e))?;
    let subnet = out.subnet().ok_or(ChildError::IncompleteAnswer {
        operation: "CreateSubnet",
        missing: "Subnet",
    })?;
    record(clients, KIND, subnet)
}

/// Reads a subnet the user brought (its CIDR is recorded for the endpoint security group).
pub async fn read_existing(
    clients: &AwsClients,
    logical_id: &str,
    subnet_id: &str,
) -> Result<Record, ChildError> {
    let missing = || ChildError::ExistingNotFound {
        child: logical_id.to_string(),
        id: subnet_id.to_string(),
    };
    let out = match clients
        .ec2
        .describe_subnets()
        .subnet_ids(subnet_id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeSubnets", e);
            return Err(if err.is_not_found() {
                missing()
            } else {
                err.into()
            });
        }
    };
    let subnet = out.subnets().first().ok_or_else(missing)?;
    record(clients, EXISTING_KIND, subnet)
}

/// Deletes the subnet, retrying while network interfaces in it are still going away.
pub async fn delete(clients: &AwsClients, subnet_id: &str) -> Result<(), ChildError> {
    delete_retrying(&format!("subnet {subnet_id} to be deletable"), || {
        let ec2 = clients.ec2.clone();
        let id = subnet_id.to_string();
        async move {
            ec2.delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("ec2", "DeleteSubnet", e))
        }
    })
    .await?;
    Ok(())
}

fn record(clients: &AwsClients, kind: RecordKind, subnet: &Subnet) -> Result<Record, ChildError> {
    let id = subnet
        .subnet_id()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeSubnets",
            missing: "SubnetId",
        })?
        .to_string();
    let mut attributes = BTreeMap::new();
    for (key, value) in [
        (CIDR_ATTRIBUTE, subnet.cidr_block()),
        ("zone", subnet.availability_zone()),
        ("vpc_id", subnet.vpc_id()),
    ] {
        if let Some(value) = value {
            attributes.insert(key.to_string(), value.to_string());
        }
    }
    Ok(Record {
        kind,
        arn: Some(subnet.subnet_arn().map(str::to_string).unwrap_or_else(|| {
            format!(
                "arn:{}:ec2:{}:{}:subnet/{id}",
                clients.partition, clients.region, clients.account_id
            )
        })),
        physical_id: id,
        attributes,
        depends_on: Vec::new(),
    })
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::Subnet {
    /// The VPC id.
    type Desired = String;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<String, ChildError> {
        inputs.physical_id(&LogicalId::Vpc)
    }

    async fn ensure(&self, cx: &Cx<'_>, vpc_id: &String) -> Result<Record, ChildError> {
        ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            vpc_id,
            &self.zone,
            self.cidr,
        )
        .await
    }

    /// A subnet's zone and CIDR cannot change; nothing else is set.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &String) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.kind != KIND
    }
}

impl ChildKind for kinds::ExistingSubnet {
    type Desired = ();

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<(), ChildError> {
        Ok(())
    }

    async fn ensure(&self, cx: &Cx<'_>, _: &()) -> Result<Record, ChildError> {
        read_existing(cx.clients, cx.id, &self.subnet_id).await
    }

    /// The user's subnet is theirs to govern.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &()) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != self.subnet_id
    }
}
