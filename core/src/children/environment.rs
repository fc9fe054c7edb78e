//! The children of a team environment, driven by the engine: [`EnvironmentDriver`] implements
//! [`ChildDriver`] for every node [`environment_graph`](crate::graph::environment::environment_graph)
//! makes, dispatching by kind to the child modules, and checks each for drift.
//!
//! What a child should look like (its ingress rules, its policy document, its default route) is
//! computed in one place, [`EnvironmentDriver::desired`], so creating, repairing and reporting
//! drift can never disagree.

use std::collections::BTreeMap;

use serde_json::Value;

use super::domain::{DomainSettings, EfsRetention};
use super::ec2_tags::Owner;
use super::error::ChildError;
use super::route_table::DefaultRoute;
use super::security_group::Ingress;
use super::vpc_endpoint::EndpointSettings;
use super::{
    bucket, domain, flow_log, guardrail_policy, internet_gateway, kms_key, nat_gateway, role,
    route_table, security_group, subnet, user_profile, vpc, vpc_endpoint,
};
use crate::aws::AwsClients;
use crate::engine::{ChildDriver, Ledger, Record};
use crate::graph::environment::{
    key_id, role_id, Child, KeyPurpose, Persona, ENDPOINT_SECURITY_GROUP, INTERNET_GATEWAY,
    S3_ENDPOINT, SAGEMAKER_SECURITY_GROUP, STUDIO_DOMAIN, VPC,
};
use crate::graph::Node;
use crate::policy::environment::{
    bucket_policy, guardrail_policy as guardrail_document, key_policy, s3_endpoint_policy,
    BucketPolicyInput, EnvironmentFacts,
};
use crate::spec::{EnvironmentSpec, GuardrailSpec};
use crate::wait::Deadline;

/// How long a child may wait when the driver was not given the run's deadline.
const DEFAULT_CHILD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Prefix of the logical ids of private subnets.
const PRIVATE_SUBNET_PREFIX: &str = "subnet-private-";
/// Prefix of the logical ids of public subnets.
const PUBLIC_SUBNET_PREFIX: &str = "subnet-public-";
/// Prefix of the logical ids of private route tables.
const PRIVATE_ROUTE_TABLE_PREFIX: &str = "route-table-private-";
/// Logical id of the flow-log group.
const FLOW_LOG_GROUP: &str = "flow-log-group";
/// Logical id of the flow-log role.
const FLOW_LOG_ROLE: &str = "flow-log-role";

/// Record attributes the driver adds to the domain's record, so a rename or an auth-mode change
/// is seen as a new domain.
const DOMAIN_NAME_ATTRIBUTE: &str = "domain_name";
/// See [`DOMAIN_NAME_ATTRIBUTE`].
const DOMAIN_AUTH_MODE_ATTRIBUTE: &str = "auth_mode";

/// Ensures, checks and deletes the children of one environment.
#[derive(Debug, Clone)]
pub struct EnvironmentDriver {
    /// The AWS clients.
    pub clients: AwsClients,
    /// The environment id (`<name>-<stage>`), the value of the environment tag.
    pub env_id: String,
    /// Names and ARNs the environment's documents derive from.
    pub facts: EnvironmentFacts,
    /// Tags for every child: the provider's default tags, then the spec's (which win).
    pub tags: BTreeMap<String, String>,
    /// The data and model bucket names, in that order.
    pub bucket_names: Vec<String>,
    /// The guardrails the guardrail policy enforces.
    pub guardrails: GuardrailSpec,
    /// Empty the buckets on delete.
    pub force_destroy: bool,
    /// What happens to Studio's home file system when the domain is deleted.
    pub efs_retention: EfsRetention,
    /// When waits inside a child (the domain coming into service) must give up: the run's own
    /// deadline, set by the operation that runs the driver.
    pub deadline: Deadline,
}

/// What a child should look like, computed from the spec and its inputs' records.
enum Desired {
    /// Ingress rules of a security group.
    Ingress(Vec<Ingress>),
    /// The default route of a route table.
    Route(Option<DefaultRoute>),
    /// An endpoint's settings.
    Endpoint(EndpointSettings),
    /// A policy document (key, bucket or guardrail policy).
    Document(Value),
    /// Nothing beyond existing.
    Nothing,
}

