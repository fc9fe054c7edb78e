//! VPC endpoints: the S3 gateway endpoint on the private route tables, and interface endpoints
//! with private DNS in every private subnet behind the endpoint security group.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, VpcEndpoint, VpcEndpointType};
use serde_json::Value;

use super::ec2_tags::{filter, Owner, DEPENDENCY_RETRY_BUDGET};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::reads::Known;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;
use crate::policy::environment::{
    interface_endpoint_policy, policies_equivalent, s3_endpoint_policy,
};
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of the S3 gateway endpoint the environment created.
pub const GATEWAY_KIND: RecordKind = RecordKind::S3GatewayEndpoint;
/// Record kind of an S3 gateway endpoint the user brought (never deleted).
pub const EXISTING_GATEWAY_KIND: RecordKind = RecordKind::ExistingS3Endpoint;
/// Record kind of an interface endpoint.
pub const INTERFACE_KIND: RecordKind = RecordKind::InterfaceEndpoint;

/// Record attribute holding the child's logical id, which drift reports name.
const LOGICAL_ID_ATTRIBUTE: &str = "logical_id";

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
        /// The endpoint policy (JSON); `None` leaves AWS's default (the Studio UI endpoints, see
        /// [`crate::policy::environment::endpoint`]).
        policy: Option<String>,
    },
}

/// Adopts the endpoint tagged as `owner` in the VPC, or creates it (with a deterministic client
/// token), then waits until it is available. An adopted endpoint is repaired: a gateway endpoint
/// gets any of `route_table_ids` it lacks and its policy back when it is not equivalent to
/// `policy`; an interface endpoint gets missing subnets, exactly its security group, private
/// DNS on, and its policy back when it has one and the endpoint's is not equivalent.
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
            repair(clients, &found, settings).await?;
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
                    policy,
                } => call
                    .vpc_endpoint_type(VpcEndpointType::Interface)
                    .set_subnet_ids(Some(subnet_ids.clone()))
                    .security_group_ids(security_group_id)
                    .private_dns_enabled(true)
                    .set_policy_document(policy.clone()),
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
    let mut created = record(clients, kind, endpoint_id, service_name);
    created.attributes.insert(
        LOGICAL_ID_ATTRIBUTE.to_string(),
        owner.logical_id.to_string(),
    );
    Ok(created)
}

/// What differs between the endpoint in `record` and `settings`, one line each; empty when it
/// complies. Gateway: the policy (compared semantically) and missing route tables. Interface:
/// the policy (when it has one), private DNS, missing subnets, the security groups. An endpoint deleted outside the engine is
/// drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    settings: &EndpointSettings,
) -> Result<Vec<String>, ChildError> {
    drift_known(clients, record, settings, Known::Unknown).await
}

/// [`drift`], with the endpoint as a refresh read it ahead.
async fn drift_known(
    clients: &AwsClients,
    record: &Record,
    settings: &EndpointSettings,
    known: Known<'_, VpcEndpoint>,
) -> Result<Vec<String>, ChildError> {
    let found = known
        .or_read(describe(clients, &record.physical_id))
        .await?;
    let name = record
        .attributes
        .get(LOGICAL_ID_ATTRIBUTE)
        .map_or(record.kind.as_str(), String::as_str);
    let label = format!("{name} ({})", record.physical_id);
    Ok(match found {
        Some(found) if !is_gone(&found) => differences(&found, settings)
            .iter()
            .map(|d| format!("{label}: {d}"))
            .collect(),
        _ => vec![format!(
            "{label}: deleted outside the engine; apply recreates it"
        )],
    })
}

/// One way an endpoint differs from its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Difference {
    Policy,
    RouteTablesMissing(Vec<String>),
    PrivateDnsOff,
    SubnetsMissing(Vec<String>),
    SecurityGroups {
        extra: Vec<String>,
        missing: Vec<String>,
    },
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Policy => write!(
                f,
                "the endpoint policy is not the environment's; apply rewrites it"
            ),
            Difference::RouteTablesMissing(ids) => write!(
                f,
                "route tables {} are missing; apply adds them",
                ids.join(", ")
            ),
            Difference::PrivateDnsOff => write!(f, "private DNS is off; apply turns it on"),
            Difference::SubnetsMissing(ids) => {
                write!(f, "subnets {} are missing; apply adds them", ids.join(", "))
            }
            Difference::SecurityGroups { extra, missing } => write!(
                f,
                "security groups differ (extra: [{}], missing: [{}]); apply sets them",
                extra.join(", "),
                missing.join(", ")
            ),
        }
    }
}

