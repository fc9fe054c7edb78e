//! Reads made once for a whole refresh instead of once per child.
//!
//! A refresh (`environment::drift`) reads every child. EC2 describes many resources in one
//! call, so the environment's VPC endpoints (17 of the ~45 children with the default
//! endpoints) are read together here, before the per-child reads, which then look their
//! endpoint up instead of calling AWS. Apply, ensure and delete never use these: they must see
//! AWS as it is at that moment.

use std::collections::HashMap;

use aws_sdk_ec2::types::VpcEndpoint;

use super::vpc_endpoint::{GATEWAY_KIND, INTERFACE_KIND};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Ledger;

/// What was read ahead for a refresh. `None` for a group not read ahead (or whose read failed):
/// its children read for themselves, as without it.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    endpoints: Option<HashMap<String, VpcEndpoint>>,
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
        Reads {
            endpoints: read_endpoints(clients, &endpoint_ids).await,
        }
    }

    /// The endpoint `id` as read ahead.
    pub fn endpoint(&self, id: &str) -> Known<'_, VpcEndpoint> {
        match &self.endpoints {
            None => Known::Unknown,
            Some(found) => found.get(id).map_or(Known::Missing, Known::Found),
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