impl EnvironmentDriver {
    /// The driver for `spec`'s environment.
    pub fn for_spec(clients: AwsClients, spec: &EnvironmentSpec) -> Self {
        let facts = EnvironmentFacts {
            partition: clients.partition.clone(),
            account_id: clients.account_id.clone(),
            region: clients.region.clone(),
            name: spec.name.clone(),
            stage: spec.stage.clone(),
        };
        let bucket_names = vec![
            bucket_name(spec, &clients, "data"),
            bucket_name(spec, &clients, "models"),
        ];
        let mut tags = clients.default_tags.clone();
        tags.extend(spec.tags.clone());
        EnvironmentDriver {
            env_id: spec.environment_id(),
            facts,
            tags,
            bucket_names,
            guardrails: spec.guardrails.clone(),
            force_destroy: spec.storage.force_destroy,
            efs_retention: if spec.studio.efs_retention() == "Delete" {
                EfsRetention::Delete
            } else {
                EfsRetention::Retain
            },
            deadline: Deadline::after(DEFAULT_CHILD_DEADLINE),
            clients,
        }
    }

    /// The same driver, with waits bounded by `deadline`.
    pub fn with_deadline(mut self, deadline: Deadline) -> Self {
        self.deadline = deadline;
        self
    }

    /// The settings of the Studio domain `node`, from its inputs' records.
    fn domain_settings(
        &self,
        node: &Node<Child>,
        inputs: &Ledger,
        name: &str,
        auth_mode: &str,
    ) -> Result<DomainSettings, ChildError> {
        let input = |id: &str| input(node, inputs, id);
        Ok(DomainSettings {
            name: name.to_string(),
            auth_mode: auth_mode.to_string(),
            vpc_id: input(VPC)?.physical_id.clone(),
            subnet_ids: dependencies_with(node, inputs, PRIVATE_SUBNET_PREFIX)?
                .into_iter()
                .map(|r| r.physical_id.clone())
                .collect(),
            kms_key_arn: input(&key_id(KeyPurpose::Studio))?
                .arn
                .clone()
                .ok_or_else(|| missing(node, "kms-key-studio.arn"))?,
            execution_role_arn: input(&role_id(Persona::Execution))?
                .arn
                .clone()
                .ok_or_else(|| missing(node, "role-execution.arn"))?,
            security_group_id: input(SAGEMAKER_SECURITY_GROUP)?.physical_id.clone(),
        })
    }

    /// The role ARN and security group a user profile of `persona` runs with.
    fn profile_settings(
        node: &Node<Child>,
        inputs: &Ledger,
        persona: Persona,
    ) -> Result<(String, String), ChildError> {
        let role_arn = input(node, inputs, &role_id(persona))?
            .arn
            .clone()
            .ok_or_else(|| missing(node, "role.arn"))?;
        let group = input(node, inputs, SAGEMAKER_SECURITY_GROUP)?
            .physical_id
            .clone();
        Ok((role_arn, group))
    }

    fn owner<'a>(&'a self, logical_id: &'a str) -> Owner<'a> {
        Owner {
            env_id: &self.env_id,
            logical_id,
        }
    }

    /// The ARNs of every persona role in `inputs`, plus the engine's own principal (it creates
    /// resources encrypted with the keys and empties the buckets), sorted.
    fn key_users(&self, inputs: &Ledger) -> Vec<String> {
        let mut users: Vec<String> = Persona::ALL
            .iter()
            .filter_map(|p| inputs.get(&role_id(*p)).and_then(|r| r.arn.clone()))
            .collect();
        users.push(self.clients.caller_arn.clone());
        users.sort();
        users.dedup();
        users
    }