fn differences(found: &VpcEndpoint, settings: &EndpointSettings) -> Vec<Difference> {
    let absent = |wanted: &[String], have: &[String]| -> Vec<String> {
        wanted
            .iter()
            .filter(|w| !have.contains(w))
            .cloned()
            .collect()
    };
    let policy_differs = |policy: &String| {
        let current = found.policy_document().unwrap_or_default();
        !policies_equivalent(
            &Value::String(current.to_string()),
            &Value::String(policy.clone()),
        )
    };
    let mut out = Vec::new();
    match settings {
        EndpointSettings::Gateway {
            route_table_ids,
            policy,
        } => {
            if policy_differs(policy) {
                out.push(Difference::Policy);
            }
            let missing = absent(route_table_ids, found.route_table_ids());
            if !missing.is_empty() {
                out.push(Difference::RouteTablesMissing(missing));
            }
        }
        EndpointSettings::Interface {
            subnet_ids,
            security_group_id,
            policy,
        } => {
            if policy.as_ref().is_some_and(policy_differs) {
                out.push(Difference::Policy);
            }
            if found.private_dns_enabled() != Some(true) {
                out.push(Difference::PrivateDnsOff);
            }
            let missing = absent(subnet_ids, found.subnet_ids());
            if !missing.is_empty() {
                out.push(Difference::SubnetsMissing(missing));
            }
            let groups: Vec<String> = found
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect();
            let wanted = [security_group_id.clone()];
            let (extra, missing) = (absent(&groups, &wanted), absent(&wanted, &groups));
            if !extra.is_empty() || !missing.is_empty() {
                out.push(Difference::SecurityGroups { extra, missing });
            }
        }
    }
    out
}

/// Brings an adopted endpoint back to `settings` in one `ModifyVpcEndpoint` call, if anything
/// differs.
async fn repair(
    clients: &AwsClients,
    found: &VpcEndpoint,
    settings: &EndpointSettings,
) -> Result<(), ChildError> {
    let found_differences = differences(found, settings);
    if found_differences.is_empty() {
        return Ok(());
    }
    let id = found.vpc_endpoint_id().unwrap_or_default();
    tracing::info!(endpoint = %id, differences = ?found_differences, "repairing an adopted endpoint");
    let mut call = clients.ec2.modify_vpc_endpoint().vpc_endpoint_id(id);
    for difference in found_differences {
        call = match (difference, settings) {
            (Difference::Policy, EndpointSettings::Gateway { policy, .. })
            | (
                Difference::Policy,
                EndpointSettings::Interface {
                    policy: Some(policy),
                    ..
                },
            ) => call.policy_document(policy),
            (Difference::RouteTablesMissing(ids), _) => call.set_add_route_table_ids(Some(ids)),
            (Difference::PrivateDnsOff, _) => call.private_dns_enabled(true),
            (Difference::SubnetsMissing(ids), _) => call.set_add_subnet_ids(Some(ids)),
            (Difference::SecurityGroups { extra, missing }, _) => call
                .set_add_security_group_ids((!missing.is_empty()).then_some(missing))
                .set_remove_security_group_ids((!extra.is_empty()).then_some(extra)),
            (Difference::Policy, EndpointSettings::Interface { policy: None, .. }) => call,
        };
    }
    call.send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "ModifyVpcEndpoint", e))?;
    Ok(())
}

