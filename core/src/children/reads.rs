//! Reads made once for a whole refresh instead of once per child.
//!
//! A refresh (`environment::drift`) reads every child. EC2 describes many resources in one
//! call, so the environment's VPC endpoints (17 of the ~45 children with the default
//! endpoints), its VPC's security groups (the default one included) and its route tables are
//! read together here, before the per-child reads, which then look theirs up instead of
//! calling AWS. Apply, ensure and delete never use these: they must see
//! AWS as it is at that moment.

use std::collections::HashMap;

use aws_sdk_ec2::types::{Filter, RouteTable, SecurityGroup, VpcEndpoint};

use super::vpc_endpoint::{GATEWAY_KIND, INTERFACE_KIND};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Ledger;
use crate::ids::LogicalId;

/// What was read ahead for a refresh. `None` for a group not read ahead (or whose read failed):
/// its children read for themselves, as without it.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    endpoints: Option<HashMap<String, VpcEndpoint>>,
    /// Every security group of the environment's VPC, by id.
    groups: Option<HashMap<String, SecurityGroup>>,
    /// Every route table of the environment's VPC, by id.
    tables: Option<HashMap<String, RouteTable>>,
}

/// What the read ahead knows of one resource.
#[derive(Debug, Clone, Copy)]
pub enum Known<'a, T> {
    /// Not read ahead: the child reads it itself.
    Unknown,
    /// Read ahead: it exists and is this.
    Found(&'a T),
    /// Read ahead: it does not exist.
    Missing,
}

impl<T: Clone> Known<'_, T> {
    /// The resource: as read ahead, or by `read` when it was not.
    pub async fn or_read<E, F>(self, read: F) -> Result<Option<T>, E>
    where
        F: std::future::Future<Output = Result<Option<T>, E>>,
    {
        match self {
            Known::Found(found) => Ok(Some(found.clone())),
            Known::Missing => Ok(None),
            Known::Unknown => read.await,
        }
    }
}

impl Reads {
    /// Reads ahead what the children recorded in `ledger` will need. A failed read leaves its
    /// group unread (`Known::Unknown`): the children then read for themselves and report the
    /// error, if it recurs, on their own path.
    pub async fn load(clients: &AwsClients, ledger: &Ledger) -> Reads {
        let endpoint_ids: Vec<String> = ledger
            .iter()
            .filter(|(_, r)| r.kind == GATEWAY_KIND || r.kind == INTERFACE_KIND)
            .map(|(_, r)| r.physical_id.clone())
            .collect();
        let vpc_id = ledger
            .get(&LogicalId::Vpc.to_string())
            .map(|r| r.physical_id.clone());
        let (endpoints, groups, tables) = match &vpc_id {
            Some(vpc_id) => {
                let (e, g, t) = tokio::join!(
                    read_endpoints(clients, &endpoint_ids),
                    read_groups(clients, vpc_id),
                    read_tables(clients, vpc_id),
                );
                (e, g, t)
            }
            None => (read_endpoints(clients, &endpoint_ids).await, None, None),
        };
        Reads {
            endpoints,
            groups: groups.map(|list| by_id(list, |g| g.group_id())),
            tables: tables.map(|list| by_id(list, |t| t.route_table_id())),
        }
    }

    /// The security group `id` as read ahead (a group of the environment's VPC).
    pub fn group(&self, id: &str) -> Known<'_, SecurityGroup> {
        known(&self.groups, id)
    }

    /// The VPC's default security group as read ahead.
    pub fn default_group(&self, vpc_id: &str) -> Known<'_, SecurityGroup> {
        match &self.groups {
            None => Known::Unknown,
            Some(groups) => groups
                .values()
                .find(|g| g.group_name() == Some("default") && g.vpc_id() == Some(vpc_id))
                .map_or(Known::Missing, Known::Found),
        }
    }

    /// The route table `id` as read ahead (a table of the environment's VPC).
    pub fn table(&self, id: &str) -> Known<'_, RouteTable> {
        known(&self.tables, id)
    }

    /// The endpoint `id` as read ahead.
    pub fn endpoint(&self, id: &str) -> Known<'_, VpcEndpoint> {
        known(&self.endpoints, id)
    }
}

fn known<'a, T>(read: &'a Option<HashMap<String, T>>, id: &str) -> Known<'a, T> {
    match read {
        None => Known::Unknown,
        Some(found) => found.get(id).map_or(Known::Missing, Known::Found),
    }
}

fn by_id<T>(list: Vec<T>, id: impl Fn(&T) -> Option<&str>) -> HashMap<String, T> {
    list.into_iter()
        .filter_map(|item| Some((id(&item)?.to_string(), item)))
        .collect()
}

fn vpc_filter(vpc_id: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc_id).build()
}

/// Every security group of `vpc_id` in one call.
async fn read_groups(clients: &AwsClients, vpc_id: &str) -> Option<Vec<SecurityGroup>> {
    let answer = clients
        .ec2
        .describe_security_groups()
        .filters(vpc_filter(vpc_id))
        .send()
        .await
        .map(|out| (out.security_groups().to_vec(), out.next_token().is_some()))
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e));
    whole(answer)
}

/// Every route table of `vpc_id` in one call.
async fn read_tables(clients: &AwsClients, vpc_id: &str) -> Option<Vec<RouteTable>> {
    let answer = clients
        .ec2
        .describe_route_tables()
        .filters(vpc_filter(vpc_id))
        .send()
        .await
        .map(|out| (out.route_tables().to_vec(), out.next_token().is_some()))
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeRouteTables", e));
    whole(answer)
}

/// The items of an answer that holds them all; `None` when it is partial (a next page) or the
/// call failed, so that nothing is taken for deleted by mistake.
fn whole<T>(answer: Result<(Vec<T>, bool), AwsCallError>) -> Option<Vec<T>> {
    match answer {
        Ok((items, false)) => Some(items),
        Ok((_, true)) => None,
        Err(err) => {
            tracing::debug!(error = %err, "not read ahead: each child reads for itself");
            None
        }
    }
}

/// Every endpoint of `ids` in one call (EC2 takes up to 1,000 ids). EC2 fails the whole call when
/// one id no longer exists: then nothing is known ahead and each endpoint is read on its own,
/// which tells which one is gone.
async fn read_endpoints(
    clients: &AwsClients,
    ids: &[String],
) -> Option<HashMap<String, VpcEndpoint>> {
    if ids.is_empty() || ids.len() > 1000 {
        return None;
    }
    match clients
        .ec2
        .describe_vpc_endpoints()
        .set_vpc_endpoint_ids(Some(ids.to_vec()))
        .send()
        .await
    {
        Ok(out) => {
            let found: HashMap<String, VpcEndpoint> = out
                .vpc_endpoints()
                .iter()
                .filter_map(|e| Some((e.vpc_endpoint_id()?.to_string(), e.clone())))
                .collect();
            // An answer that leaves ids out without an error is not one to conclude from.
            (found.len() == ids.len()).then_some(found)
        }
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeVpcEndpoints", e);
            tracing::debug!(error = %err, "endpoints not read ahead: each is read on its own");
            None
        }
    }
}