    /// What `node` should look like, given the records of what it depends on.
    fn desired(&self, node: &Node<Child>, inputs: &Ledger) -> Result<Desired, ChildError> {
        let input = |id: &str| input(node, inputs, id);
        Ok(match &node.kind {
            Child::SageMakerSecurityGroup => Desired::Ingress(vec![Ingress::AllFromSelf]),
            Child::EndpointSecurityGroup => {
                let mut ingress = vec![Ingress::TcpFromGroup {
                    port: 443,
                    group_id: input(SAGEMAKER_SECURITY_GROUP)?.physical_id.clone(),
                }];
                for subnet in dependencies_with(node, inputs, PRIVATE_SUBNET_PREFIX)? {
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
                Desired::Ingress(ingress)
            }
            Child::RouteTable { public: true, .. } => Desired::Route(Some(
                DefaultRoute::InternetGateway(input(INTERNET_GATEWAY)?.physical_id.clone()),
            )),
            Child::RouteTable { public: false, .. } => {
                let nat = dependencies_with(node, inputs, "nat-gateway-")?
                    .into_iter()
                    .next()
                    .map(|r| DefaultRoute::NatGateway(r.physical_id.clone()));
                Desired::Route(nat)
            }
            Child::S3GatewayEndpoint => {
                let route_table_ids = dependencies_with(node, inputs, PRIVATE_ROUTE_TABLE_PREFIX)?
                    .into_iter()
                    .map(|r| r.physical_id.clone())
                    .collect();
                let policy = s3_endpoint_policy(&self.facts, &self.bucket_names).to_string();
                Desired::Endpoint(EndpointSettings::Gateway {
                    route_table_ids,
                    policy,
                })
            }
            Child::InterfaceEndpoint { .. } => {
                let subnet_ids = dependencies_with(node, inputs, PRIVATE_SUBNET_PREFIX)?
                    .into_iter()
                    .map(|r| r.physical_id.clone())
                    .collect();
                let security_group_id = input(ENDPOINT_SECURITY_GROUP)?.physical_id.clone();
                Desired::Endpoint(EndpointSettings::Interface {
                    subnet_ids,
                    security_group_id,
                })
            }
            Child::KmsKey { purpose } => {
                Desired::Document(key_policy(&self.facts, *purpose, &self.key_users(inputs)))
            }
            Child::Bucket { purpose, .. } => {
                let name = self.bucket_for(purpose);
                let endpoint = input(S3_ENDPOINT)?.physical_id.clone();
                Desired::Document(bucket_policy(
                    &self.facts,
                    &BucketPolicyInput {
                        bucket_name: name,
                        vpc_endpoint_id: endpoint,
                        // Only the engine reaches objects from outside the VPC: it empties the
                        // buckets on destroy. SageMaker jobs and Studio run in the VPC and come
                        // through the endpoint.
                        service_role_arns: vec![self.clients.caller_arn.clone()],
                    },
                ))
            }
            Child::GuardrailPolicy => match guardrail_document(&self.guardrails) {
                Some(doc) => Desired::Document(doc),
                None => Desired::Nothing,
            },
            _ => Desired::Nothing,
        })
    }

    fn bucket_for(&self, purpose: &str) -> String {
        let index = usize::from(purpose != "data");
        self.bucket_names.get(index).cloned().unwrap_or_default()
    }

    /// The role names of the roles the guardrail policy is attached to (its dependencies).
    fn guarded_role_names(node: &Node<Child>, inputs: &Ledger) -> Result<Vec<String>, ChildError> {
        node.depends_on
            .iter()
            .map(|d| input(node, inputs, d).map(|r| r.physical_id.clone()))
            .collect()
    }

    async fn ensure_child(
        &self,
        node: &Node<Child>,
        inputs: &Ledger,
    ) -> Result<Record, ChildError> {
        let clients = &self.clients;
        let owner = self.owner(&node.id);
        let tags = &self.tags;
        let input = |id: &str| input(node, inputs, id);
        let desired = self.desired(node, inputs)?;
        match (&node.kind, desired) {
            (Child::Vpc { cidr }, _) => vpc::ensure(clients, owner, tags, *cidr).await,
            (Child::ExistingVpc { vpc_id }, _) => {
                vpc::read_existing(clients, &node.id, vpc_id).await
            }
            (Child::Subnet { zone, cidr, .. }, _) => {
                let vpc_id = &input(VPC)?.physical_id;
                subnet::ensure(clients, owner, tags, vpc_id, zone, *cidr).await
            }
            (Child::ExistingSubnet { subnet_id }, _) => {
                subnet::read_existing(clients, &node.id, subnet_id).await
            }
            (Child::InternetGateway, _) => {
                let vpc_id = &input(VPC)?.physical_id;
                internet_gateway::ensure(clients, owner, tags, vpc_id).await
            }
            (Child::NatAddress { .. }, _) => {
                nat_gateway::ensure_address(clients, owner, tags).await
            }
            (Child::NatGateway { .. }, _) => {
                let subnet = dependencies_with(node, inputs, PUBLIC_SUBNET_PREFIX)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| missing(node, "subnet-public-<zone>"))?;
                let address = dependencies_with(node, inputs, "nat-address-")?
                    .into_iter()
                    .next()
                    .ok_or_else(|| missing(node, "nat-address-<zone>"))?;
                nat_gateway::ensure(
                    clients,
                    owner,
                    tags,
                    &subnet.physical_id,
                    &address.physical_id,
                )
                .await
            }
            (Child::RouteTable { public, .. }, Desired::Route(route)) => {
                let vpc_id = &input(VPC)?.physical_id;
                let prefix = if *public {
                    PUBLIC_SUBNET_PREFIX
                } else {
                    PRIVATE_SUBNET_PREFIX
                };
                let subnet_ids: Vec<String> = dependencies_with(node, inputs, prefix)?
                    .into_iter()
                    .map(|r| r.physical_id.clone())
                    .collect();
                route_table::ensure(clients, owner, tags, vpc_id, &subnet_ids, route.as_ref()).await
            }
            (Child::SageMakerSecurityGroup, Desired::Ingress(ingress)) => {
                let vpc_id = &input(VPC)?.physical_id;
                security_group::ensure(
                    clients,
                    owner,
                    tags,
                    vpc_id,
                    "SageMaker workloads: all traffic only from this group",
                    &ingress,
                )
                .await
            }
            (Child::EndpointSecurityGroup, Desired::Ingress(ingress)) => {
                let vpc_id = &input(VPC)?.physical_id;
                security_group::ensure(
                    clients,
                    owner,
                    tags,
                    vpc_id,
                    "VPC interface endpoints: HTTPS from SageMaker and the private subnets",
                    &ingress,
                )
                .await
            }
            (Child::S3GatewayEndpoint, Desired::Endpoint(settings)) => {
                let vpc_id = &input(VPC)?.physical_id;
                let service = vpc_endpoint::s3_service_name(&clients.region);
                vpc_endpoint::ensure(clients, owner, tags, vpc_id, &service, &settings).await
            }
            (Child::ExistingS3Endpoint { endpoint_id }, _) => {
                vpc_endpoint::read_existing(clients, &node.id, endpoint_id).await
            }
            (Child::InterfaceEndpoint { service }, Desired::Endpoint(settings)) => {
                let vpc_id = &input(VPC)?.physical_id;
                let service = vpc_endpoint::interface_service_name(&clients.region, service);
                vpc_endpoint::ensure(clients, owner, tags, vpc_id, &service, &settings).await
            }
            (Child::KmsKey { purpose }, Desired::Document(policy)) => {
                kms_key::ensure(clients, owner, tags, *purpose, &policy).await
            }
            (Child::Role { persona }, _) => {
                role::ensure(
                    clients,
                    owner,
                    tags,
                    *persona,
                    &self.facts,
                    &self.bucket_names,
                )
                .await
            }
            (Child::ExistingRole { arn, .. }, _) => {
                role::read_existing(clients, &node.id, arn).await
            }
            (Child::GuardrailPolicy, Desired::Document(document)) => {
                let roles = Self::guarded_role_names(node, inputs)?;
                guardrail_policy::ensure(clients, owner, tags, &document, &roles).await
            }
            (Child::Bucket { purpose, .. }, Desired::Document(policy)) => {
                let key_arn = input(&key_id(KeyPurpose::Data))?
                    .arn
                    .clone()
                    .ok_or_else(|| missing(node, "kms-key-data.arn"))?;
                let name = self.bucket_for(purpose);
                bucket::ensure(clients, owner, tags, &name, &key_arn, &policy).await
            }
            (Child::FlowLogGroup { retention_days }, _) => {
                let key_arn = input(&key_id(KeyPurpose::Data))?
                    .arn
                    .clone()
                    .ok_or_else(|| missing(node, "kms-key-data.arn"))?;
                let name = flow_log::log_group_name(&self.facts);
                flow_log::ensure_group(clients, owner, tags, &name, &key_arn, *retention_days).await
            }
            (Child::FlowLogRole, _) => {
                flow_log::ensure_role(clients, owner, tags, &self.facts).await
            }
            (Child::FlowLog { traffic_type }, _) => {
                let vpc_id = &input(VPC)?.physical_id;
                let group = &input(FLOW_LOG_GROUP)?.physical_id;
                let role_arn = input(FLOW_LOG_ROLE)?
                    .arn
                    .clone()
                    .ok_or_else(|| missing(node, "flow-log-role.arn"))?;
                flow_log::ensure(clients, owner, tags, vpc_id, group, &role_arn, traffic_type).await
            }
            (Child::StudioDomain { name, auth_mode }, _) => {
                let settings = self.domain_settings(node, inputs, name, auth_mode)?;
                let mut record =
                    domain::ensure(clients, owner, tags, &settings, self.deadline).await?;
                record
                    .attributes
                    .insert(DOMAIN_NAME_ATTRIBUTE.to_string(), name.clone());
                record
                    .attributes
                    .insert(DOMAIN_AUTH_MODE_ATTRIBUTE.to_string(), auth_mode.clone());
                Ok(record)
            }
            (Child::StudioUserProfile { name, persona }, _) => {
                let domain_id = input(STUDIO_DOMAIN)?.physical_id.clone();
                let (role_arn, group) = Self::profile_settings(node, inputs, *persona)?;
                user_profile::ensure(
                    clients,
                    owner,
                    tags,
                    &domain_id,
                    name,
                    &role_arn,
                    &group,
                    self.deadline,
                )
                .await
            }
            (kind, _) => Err(ChildError::Refused {
                child: node.id.clone(),
                reason: format!(
                    "{kind:?} has no desired settings; this is a bug in the environment driver"
                ),
            }),
        }
    }