/// Reads an S3 gateway endpoint the user brought; fails clearly when it does not exist.
pub async fn read_existing(
    clients: &AwsClients,
    logical_id: &str,
    endpoint_id: &str,
    vpc_id: &str,
) -> Result<Record, ChildError> {
    match describe(clients, endpoint_id).await? {
        Some(found) if !is_gone(&found) => {
            let expected = format!("com.amazonaws.{}.s3", clients.region);
            if let Some(why) = brought_s3_endpoint_problem(&found, vpc_id, &expected) {
                return Err(ChildError::Refused {
                    child: logical_id.to_string(),
                    reason: format!("S3 endpoint {endpoint_id} {why}"),
                });
            }
            Ok(record(
                clients,
                EXISTING_GATEWAY_KIND,
                endpoint_id.to_string(),
                found.service_name().unwrap_or_default(),
            ))
        }
        _ => Err(ChildError::ExistingNotFound {
            child: logical_id.to_string(),
            id: endpoint_id.to_string(),
        }),
    }
}

/// Why the brought S3 endpoint `endpoint_id` cannot serve an environment in `vpc_id`, if it
/// cannot (not existing included): what plan checks before anything is made.
pub(crate) async fn brought_s3_endpoint_check(
    clients: &AwsClients,
    endpoint_id: &str,
    vpc_id: &str,
) -> Result<Option<String>, AwsCallError> {
    let expected = format!("com.amazonaws.{}.s3", clients.region);
    Ok(match describe(clients, endpoint_id).await? {
        Some(found) if !is_gone(&found) => brought_s3_endpoint_problem(&found, vpc_id, &expected),
        _ => Some("does not exist in this account and region".to_string()),
    })
}

/// Why a brought S3 endpoint cannot serve the environment, if it cannot: it must be the S3
/// gateway endpoint of the environment's VPC (the buckets' policies admit only it), and its
/// policy must not allow every bucket (the environment's own endpoint allows its buckets and the
/// AWS-owned ones Studio needs; an open one lets data be copied to any bucket of any account).
fn brought_s3_endpoint_problem(
    endpoint: &VpcEndpoint,
    vpc_id: &str,
    service_name: &str,
) -> Option<String> {
    if endpoint.vpc_id() != Some(vpc_id) {
        return Some(format!(
            "is in VPC {}, not the environment's {vpc_id}",
            endpoint.vpc_id().unwrap_or("unknown")
        ));
    }
    if endpoint.service_name() != Some(service_name)
        || endpoint.vpc_endpoint_type() != Some(&aws_sdk_ec2::types::VpcEndpointType::Gateway)
    {
        return Some(format!(
            "is not the {service_name} gateway endpoint (it is {} of {})",
            endpoint
                .vpc_endpoint_type()
                .map_or("an endpoint", |t| t.as_str()),
            endpoint.service_name().unwrap_or("an unknown service")
        ));
    }
    let policy = endpoint
        .policy_document()
        .map(crate::children::tags::iam_document)
        .unwrap_or(serde_json::Value::Null);
    if allows_every_bucket(&policy) {
        return Some(
            "has a policy that allows every bucket (AWS's default full access): limit it to \
             the environment's buckets and the AWS-owned ones SageMaker needs (the policy the \
             environment gives its own endpoint is in docs/security.md), then apply again"
                .to_string(),
        );
    }
    None
}

/// Whether an endpoint policy has an Allow on every resource (or no policy at all, which is
/// full access).
fn allows_every_bucket(policy: &serde_json::Value) -> bool {
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        serde_json::Value::Null => return true,
        one => vec![one.clone()],
    };
    statements.iter().any(|s| {
        let resources = match &s["Resource"] {
            serde_json::Value::Array(list) => list.clone(),
            one => vec![one.clone()],
        };
        s["Effect"] == "Allow"
            && resources.iter().any(|r| {
                r.as_str()
                    .is_some_and(|r| r == "*" || r.ends_with(":s3:::*") || r.ends_with(":::*/*"))
            })
    })
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

fn kind_of(settings: &EndpointSettings) -> RecordKind {
    match settings {
        EndpointSettings::Gateway { .. } => GATEWAY_KIND,
        EndpointSettings::Interface { .. } => INTERFACE_KIND,
    }
}

