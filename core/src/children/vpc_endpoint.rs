//! VPC endpoints: the S3 gateway endpoint on the private route tables, and interface endpoints
//! with private DNS in every private subnet behind the endpoint security group.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, VpcEndpoint, VpcEndpointType};

use super::ec2_tags::{filter, Owner, DEPENDENCY_RETRY_BUDGET};
use super::network::ChildError;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of the S3 gateway endpoint the environment created.
pub const GATEWAY_KIND: &str = "s3-gateway-endpoint";
/// Record kind of an S3 gateway endpoint the user brought (never deleted).
pub const EXISTING_GATEWAY_KIND: &str = "existing-s3-endpoint";
/// Record kind of an interface endpoint.
pub const INTERFACE_KIND: &str = "interface-endpoint";

/// States in which an endpoint is gone or going, and so is neither adopted nor waited for.
const GONE_STATES: &[&str] = &["deleted", "deleting", "expired", "rejected", "failed"];

/// The full service name of an interface endpoint: `com.amazonaws.<region>.<service>`, except
/// Studio's and notebook instances' own endpoints, which are `aws.sagemaker.<region>.<service>`.
pub fn interface_service_name(region: &str, service: &str) -> String {
    match service {
        "notebook" | "studio" => format!("aws.sagemaker.{region}.{service}"),
        _ => format!("com.amazonaws.{region}.{service}"),
    }
}

/// The S3 gateway endpoint's service name.
pub fn s3_service_name(region: &str) -> String {
    format!("com.amazonaws.{region}.s3")
}

/// What a new endpoint is.
#[derive(Debug, Clone)]
pub enum EndpointSettings {
    /// A gateway endpoint on these route tables with this policy.
    Gateway {
        /// Route table ids.
        route_table_ids: Vec<String>,
        /// The endpoint policy (JSON).
        policy: String,
    },
    /// An interface endpoint with private DNS in these subnets behind this group.
    Interface {
        /// Subnet ids, one per zone.
        subnet_ids: Vec<String>,
        /// The endpoint security group id.
        security_group_id: String,
    },
}

/// Adopts the endpoint tagged as `owner` in the VPC, or creates it (with a deterministic client
/// token), then waits until it is available. A gateway endpoint that was adopted gets any of
/// `route_table_ids` it lacks added.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    service_name: &str,
    settings: &EndpointSettings,
) -> Result<Record, ChildError> {
    let (endpoint_id, kind) = match find(clients, owner, vpc_id).await? {
        Some(found) => {
            let id = found.vpc_endpoint_id().unwrap_or_default().to_string();
            if let EndpointSettings::Gateway {
                route_table_ids, ..
            } = settings
            {
                let missing: Vec<String> = route_table_ids
                    .iter()
                    .filter(|t| !found.route_table_ids().contains(t))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    clients
                        .ec2
                        .modify_vpc_endpoint()
                        .vpc_endpoint_id(&id)
                        .set_add_route_table_ids(Some(missing))
                        .send()
                        .await
                        .map_err(|e| AwsCallError::from_sdk("ec2", "ModifyVpcEndpoint", e))?;
                }
            }
            (id, kind_of(settings))
        }
        None => {
            let mut call = clients
                .ec2
                .create_vpc_endpoint()
                .vpc_id(vpc_id)
                .service_name(service_name)
                .client_token(owner.client_token(vpc_id))
                .tag_specifications(owner.tag_specification(ResourceType::VpcEndpoint, tags));
            call = match settings {
                EndpointSettings::Gateway {
                    route_table_ids,
                    policy,
                } => call
                    .vpc_endpoint_type(VpcEndpointType::Gateway)
                    .set_route_table_ids(Some(route_table_ids.clone()))
                    .policy_document(policy),
                EndpointSettings::Interface {
                    subnet_ids,
                    security_group_id,
                } => call
                    .vpc_endpoint_type(VpcEndpointType::Interface)
                    .set_subnet_ids(Some(subnet_ids.clone()))
                    .security_group_ids(security_group_id)
                    .private_dns_enabled(true),
            };
            let out = call
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "CreateVpcEndpoint", e))?;
            let id = out
                .vpc_endpoint()
                .and_then(VpcEndpoint::vpc_endpoint_id)
                .ok_or(ChildError::IncompleteAnswer {
                    operation: "CreateVpcEndpoint",
                    missing: "VpcEndpointId",
                })?;
            (id.to_string(), kind_of(settings))
        }
    };
    wait_available(clients, &endpoint_id).await?;
    Ok(record(clients, kind, endpoint_id, service_name))
}

