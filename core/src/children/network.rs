//! The network children of a team environment, driven by the engine: VPC, private subnets and
//! route tables, the two security groups, the S3 gateway endpoint and the interface endpoints.
//!
//! [`NetworkDriver`] implements [`ChildDriver`] for the nodes of
//! [`network_graph`](crate::graph::environment::network_graph), dispatching by kind to
//! [`vpc`](super::vpc), [`subnet`](super::subnet), [`route_table`](super::route_table),
//! [`security_group`](super::security_group) and [`vpc_endpoint`](super::vpc_endpoint).

use std::collections::BTreeMap;

use super::ec2_tags::Owner;
use super::security_group::Ingress;
use super::vpc_endpoint::EndpointSettings;
use super::{route_table, security_group, subnet, vpc, vpc_endpoint};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::{ChildDriver, Ledger, Record};
use crate::graph::environment::{Child, ENDPOINT_SECURITY_GROUP, SAGEMAKER_SECURITY_GROUP, VPC};
use crate::graph::Node;
use crate::policy::environment::{s3_endpoint_policy, EnvironmentFacts};
use crate::spec::EnvironmentSpec;
use crate::wait::WaitError;

/// Prefix of the logical ids of private subnets.
const PRIVATE_SUBNET_PREFIX: &str = "subnet-private-";
/// Prefix of the logical ids of private route tables.
const PRIVATE_ROUTE_TABLE_PREFIX: &str = "route-table-private-";

/// Why a network child could not be ensured or deleted.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// A wait for AWS to reach a state did not end well.
    #[error(transparent)]
    Wait(#[from] WaitError<AwsCallError>),
    /// A child this one needs is not in the ledger (the graph lacks a dependency).
    #[error(
        "{child} needs {input}, which does not exist yet; it must be in the graph as a dependency"
    )]
    MissingInput {
        /// The child being ensured.
        child: String,
        /// The logical id or attribute it needs.
        input: String,
    },
    /// A resource the user brought does not exist.
    #[error("{child}: {id} does not exist in this account and region; check the id in the spec")]
    ExistingNotFound {
        /// The child's logical id.
        child: String,
        /// The id the user gave.
        id: String,
    },
    /// AWS answered without a field it always sends.
    #[error("{operation} answered without {missing}")]
    IncompleteAnswer {
        /// The operation.
        operation: &'static str,
        /// The missing field.
        missing: &'static str,
    },
    /// AWS refused to delete one item of a batch delete.
    #[error("{operation} refused to delete {id}: {code}: {message}")]
    DeleteRefused {
        /// The operation.
        operation: &'static str,
        /// The resource id.
        id: String,
        /// AWS's error code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// A resource ended in a state it cannot be used in.
    #[error("{id} is {state}: {reason}")]
    Unusable {
        /// The resource id.
        id: String,
        /// Its state.
        state: String,
        /// AWS's reason, if any.
        reason: String,
    },
    /// The node is not a network child. [`network_graph`](crate::graph::environment::network_graph)
    /// never contains one; this driver only serves that graph.
    #[error("{0} is not a network child; this driver only handles the network graph")]
    NotNetwork(String),
}

/// Ensures and deletes the network children of one environment.
#[derive(Debug, Clone)]
pub struct NetworkDriver {
    /// The AWS clients.
    pub clients: AwsClients,
    /// The environment id (`<name>-<stage>`), the value of the environment tag.
    pub env_id: String,
    /// Tags for every child: the provider's default tags, then the spec's (which win).
    pub tags: BTreeMap<String, String>,
    /// The environment's bucket names, which the S3 endpoint policy allows.
    pub bucket_names: Vec<String>,
}

impl NetworkDriver {
    /// The driver for `spec`'s environment: bucket names are the spec's or the derived defaults
    /// `<name>-<stage>-<region>-<account>-data|models`.
    pub fn for_spec(clients: AwsClients, spec: &EnvironmentSpec) -> Self {
        let derived = |purpose: &str| {
            format!(
                "{}-{}-{}-{}-{purpose}",
                spec.name, spec.stage, clients.region, clients.account_id
            )
        };
        let bucket_names = vec![
            spec.storage
                .data_bucket_name
                .clone()
                .unwrap_or_else(|| derived("data")),
            spec.storage
                .model_bucket_name
                .clone()
                .unwrap_or_else(|| derived("models")),
        ];
        let mut tags = clients.default_tags.clone();
        tags.extend(spec.tags.clone());
        NetworkDriver {
            env_id: spec.environment_id(),
            tags,
            bucket_names,
            clients,
        }
    }