fn record(
    clients: &AwsClients,
    kind: RecordKind,
    endpoint_id: String,
    service_name: &str,
) -> Record {
    Record {
        kind,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:vpc-endpoint/{endpoint_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: endpoint_id,
        attributes: BTreeMap::from([("service_name".to_string(), service_name.to_string())]),
        depends_on: Vec::new(),
    }
}

// --- the contract ----------------------------------------------------------------------------

/// What one of the environment's endpoints should be.
#[derive(Debug, Clone)]
pub struct EndpointPlan {
    /// Its VPC.
    pub vpc_id: String,
    /// The full service name (`com.amazonaws.<region>.<service>`).
    pub service_name: String,
    /// Its settings.
    pub settings: EndpointSettings,
}

/// The methods both endpoint kinds share: they differ in what they are attached to.
macro_rules! endpoint_methods {
    () => {
        async fn ensure(&self, cx: &Cx<'_>, plan: &EndpointPlan) -> Result<Record, ChildError> {
            let (vpc, service) = (&plan.vpc_id, &plan.service_name);
            ensure(
                cx.clients,
                cx.owner(),
                cx.tags(),
                vpc,
                service,
                &plan.settings,
            )
            .await
        }

        async fn drift(
            &self,
            cx: &Cx<'_>,
            record: &Record,
            plan: &EndpointPlan,
        ) -> Result<Vec<String>, ChildError> {
            let known = cx.env.reads.endpoint(&record.physical_id);
            drift_known(cx.clients, record, &plan.settings, known).await
        }
    };
}

impl ChildKind for kinds::S3GatewayEndpoint {
    type Desired = EndpointPlan;

    /// On the private route tables, with a policy limited to the environment's buckets.
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<EndpointPlan, ChildError> {
        let route_table_ids =
            inputs.dependency_ids(|id| matches!(id, LogicalId::PrivateRouteTable(_)))?;
        let policy = s3_endpoint_policy(&cx.env.facts, &cx.env.bucket_names.all()).to_string();
        Ok(EndpointPlan {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            service_name: s3_service_name(&cx.clients.region),
            settings: EndpointSettings::Gateway {
                route_table_ids,
                policy,
            },
        })
    }

    endpoint_methods!();

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.kind != GATEWAY_KIND
    }
}

impl ChildKind for kinds::InterfaceEndpoint {
    type Desired = EndpointPlan;

    /// In every private subnet, behind the endpoint security group, with a policy limiting it
    /// to the environment's account ([`interface_endpoint_policy`]).
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<EndpointPlan, ChildError> {
        let subnet_ids = inputs.dependency_ids(|id| matches!(id, LogicalId::PrivateSubnet(_)))?;
        Ok(EndpointPlan {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            service_name: interface_service_name(&cx.clients.region, &self.service),
            settings: EndpointSettings::Interface {
                subnet_ids,
                security_group_id: inputs.physical_id(&LogicalId::EndpointSecurityGroup)?,
                policy: interface_endpoint_policy(&cx.env.facts, &self.service)
                    .map(|p| p.to_string()),
            },
        })
    }

    endpoint_methods!();

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

impl ChildKind for kinds::ExistingS3Endpoint {
    /// The environment's VPC, which the endpoint must be in.
    type Desired = String;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<String, ChildError> {
        inputs.physical_id(&LogicalId::Vpc)
    }

    /// Read and verified (VPC, service, a policy not open to every bucket); never changed.
    async fn ensure(&self, cx: &Cx<'_>, vpc_id: &String) -> Result<Record, ChildError> {
        read_existing(cx.clients, cx.id, &self.endpoint_id, vpc_id).await
    }

