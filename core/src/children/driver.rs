//! The engine's driver for an environment's children: [`EnvironmentDriver`] implements
//! [`ChildDriver`] by handing each node to its kind's [`ChildKind`] code, and each record to its
//! kind's delete.
//!
//! Both dispatches are exhaustive matches with no wildcard arm: a new [`Child`] variant or
//! [`RecordKind`] does not compile until it is handled here, and handling it here needs its
//! `ChildKind` implementation, every method of which is required.

use super::error::ChildError;
use super::kind::{BucketNames, ChildKind, Cx, EnvironmentContext, Inputs};
use super::{
    bucket, catalog_bucket, config_rules, custom_image, domain, flow_log, guardrail_policy,
    internet_gateway, kms_key, lifecycle_config, mlops, nat_gateway, package_repository, role,
    route_table, security_group, studio_scope, subnet, team_portfolio, team_product, user_profile,
    vpc, vpc_endpoint,
};
use crate::aws::AwsClients;
use crate::engine::{ChildDriver, Ledger, Record};
use crate::graph::environment::Child;
use crate::graph::Node;
use crate::ids::{BucketPurpose, RecordKind};
use crate::policy::environment::EnvironmentFacts;
use crate::spec::EnvironmentSpec;
use crate::wait::Deadline;

/// How long a child may wait when the driver was not given the run's deadline.
const DEFAULT_CHILD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Runs `$body` with `$kind` bound to the node's kind struct, whatever its type.
macro_rules! with_kind {
    ($child:expr, $kind:ident => $body:expr) => {
        match $child {
            Child::Vpc($kind) => $body,
            Child::ExistingVpc($kind) => $body,
            Child::Subnet($kind) => $body,
            Child::ExistingSubnet($kind) => $body,
            Child::InternetGateway($kind) => $body,
            Child::NatAddress($kind) => $body,
            Child::NatGateway($kind) => $body,
            Child::RouteTable($kind) => $body,
            Child::SageMakerSecurityGroup($kind) => $body,
            Child::EndpointSecurityGroup($kind) => $body,
            Child::S3GatewayEndpoint($kind) => $body,
            Child::ExistingS3Endpoint($kind) => $body,
            Child::InterfaceEndpoint($kind) => $body,
            Child::KmsKey($kind) => $body,
            Child::Bucket($kind) => $body,
            Child::Role($kind) => $body,
            Child::ExistingRole($kind) => $body,
            Child::GuardrailPolicy($kind) => $body,
            Child::BoundaryPolicy($kind) => $body,
            Child::FlowLogGroup($kind) => $body,
            Child::FlowLogRole($kind) => $body,
            Child::FlowLog($kind) => $body,
            Child::StudioDomain($kind) => $body,
            Child::StudioUserProfile($kind) => $body,
            Child::StudioScope($kind) => $body,
            Child::StudioLifecycleConfig($kind) => $body,
            Child::StudioCustomImage($kind) => $body,
            Child::PackageDomain($kind) => $body,
            Child::PackageRepository($kind) => $body,
            Child::ConfigRules($kind) => $body,
            Child::CatalogBucket($kind) => $body,
            Child::TeamPortfolio($kind) => $body,
            Child::TeamProduct($kind) => $body,
            Child::MlopsBucket($kind) => $body,
            Child::MlopsSeedCode($kind) => $body,
            Child::MlopsRole($kind) => $body,
            Child::MlopsPortfolio($kind) => $body,
            Child::MlopsTemplate($kind) => $body,
        }
    };
}

/// Ensures, checks and deletes the children of one environment.
#[derive(Debug, Clone)]
pub struct EnvironmentDriver {
    /// The AWS clients.
    pub clients: AwsClients,
    /// What the environment's children share.
    pub env: EnvironmentContext,
    /// When waits inside a child (the domain coming into service) must give up: the run's own
    /// deadline, set by the operation that runs the driver.
    pub deadline: Deadline,
}