    fn owner<'a>(&'a self, logical_id: &'a str) -> Owner<'a> {
        Owner {
            env_id: &self.env_id,
            logical_id,
        }
    }

    fn facts(&self) -> EnvironmentFacts {
        let (name, stage) = self
            .env_id
            .rsplit_once('-')
            .unwrap_or((self.env_id.as_str(), ""));
        EnvironmentFacts {
            partition: self.clients.partition.clone(),
            account_id: self.clients.account_id.clone(),
            region: self.clients.region.clone(),
            name: name.to_string(),
            stage: stage.to_string(),
        }
    }

    async fn ensure_child(
        &self,
        node: &Node<Child>,
        inputs: &Ledger,
    ) -> Result<Record, ChildError> {
        let clients = &self.clients;
        let owner = self.owner(&node.id);
        let input = |id: &str| {
            inputs.get(id).ok_or_else(|| ChildError::MissingInput {
                child: node.id.clone(),
                input: id.to_string(),
            })
        };
        let dependencies_with = |prefix: &str| -> Result<Vec<&Record>, ChildError> {
            node.depends_on
                .iter()
                .filter(|d| d.starts_with(prefix))
                .map(|d| input(d.as_str()))
                .collect()
        };
        match &node.kind {
            Child::Vpc { cidr } => vpc::ensure(clients, owner, &self.tags, *cidr).await,
            Child::ExistingVpc { vpc_id } => vpc::read_existing(clients, &node.id, vpc_id).await,
            Child::Subnet {
                zone,
                cidr,
                public: false,
            } => {
                let vpc_id = &input(VPC)?.physical_id;
                subnet::ensure(clients, owner, &self.tags, vpc_id, zone, *cidr).await
            }
            Child::ExistingSubnet { subnet_id } => {
                subnet::read_existing(clients, &node.id, subnet_id).await
            }
            Child::RouteTable {
                zone: Some(_),
                public: false,
            } => {
                let vpc_id = &input(VPC)?.physical_id;
                let subnet = dependencies_with(PRIVATE_SUBNET_PREFIX)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| ChildError::MissingInput {
                        child: node.id.clone(),
                        input: format!("{PRIVATE_SUBNET_PREFIX}<zone>"),
                    })?;
                route_table::ensure(clients, owner, &self.tags, vpc_id, &subnet.physical_id).await
            }
            Child::SageMakerSecurityGroup => {
                let vpc_id = &input(VPC)?.physical_id;
                security_group::ensure(
                    clients,
                    owner,
                    &self.tags,
                    vpc_id,
                    "SageMaker workloads: all traffic only from this group",
                    &[Ingress::AllFromSelf],
                )
                .await
            }
            Child::EndpointSecurityGroup => {
                let vpc_id = &input(VPC)?.physical_id;
                let mut ingress = vec![Ingress::TcpFromGroup {
                    port: 443,
                    group_id: input(SAGEMAKER_SECURITY_GROUP)?.physical_id.clone(),
                }];
                for subnet in dependencies_with(PRIVATE_SUBNET_PREFIX)? {
                    let cidr = subnet
                        .attributes
                        .get(subnet::CIDR_ATTRIBUTE)
                        .ok_or_else(|| ChildError::MissingInput {
                            child: node.id.clone(),
                            input: format!("{}.{}", subnet.physical_id, subnet::CIDR_ATTRIBUTE),
                        })?;
                    ingress.push(Ingress::TcpFromCidr {
                        port: 443,
                        cidr: cidr.clone(),
                    });
                }
                security_group::ensure(
                    clients,
                    owner,
                    &self.tags,
                    vpc_id,
                    "VPC interface endpoints: HTTPS from SageMaker and the private subnets",
                    &ingress,
                )
                .await
            }
            Child::S3GatewayEndpoint => {
                let vpc_id = &input(VPC)?.physical_id;
                let route_table_ids = dependencies_with(PRIVATE_ROUTE_TABLE_PREFIX)?
                    .into_iter()
                    .map(|r| r.physical_id.clone())
                    .collect();
                let policy = s3_endpoint_policy(&self.facts(), &self.bucket_names).to_string();
                vpc_endpoint::ensure(
                    clients,
                    owner,
                    &self.tags,
                    vpc_id,
                    &vpc_endpoint::s3_service_name(&clients.region),
                    &EndpointSettings::Gateway {
                        route_table_ids,
                        policy,
                    },
                )
                .await
            }
            Child::ExistingS3Endpoint { endpoint_id } => {
                vpc_endpoint::read_existing(clients, &node.id, endpoint_id).await
            }
            Child::InterfaceEndpoint { service } => {
                let vpc_id = &input(VPC)?.physical_id;
                let subnet_ids = dependencies_with(PRIVATE_SUBNET_PREFIX)?
                    .into_iter()
                    .map(|r| r.physical_id.clone())
                    .collect();
                let security_group_id = input(ENDPOINT_SECURITY_GROUP)?.physical_id.clone();
                vpc_endpoint::ensure(
                    clients,
                    owner,
                    &self.tags,
                    vpc_id,
                    &vpc_endpoint::interface_service_name(&clients.region, service),
                    &EndpointSettings::Interface {
                        subnet_ids,
                        security_group_id,
                    },
                )
                .await
            }
            other => Err(ChildError::NotNetwork(kind_name(other).to_string())),
        }
    }
}