    /// What differs between `record` (a child that exists) and what `node` says it should be,
    /// in words a user can act on; empty when it matches. `ledger` holds every child's record.
    pub async fn drift(
        &self,
        node: &Node<Child>,
        record: &Record,
        ledger: &Ledger,
    ) -> Result<Vec<String>, ChildError> {
        let clients = &self.clients;
        let found = match (&node.kind, self.desired(node, ledger)?) {
            (Child::RouteTable { .. }, Desired::Route(route)) => {
                route_table::drift(clients, record, route.as_ref()).await?
            }
            (
                Child::SageMakerSecurityGroup | Child::EndpointSecurityGroup,
                Desired::Ingress(ingress),
            ) => security_group::drift(clients, record, &ingress).await?,
            (
                Child::S3GatewayEndpoint | Child::InterfaceEndpoint { .. },
                Desired::Endpoint(settings),
            ) => vpc_endpoint::drift(clients, record, &settings).await?,
            (Child::KmsKey { .. }, Desired::Document(policy)) => {
                kms_key::drift(clients, record, &policy).await?
            }
            (Child::Role { persona }, _) => {
                role::drift(clients, record, *persona, &self.facts, &self.bucket_names).await?
            }
            (Child::GuardrailPolicy, Desired::Document(document)) => {
                let roles = Self::guarded_role_names(node, ledger)?;
                guardrail_policy::drift(clients, record, &document, &roles).await?
            }
            (Child::Bucket { .. }, Desired::Document(policy)) => {
                let key_arn = ledger
                    .get(&key_id(KeyPurpose::Data))
                    .and_then(|r| r.arn.clone())
                    .unwrap_or_default();
                bucket::drift(clients, record, &key_arn, &policy).await?
            }
            (Child::FlowLogGroup { retention_days }, _) => {
                let key_arn = ledger
                    .get(&key_id(KeyPurpose::Data))
                    .and_then(|r| r.arn.clone())
                    .unwrap_or_default();
                flow_log::drift_group(clients, record, &key_arn, *retention_days).await?
            }
            (Child::FlowLog { traffic_type }, _) => {
                flow_log::drift(clients, record, traffic_type).await?
            }
            (Child::StudioDomain { name, auth_mode }, _) => {
                let settings = self.domain_settings(node, ledger, name, auth_mode)?;
                domain::drift(clients, record, &settings).await?
            }
            (Child::StudioUserProfile { persona, .. }, _) => {
                let (role_arn, group) = Self::profile_settings(node, ledger, *persona)?;
                user_profile::drift(clients, record, &role_arn, &group).await?
            }
            _ => Vec::new(),
        };
        Ok(found)
    }

