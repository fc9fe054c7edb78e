//! The environment's VPC (DNS support and hostnames on, its default security group empty), or
//! one the user brought (left as it is).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Vpc};

use super::ec2_tags::{delete_retrying, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::security_group;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::RecordKind;
use crate::spec::Cidr;

/// Record kind of a VPC the environment created.
pub const KIND: RecordKind = RecordKind::Vpc;
/// Record kind of a VPC the user brought (never deleted).
pub const EXISTING_KIND: RecordKind = RecordKind::ExistingVpc;

/// Adopts the VPC tagged as `owner`, or creates it; then turns DNS support and hostnames on
/// (again) and empties its default security group (again), which repairs drift.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    cidr: Cidr,
) -> Result<Record, ChildError> {
    let vpc_id = match find(clients, owner).await? {
        Some(id) => id,
        None => {
            let out = clients
                .ec2
                .create_vpc()
                .cidr_block(cidr.to_string())
                .tag_specifications(owner.tag_specification(ResourceType::Vpc, tags))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "CreateVpc", e))?;
            out.vpc().and_then(Vpc::vpc_id).map(str::to_string).ok_or(
                ChildError::IncompleteAnswer {
                    operation: "CreateVpc",
                    missing: "VpcId",
                },
            )?
        }
    };
    // One attribute per call: EC2 refuses both in one request.
    let on = || AttributeBooleanValue::builder().value(true).build();
    clients
        .ec2
        .modify_vpc_attribute()
        .vpc_id(&vpc_id)
        .enable_dns_support(on())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "ModifyVpcAttribute", e))?;
    clients
        .ec2
        .modify_vpc_attribute()
        .vpc_id(&vpc_id)
        .enable_dns_hostnames(on())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "ModifyVpcAttribute", e))?;
    security_group::empty_default_group(clients, &vpc_id).await?;
    Ok(record(clients, KIND, vpc_id, cidr.to_string()))
}

/// Reads a VPC the user brought; fails clearly when it does not exist.
pub async fn read_existing(
    clients: &AwsClients,
    logical_id: &str,
    vpc_id: &str,
) -> Result<Record, ChildError> {
    let missing = || ChildError::ExistingNotFound {
        child: logical_id.to_string(),
        id: vpc_id.to_string(),
    };
    let out = match clients.ec2.describe_vpcs().vpc_ids(vpc_id).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeVpcs", e);
            return Err(if err.is_not_found() {
                missing()
            } else {
                err.into()
            });
        }
    };
    let vpc = out.vpcs().first().ok_or_else(missing)?;
    let cidr = vpc.cidr_block().unwrap_or_default().to_string();
    Ok(record(clients, EXISTING_KIND, vpc_id.to_string(), cidr))
}

/// Deletes the VPC, retrying while its dependents are still going away.
pub async fn delete(clients: &AwsClients, vpc_id: &str) -> Result<(), ChildError> {
    delete_retrying(&format!("VPC {vpc_id} to be deletable"), || {
        let ec2 = clients.ec2.clone();
        let id = vpc_id.to_string();
        async move {
            ec2.delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("ec2", "DeleteVpc", e))
        }
    })
    .await?;
    Ok(())
}

async fn find(clients: &AwsClients, owner: Owner<'_>) -> Result<Option<String>, AwsCallError> {
    let out = clients
        .ec2
        .describe_vpcs()
        .set_filters(Some(owner.filters()))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeVpcs", e))?;
    Ok(out
        .vpcs()
        .iter()
        .filter(|v| owner.owns(v.tags()))
        .find_map(|v| v.vpc_id().map(str::to_string)))
}

fn record(clients: &AwsClients, kind: RecordKind, vpc_id: String, cidr: String) -> Record {
    Record {
        kind,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:vpc/{vpc_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: vpc_id,
        attributes: BTreeMap::from([("cidr".to_string(), cidr)]),
        depends_on: Vec::new(),
    }
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::Vpc {
    type Desired = Cidr;

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<Cidr, ChildError> {
        Ok(self.cidr)
    }

    async fn ensure(&self, cx: &Cx<'_>, cidr: &Cidr) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), *cidr).await
    }

    /// A rule added to the default security group; DNS support and hostnames are set again on
    /// every apply.
    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        _: &Cidr,
    ) -> Result<Vec<String>, ChildError> {
        let known = cx.env.reads.default_group(&record.physical_id);
        security_group::default_group_rules(cx.clients, &record.physical_id, known).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.kind != KIND
    }
}

impl ChildKind for kinds::ExistingVpc {
    type Desired = ();

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<(), ChildError> {
        Ok(())
    }

    async fn ensure(&self, cx: &Cx<'_>, _: &()) -> Result<Record, ChildError> {
        read_existing(cx.clients, cx.id, &self.vpc_id).await
    }

    /// The user's VPC is theirs to govern.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &()) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != self.vpc_id
    }
}