impl EnvironmentDriver {
    /// The driver for `spec`'s environment.
    pub fn for_spec(clients: AwsClients, spec: &EnvironmentSpec) -> Self {
        let facts = EnvironmentFacts {
            partition: clients.partition.clone(),
            account_id: clients.account_id.clone(),
            region: clients.region.clone(),
            name: spec.name.clone(),
            stage: spec.stage.as_str().to_string(),
            trusted_principal_arns: spec.iam.trusted_principal_arns.iter().cloned().collect(),
        };
        let mut tags = clients.default_tags.clone();
        tags.extend(spec.tags.clone());
        let env = EnvironmentContext {
            env_id: spec.environment_id(),
            facts,
            tags,
            bucket_names: bucket_names(spec, &clients),
            guardrails: spec.guardrails.clone(),
            force_destroy: spec.storage.force_destroy,
            efs_retention: spec.studio.efs_retention,
            permissions_boundary_arn: spec.iam.permissions_boundary_arn.clone(),
            reads: Default::default(),
        };
        EnvironmentDriver {
            env,
            deadline: Deadline::after(DEFAULT_CHILD_DEADLINE),
            clients,
        }
    }

    /// The same driver, with waits bounded by `deadline`.
    pub fn with_deadline(mut self, deadline: Deadline) -> Self {
        self.deadline = deadline;
        self
    }

    fn cx<'a>(&'a self, id: &'a str) -> Cx<'a> {
        Cx {
            clients: &self.clients,
            env: &self.env,
            id,
            deadline: self.deadline,
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
        let cx = self.cx(&node.id);
        let inputs = inputs(node, ledger);
        // Boxed: each kind's future is large, and a match over 23 of them inline would be
        // their size stacked into every caller's frame (tokio's worker stacks are 2 MiB).
        with_kind!(&node.kind, kind => Box::pin(drift_of(kind, &cx, &inputs, record)).await)
    }

    /// True when `record`, kept under `node`'s logical id, is not the child `node` describes
    /// any more: it must be deleted before `node` is ensured.
    pub fn is_stale(&self, node: &Node<Child>, record: &Record) -> bool {
        let cx = self.cx(&node.id);
        with_kind!(&node.kind, kind => kind.is_stale(&cx, record))
    }
}

impl ChildDriver<Child> for EnvironmentDriver {
    type Error = ChildError;

    async fn ensure(&self, node: &Node<Child>, inputs: Ledger) -> Result<Record, ChildError> {
        let cx = self.cx(&node.id);
        let inputs = self::inputs(node, &inputs);
        // Boxed, as in `drift`.
        with_kind!(&node.kind, kind => Box::pin(ensure_of(kind, &cx, &inputs)).await)
    }

    fn expected_duration(&self, node: &Node<Child>) -> std::time::Duration {
        node.kind.expected_duration()
    }

    fn kind_name(&self, node: &Node<Child>) -> &'static str {
        node.kind.kind_name()
    }

    fn expected_delete_duration(&self, record: &Record) -> std::time::Duration {
        record.kind.expected_delete_duration()
    }