/// Reads an S3 gateway endpoint the user brought; fails clearly when it does not exist.
pub async fn read_existing(
    clients: &AwsClients,
    logical_id: &str,
    endpoint_id: &str,
) -> Result<Record, ChildError> {
    match describe(clients, endpoint_id).await? {
        Some(found) if !is_gone(&found) => Ok(record(
            clients,
            EXISTING_GATEWAY_KIND,
            endpoint_id.to_string(),
            found.service_name().unwrap_or_default(),
        )),
        _ => Err(ChildError::ExistingNotFound {
            child: logical_id.to_string(),
            id: endpoint_id.to_string(),
        }),
    }
}

/// Deletes the endpoint and waits until it is gone. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, endpoint_id: &str) -> Result<(), ChildError> {
    let out = match clients
        .ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(endpoint_id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DeleteVpcEndpoints", e);
            return if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            };
        }
    };
    // The call succeeds as a whole and lists per-endpoint failures.
    if let Some(failure) = out.unsuccessful().iter().find_map(|u| u.error()) {
        let code = failure.code().unwrap_or("Unknown").to_string();
        if !code.ends_with("NotFound") {
            return Err(ChildError::DeleteRefused {
                operation: "DeleteVpcEndpoints",
                id: endpoint_id.to_string(),
                code,
                message: failure.message().unwrap_or_default().to_string(),
            });
        }
        return Ok(());
    }
    poll_until(
        &format!("VPC endpoint {endpoint_id} to be deleted"),
        Deadline::after(DEPENDENCY_RETRY_BUDGET),
        || async {
            Ok::<_, AwsCallError>(match describe(clients, endpoint_id).await? {
                Some(found) if found.state().map(|s| s.as_str()) != Some("deleted") => {
                    Poll::Pending(format!("state {:?}", found.state().map(|s| s.as_str())))
                }
                _ => Poll::Ready(()),
            })
        },
    )
    .await?;
    Ok(())
}

async fn wait_available(clients: &AwsClients, endpoint_id: &str) -> Result<(), ChildError> {
    let state = poll_until(
        &format!("VPC endpoint {endpoint_id} to be available"),
        Deadline::after(DEPENDENCY_RETRY_BUDGET),
        || async {
            let Some(found) = describe(clients, endpoint_id).await? else {
                return Ok::<_, AwsCallError>(Poll::Ready(None));
            };
            let state = found.state().map(|s| s.as_str().to_string());
            Ok(match state.as_deref() {
                Some("pending") | Some("pendingAcceptance") => {
                    Poll::Pending(format!("state {state:?}"))
                }
                Some("available") | None => Poll::Ready(None),
                Some(other) => Poll::Ready(Some((
                    other.to_string(),
                    found
                        .last_error()
                        .and_then(|e| e.message())
                        .or(found.failure_reason())
                        .unwrap_or_default()
                        .to_string(),
                ))),
            })
        },
    )
    .await?;
    match state {
        None => Ok(()),
        Some((state, reason)) => Err(ChildError::Unusable {
            id: endpoint_id.to_string(),
            state,
            reason,
        }),
    }
}

async fn describe(
    clients: &AwsClients,
    endpoint_id: &str,
) -> Result<Option<VpcEndpoint>, AwsCallError> {
    match clients
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(endpoint_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.vpc_endpoints().first().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeVpcEndpoints", e);
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
    vpc_id: &str,
) -> Result<Option<VpcEndpoint>, AwsCallError> {
    let mut filters = owner.filters();
    filters.push(filter("vpc-id", vpc_id));
    let out = clients
        .ec2
        .describe_vpc_endpoints()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeVpcEndpoints", e))?;
    Ok(out
        .vpc_endpoints()
        .iter()
        .find(|e| owner.owns(e.tags()) && e.vpc_id() == Some(vpc_id) && !is_gone(e))
        .cloned())
}

fn is_gone(endpoint: &VpcEndpoint) -> bool {
    endpoint
        .state()
        .is_some_and(|s| GONE_STATES.contains(&s.as_str()))
}

fn kind_of(settings: &EndpointSettings) -> &'static str {
    match settings {
        EndpointSettings::Gateway { .. } => GATEWAY_KIND,
        EndpointSettings::Interface { .. } => INTERFACE_KIND,
    }
}

fn record(clients: &AwsClients, kind: &str, endpoint_id: String, service_name: &str) -> Record {
    Record {
        kind: kind.to_string(),
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:vpc-endpoint/{endpoint_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: endpoint_id,
        attributes: BTreeMap::from([("service_name".to_string(), service_name.to_string())]),
        depends_on: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sagemaker_ui_endpoints_have_their_own_service_names() {
        assert_eq!(
            interface_service_name("us-east-1", "studio"),
            "aws.sagemaker.us-east-1.studio"
        );
        assert_eq!(
            interface_service_name("us-east-1", "notebook"),
            "aws.sagemaker.us-east-1.notebook"
        );
        assert_eq!(
            interface_service_name("eu-west-1", "sagemaker.api"),
            "com.amazonaws.eu-west-1.sagemaker.api"
        );
        assert_eq!(s3_service_name("eu-west-1"), "com.amazonaws.eu-west-1.s3");
    }
}