    /// True when `record`, kept under `node`'s logical id, is not the child `node` describes
    /// any more (a created role replaced by one the user brings, a renamed bucket, another
    /// existing VPC): it must be deleted before `node` is ensured, or it would be forgotten.
    pub fn is_stale(&self, node: &Node<Child>, record: &Record) -> bool {
        match &node.kind {
            Child::Role { .. } => record.kind != role::KIND,
            Child::ExistingRole { arn, .. } => record.arn.as_deref() != Some(arn.as_str()),
            Child::Bucket { purpose, .. } => {
                record.kind != bucket::KIND || record.physical_id != self.bucket_for(purpose)
            }
            Child::ExistingVpc { vpc_id } => &record.physical_id != vpc_id,
            Child::ExistingSubnet { subnet_id } => &record.physical_id != subnet_id,
            Child::ExistingS3Endpoint { endpoint_id } => &record.physical_id != endpoint_id,
            Child::Vpc { .. } => record.kind != vpc::KIND,
            Child::StudioDomain { name, auth_mode } => {
                record.attributes.get(DOMAIN_NAME_ATTRIBUTE) != Some(name)
                    || record.attributes.get(DOMAIN_AUTH_MODE_ATTRIBUTE) != Some(auth_mode)
            }
            Child::S3GatewayEndpoint => record.kind != vpc_endpoint::GATEWAY_KIND,
            _ => false,
        }
    }
}