    /// Deletes by the record's kind (the node may have left the graph); what the user brought
    /// is left alone.
    /// Each kind's future is boxed, as in `ensure`: the match's future would otherwise be the
    /// size of the largest (a Studio domain's teardown), and a debug build's worker thread
    /// overflowed its stack polling it.
    async fn delete(&self, _id: &str, record: &Record) -> Result<(), ChildError> {
        let clients = &self.clients;
        let id = record.physical_id.as_str();
        match &record.kind {
            RecordKind::Vpc => Box::pin(vpc::delete(clients, id)).await,
            RecordKind::Subnet => Box::pin(subnet::delete(clients, id)).await,
            RecordKind::RouteTable => Box::pin(route_table::delete(clients, id)).await,
            RecordKind::SecurityGroup => Box::pin(security_group::delete(clients, id)).await,
            RecordKind::S3GatewayEndpoint | RecordKind::InterfaceEndpoint => {
                Box::pin(vpc_endpoint::delete(clients, id)).await
            }
            RecordKind::InternetGateway => {
                Box::pin(internet_gateway::delete(clients, record)).await
            }
            RecordKind::NatGateway => Box::pin(nat_gateway::delete(clients, record)).await,
            RecordKind::NatAddress => Box::pin(nat_gateway::delete_address(clients, record)).await,
            RecordKind::KmsKey => Box::pin(kms_key::delete(clients, record)).await,
            RecordKind::Role | RecordKind::FlowLogRole => {
                Box::pin(role::delete(clients, record)).await
            }
            RecordKind::GuardrailPolicy | RecordKind::BoundaryPolicy => {
                Box::pin(guardrail_policy::delete(clients, record)).await
            }
            RecordKind::Bucket => {
                Box::pin(bucket::delete(clients, record, self.env.force_destroy)).await
            }
            RecordKind::FlowLogGroup => Box::pin(flow_log::delete_group(clients, record)).await,
            RecordKind::FlowLog => Box::pin(flow_log::delete(clients, record)).await,
            RecordKind::StudioDomain => {
                Box::pin(domain::delete(
                    clients,
                    record,
                    self.env.efs_retention,
                    self.deadline,
                ))
                .await
            }
            RecordKind::StudioUserProfile => {
                Box::pin(user_profile::delete(clients, record, self.deadline)).await
            }
            RecordKind::StudioScopePolicy => Box::pin(studio_scope::delete(clients, record)).await,
            RecordKind::StudioCustomImage => {
                Box::pin(custom_image::delete(clients, record, self.deadline)).await
            }
            RecordKind::StudioLifecycleConfig => {
                Box::pin(lifecycle_config::delete(clients, record, self.deadline)).await
            }
            RecordKind::PackageDomain => {
                Box::pin(package_repository::delete_domain(clients, record)).await
            }
            RecordKind::PackageRepository => {
                Box::pin(package_repository::delete_repository(clients, record)).await
            }
            RecordKind::ConfigRules => Box::pin(config_rules::delete(clients, record)).await,
            RecordKind::CatalogBucket => Box::pin(catalog_bucket::delete(clients, record)).await,
            RecordKind::TeamPortfolio => Box::pin(team_portfolio::delete(clients, record)).await,
            RecordKind::TeamProduct => {
                Box::pin(team_product::delete(clients, record, self.deadline)).await
            }
            RecordKind::MlopsBucket => Box::pin(catalog_bucket::delete(clients, record)).await,
            RecordKind::MlopsSeedCode => Box::pin(mlops::delete_seed_code(clients, record)).await,
            RecordKind::MlopsRole => Box::pin(role::delete(clients, record)).await,
            RecordKind::MlopsPortfolio => Box::pin(team_portfolio::delete(clients, record)).await,
            RecordKind::MlopsTemplate => {
                Box::pin(mlops::delete_template(clients, record, self.deadline)).await
            }
            // Brought by the user: theirs to keep.
            RecordKind::ExistingVpc
            | RecordKind::ExistingSubnet
            | RecordKind::ExistingS3Endpoint
            | RecordKind::ExistingRole => Ok(()),
            RecordKind::Unknown(other) => Err(ChildError::Refused {
                child: record.physical_id.clone(),
                reason: format!(
                    "unknown child kind {other:?} in the ledger; it was written by a newer version"
                ),
            }),
        }
    }
}

/// The data and model bucket names of `spec`: the spec's, or
/// `<name>-<stage>-<region>-<account>-<purpose>`.
pub fn bucket_names(spec: &EnvironmentSpec, clients: &AwsClients) -> BucketNames {
    let name = |purpose: BucketPurpose, given: &Option<String>| {
        given.clone().unwrap_or_else(|| {
            format!(
                "{}-{}-{}-{}-{}",
                spec.name,
                spec.stage.as_str(),
                clients.region,
                clients.account_id,
                purpose.key()
            )
        })
    };
    BucketNames {
        data: name(BucketPurpose::Data, &spec.storage.data_bucket_name),
        models: name(BucketPurpose::Models, &spec.storage.model_bucket_name),
    }
}

fn inputs<'a>(node: &'a Node<Child>, ledger: &'a Ledger) -> Inputs<'a> {
    Inputs {
        id: &node.id,
        depends_on: &node.depends_on,
        ledger,
    }
}

async fn ensure_of<K: ChildKind>(
    kind: &K,
    cx: &Cx<'_>,
    inputs: &Inputs<'_>,
) -> Result<Record, ChildError> {
    let desired = kind.desired(cx, inputs)?;
    kind.ensure(cx, &desired).await
}

async fn drift_of<K: ChildKind>(
    kind: &K,
    cx: &Cx<'_>,
    inputs: &Inputs<'_>,
    record: &Record,
) -> Result<Vec<String>, ChildError> {
    let desired = kind.desired(cx, inputs)?;
    kind.drift(cx, record, &desired).await
}