/// The name of a child kind, for messages.
fn kind_name(child: &Child) -> &'static str {
    match child {
        Child::Vpc { .. } => "Vpc",
        Child::ExistingVpc { .. } => "ExistingVpc",
        Child::Subnet { public: true, .. } => "Subnet (public)",
        Child::Subnet { .. } => "Subnet",
        Child::ExistingSubnet { .. } => "ExistingSubnet",
        Child::InternetGateway => "InternetGateway",
        Child::NatAddress { .. } => "NatAddress",
        Child::NatGateway { .. } => "NatGateway",
        Child::RouteTable { public: true, .. } => "RouteTable (public)",
        Child::RouteTable { .. } => "RouteTable",
        Child::SageMakerSecurityGroup => "SageMakerSecurityGroup",
        Child::EndpointSecurityGroup => "EndpointSecurityGroup",
        Child::S3GatewayEndpoint => "S3GatewayEndpoint",
        Child::ExistingS3Endpoint { .. } => "ExistingS3Endpoint",
        Child::InterfaceEndpoint { .. } => "InterfaceEndpoint",
        Child::KmsKey { .. } => "KmsKey",
        Child::Bucket { .. } => "Bucket",
        Child::Role { .. } => "Role",
        Child::ExistingRole { .. } => "ExistingRole",
        Child::GuardrailPolicy => "GuardrailPolicy",
        Child::FlowLogGroup { .. } => "FlowLogGroup",
        Child::FlowLogRole => "FlowLogRole",
        Child::FlowLog { .. } => "FlowLog",
    }
}

impl ChildDriver<Child> for NetworkDriver {
    type Error = ChildError;

    async fn ensure(&self, node: &Node<Child>, inputs: Ledger) -> Result<Record, ChildError> {
        self.ensure_child(node, &inputs).await
    }

    async fn delete(&self, _id: &str, record: &Record) -> Result<(), ChildError> {
        let clients = &self.clients;
        let id = record.physical_id.as_str();
        match record.kind.as_str() {
            vpc::KIND => vpc::delete(clients, id).await,
            subnet::KIND => subnet::delete(clients, id).await,
            route_table::KIND => route_table::delete(clients, id).await,
            security_group::KIND => security_group::delete(clients, id).await,
            vpc_endpoint::GATEWAY_KIND | vpc_endpoint::INTERFACE_KIND => {
                vpc_endpoint::delete(clients, id).await
            }
            // Brought by the user: theirs to keep.
            vpc::EXISTING_KIND | subnet::EXISTING_KIND | vpc_endpoint::EXISTING_GATEWAY_KIND => {
                Ok(())
            }
            other => Err(ChildError::NotNetwork(other.to_string())),
        }
    }
}