/// The bucket name of `purpose` (`data` or `models`): the spec's, or
/// `<name>-<stage>-<region>-<account>-<purpose>`.
pub fn bucket_name(spec: &EnvironmentSpec, clients: &AwsClients, purpose: &str) -> String {
    let given = if purpose == "data" {
        &spec.storage.data_bucket_name
    } else {
        &spec.storage.model_bucket_name
    };
    given.clone().unwrap_or_else(|| {
        format!(
            "{}-{}-{}-{}-{purpose}",
            spec.name, spec.stage, clients.region, clients.account_id
        )
    })
}

fn missing(node: &Node<Child>, what: &str) -> ChildError {
    ChildError::MissingInput {
        child: node.id.clone(),
        input: what.to_string(),
    }
}

fn input<'l>(node: &Node<Child>, inputs: &'l Ledger, id: &str) -> Result<&'l Record, ChildError> {
    inputs.get(id).ok_or_else(|| missing(node, id))
}

fn dependencies_with<'l>(
    node: &Node<Child>,
    inputs: &'l Ledger,
    prefix: &str,
) -> Result<Vec<&'l Record>, ChildError> {
    node.depends_on
        .iter()
        .filter(|d| d.starts_with(prefix))
        .map(|d| input(node, inputs, d))
        .collect()
}

impl ChildDriver<Child> for EnvironmentDriver {
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
            internet_gateway::KIND => internet_gateway::delete(clients, record).await,
            nat_gateway::KIND => nat_gateway::delete(clients, record).await,
            nat_gateway::ADDRESS_KIND => nat_gateway::delete_address(clients, record).await,
            kms_key::KIND => kms_key::delete(clients, record).await,
            role::KIND => role::delete(clients, record).await,
            guardrail_policy::KIND => guardrail_policy::delete(clients, record).await,
            bucket::KIND => bucket::delete(clients, record, self.force_destroy).await,
            flow_log::GROUP_KIND => flow_log::delete_group(clients, record).await,
            flow_log::ROLE_KIND => flow_log::delete_role(clients, record).await,
            flow_log::KIND => flow_log::delete(clients, record).await,
            domain::KIND => {
                domain::delete(clients, record, self.efs_retention, self.deadline).await
            }
            user_profile::KIND => user_profile::delete(clients, record, self.deadline).await,
            // Brought by the user: theirs to keep.
            vpc::EXISTING_KIND
            | subnet::EXISTING_KIND
            | vpc_endpoint::EXISTING_GATEWAY_KIND
            | role::EXISTING_KIND => Ok(()),
            other => Err(ChildError::Refused {
                child: record.physical_id.clone(),
                reason: format!(
                    "unknown child kind {other:?} in the ledger; it was written by a newer version"
                ),
            }),
        }
    }
}