    /// The user's endpoint is theirs to govern.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &String) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != self.endpoint_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brought_s3_endpoint_must_be_the_vpcs_and_not_open_to_every_bucket() {
        let endpoint = |vpc: &str, policy: &str| {
            VpcEndpoint::builder()
                .vpc_id(vpc)
                .service_name("com.amazonaws.eu-west-1.s3")
                .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Gateway)
                .policy_document(policy)
                .build()
        };
        let s3 = "com.amazonaws.eu-west-1.s3";
        let open =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        let limited = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::team-data","arn:aws:s3:::team-data/*"]}]}"#;
        assert!(brought_s3_endpoint_problem(&endpoint("vpc-1", limited), "vpc-1", s3).is_none());
        let why = brought_s3_endpoint_problem(&endpoint("vpc-1", open), "vpc-1", s3).unwrap();
        assert!(why.contains("every bucket"), "{why}");
        let why = brought_s3_endpoint_problem(&endpoint("vpc-2", limited), "vpc-1", s3).unwrap();
        assert!(why.contains("vpc-2"), "{why}");
        let star = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/*"}}"#;
        assert!(brought_s3_endpoint_problem(&endpoint("vpc-1", star), "vpc-1", s3).is_some());
    }

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

    #[test]
    fn a_gateway_policy_differs_only_when_it_grants_something_else() {
        let desired = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}]}"#;
        let settings = EndpointSettings::Gateway {
            route_table_ids: vec!["rtb-1".into(), "rtb-2".into()],
            policy: desired.into(),
        };
        // Same grants, other layout: no drift.
        let relaid = r#"{"Statement":[{"Resource":["arn:aws:s3:::b/*"],"Action":["s3:PutObject","s3:GetObject"],"Principal":{"AWS":"*"},"Effect":"Allow","Sid":"A"}],"Version":"2012-10-17"}"#;
        let found = VpcEndpoint::builder()
            .policy_document(relaid)
            .route_table_ids("rtb-1")
            .route_table_ids("rtb-2")
            .build();
        assert_eq!(differences(&found, &settings), []);
        // AWS's default full-access policy and a lost route table.
        let full =
            r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;
        let found = VpcEndpoint::builder()
            .policy_document(full)
            .route_table_ids("rtb-1")
            .build();
        assert_eq!(
            differences(&found, &settings),
            [
                Difference::Policy,
                Difference::RouteTablesMissing(vec!["rtb-2".into()])
            ]
        );
    }

    #[test]
    fn an_interface_endpoint_needs_private_dns_its_subnets_and_only_its_group() {
        use aws_sdk_ec2::types::SecurityGroupIdentifier;
        let settings = EndpointSettings::Interface {
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            security_group_id: "sg-endpoints".into(),
            policy: None,
        };
        let found = VpcEndpoint::builder()
            .private_dns_enabled(false)
            .subnet_ids("subnet-1")
            .groups(
                SecurityGroupIdentifier::builder()
                    .group_id("sg-default")
                    .build(),
            )
            .build();
        let found_differences = differences(&found, &settings);
        assert_eq!(
            found_differences,
            [
                Difference::PrivateDnsOff,
                Difference::SubnetsMissing(vec!["subnet-2".into()]),
                Difference::SecurityGroups {
                    extra: vec!["sg-default".into()],
                    missing: vec!["sg-endpoints".into()],
                },
            ]
        );
        assert_eq!(
            found_differences[2].to_string(),
            "security groups differ (extra: [sg-default], missing: [sg-endpoints]); apply sets them"
        );
    }

    #[test]
    fn an_interface_endpoint_with_a_policy_drifts_when_the_policy_is_another() {
        use aws_sdk_ec2::types::SecurityGroupIdentifier;
        let facts = crate::policy::environment::EnvironmentFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "team-a".into(),
            stage: "dev".into(),
            trusted_principal_arns: Vec::new(),
        };
        let policy = interface_endpoint_policy(&facts, "ssm")
            .unwrap()
            .to_string();
        let settings = EndpointSettings::Interface {
            subnet_ids: vec!["subnet-1".into()],
            security_group_id: "sg-endpoints".into(),
            policy: Some(policy.clone()),
        };
        let endpoint = |document: &str| {
            VpcEndpoint::builder()
                .private_dns_enabled(true)
                .subnet_ids("subnet-1")
                .groups(
                    SecurityGroupIdentifier::builder()
                        .group_id("sg-endpoints")
                        .build(),
                )
                .policy_document(document)
                .build()
        };
        // AWS's default full-access policy, what every interface endpoint had before.
        let full =
            r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;
        assert_eq!(
            differences(&endpoint(full), &settings),
            [Difference::Policy]
        );
        assert_eq!(differences(&endpoint(&policy), &settings), []);
        // The Studio UI endpoints keep AWS's default: no policy drift reported.
        let studio = EndpointSettings::Interface {
            subnet_ids: vec!["subnet-1".into()],
            security_group_id: "sg-endpoints".into(),
            policy: interface_endpoint_policy(&facts, "studio").map(|p| p.to_string()),
        };
        assert_eq!(differences(&endpoint(full), &studio), []);
    }
}
