//! The SageMaker security group (all traffic, only from itself) and the endpoint security group
//! (TCP 443 from the SageMaker group and the private subnets). Neither has ingress from
//! anywhere else; both keep the default egress.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType, SecurityGroup, UserIdGroupPair};

use super::ec2_tags::{delete_retrying, filter, Owner};
use super::network::ChildError;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;

/// Record kind of a security group.
pub const KIND: &str = "security-group";

/// One ingress rule the engine wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingress {
    /// Every protocol and port from members of this group itself.
    AllFromSelf,
    /// TCP on one port from members of another group.
    TcpFromGroup {
        /// The port.
        port: i32,
        /// The source group's id.
        group_id: String,
    },
    /// TCP on one port from an IPv4 CIDR.
    TcpFromCidr {
        /// The port.
        port: i32,
        /// The source CIDR.
        cidr: String,
    },
}

impl Ingress {
    fn permission(&self, own_group_id: &str) -> IpPermission {
        match self {
            Ingress::AllFromSelf => IpPermission::builder()
                .ip_protocol("-1")
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(own_group_id).build())
                .build(),
            Ingress::TcpFromGroup { port, group_id } => IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(*port)
                .to_port(*port)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(group_id).build())
                .build(),
            Ingress::TcpFromCidr { port, cidr } => IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(*port)
                .to_port(*port)
                .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
                .build(),
        }
    }

    fn present_in(&self, own_group_id: &str, existing: &[IpPermission]) -> bool {
        existing.iter().any(|p| match self {
            Ingress::AllFromSelf => {
                p.ip_protocol() == Some("-1")
                    && p.user_id_group_pairs()
                        .iter()
                        .any(|g| g.group_id() == Some(own_group_id))
            }
            Ingress::TcpFromGroup { port, group_id } => {
                p.ip_protocol() == Some("tcp")
                    && p.from_port() == Some(*port)
                    && p.to_port() == Some(*port)
                    && p.user_id_group_pairs()
                        .iter()
                        .any(|g| g.group_id() == Some(group_id.as_str()))
            }
            Ingress::TcpFromCidr { port, cidr } => {
                p.ip_protocol() == Some("tcp")
                    && p.from_port() == Some(*port)
                    && p.to_port() == Some(*port)
                    && p.ip_ranges()
                        .iter()
                        .any(|r| r.cidr_ip() == Some(cidr.as_str()))
            }
        })
    }
}

/// Adopts the group tagged as `owner` in the VPC, or creates it (named `<env id>-<logical id>`);
/// then adds whichever of `ingress` is missing.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    description: &str,
    ingress: &[Ingress],
) -> Result<Record, ChildError> {
    let (group_id, existing) = match find(clients, owner, vpc_id).await? {
        Some(group) => (
            group.group_id().unwrap_or_default().to_string(),
            group.ip_permissions().to_vec(),
        ),
        None => {
            let out = clients
                .ec2
                .create_security_group()
                .group_name(owner.name())
                .description(description)
                .vpc_id(vpc_id)
                .tag_specifications(owner.tag_specification(ResourceType::SecurityGroup, tags))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "CreateSecurityGroup", e))?;
            let id = out.group_id().ok_or(ChildError::IncompleteAnswer {
                operation: "CreateSecurityGroup",
                missing: "GroupId",
            })?;
            (id.to_string(), Vec::new())
        }
    };
    for rule in ingress {
        if rule.present_in(&group_id, &existing) {
            continue;
        }
        let result = clients
            .ec2
            .authorize_security_group_ingress()
            .group_id(&group_id)
            .ip_permissions(rule.permission(&group_id))
            .send()
            .await;
        if let Err(e) = result {
            let err = AwsCallError::from_sdk("ec2", "AuthorizeSecurityGroupIngress", e);
            if err.code != "InvalidPermission.Duplicate" {
                return Err(err.into());
            }
        }
    }
    Ok(Record {
        kind: KIND.to_string(),
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:security-group/{group_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: group_id,
        attributes: BTreeMap::from([
            ("vpc_id".to_string(), vpc_id.to_string()),
            ("group_name".to_string(), owner.name()),
        ]),
        depends_on: Vec::new(),
    })
}

/// Revokes the group's ingress rules that reference other groups (AWS refuses to delete a group
/// another group's rule references), then deletes it, retrying while network interfaces still
/// use it. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, group_id: &str) -> Result<(), ChildError> {
    let out = match clients
        .ec2
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e);
            return if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            };
        }
    };
    let Some(group) = out.security_groups().first() else {
        return Ok(());
    };
    let referencing: Vec<IpPermission> = group
        .ip_permissions()
        .iter()
        .filter(|p| {
            p.user_id_group_pairs()
                .iter()
                .any(|g| g.group_id().is_some_and(|id| id != group_id))
        })
        .cloned()
        .collect();
    if !referencing.is_empty() {
        if let Err(e) = clients
            .ec2
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(referencing))
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "RevokeSecurityGroupIngress", e);
            if !err.is_not_found() {
                return Err(err.into());
            }
        }
    }
    delete_retrying(
        &format!("security group {group_id} to be deletable"),
        || {
            let ec2 = clients.ec2.clone();
            let id = group_id.to_string();
            async move {
                ec2.delete_security_group()
                    .group_id(id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("ec2", "DeleteSecurityGroup", e))
            }
        },
    )
    .await?;
    Ok(())
}

async fn find(
    clients: &AwsClients,
    owner: Owner<'_>,
    vpc_id: &str,
) -> Result<Option<SecurityGroup>, AwsCallError> {
    let mut filters = owner.filters();
    filters.push(filter("vpc-id", vpc_id));
    let out = clients
        .ec2
        .describe_security_groups()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
    Ok(out
        .security_groups()
        .iter()
        .find(|g| owner.owns(g.tags()) && g.vpc_id() == Some(vpc_id))
        .cloned())
}
