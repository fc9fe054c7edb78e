//! Team environments: the operations behind `sagemaker_secure_ds_environment` and
//! `Custom::SecureDsEnvironment`.
//!
//! Each operation validates the spec, derives the graph and runs it with the
//! [`EnvironmentDriver`]. The [`Ledger`] of what exists goes in and comes back out, on success
//! and on failure alike, so the front end always records what it has to clean up.

use std::collections::BTreeMap;

use crate::aws::{AwsCallError, AwsClients};
use crate::children::ec2_tags::filter;
use crate::children::environment::{bucket_name, EnvironmentDriver};
use crate::children::error::ChildError;
use crate::children::ENVIRONMENT_TAG;
use crate::engine::{self, ExecError, ExecFailure, ExecOptions, ExecReport, Ledger};
use crate::graph::environment::{
    environment_graph, key_id, private_subnet_id, public_subnet_id, role_id, Child, KeyPurpose,
    Persona, ENDPOINT_SECURITY_GROUP, S3_ENDPOINT, SAGEMAKER_SECURITY_GROUP, STUDIO_DOMAIN, VPC,
};

/// Record attribute of the domain's URL (kept in step with `children::domain`).
const DOMAIN_URL_ATTRIBUTE: &str = "url";
/// Record attribute of the domain's home file system.
const DOMAIN_EFS_ATTRIBUTE: &str = "home_efs_file_system_id";
use crate::graph::{Graph, GraphError, Node};
use crate::spec::{EnvironmentSpec, ValidationErrors};
use crate::wait::Deadline;

/// How many children are worked on at once. AWS throttles bursts of EC2 and IAM calls; eight
/// keeps a two-zone environment's endpoints moving without tripping the limits.
pub const CONCURRENCY: usize = 8;

/// The values an environment reports: the front ends' computed attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    /// The VPC (created or brought).
    pub vpc_id: String,
    /// Private subnets, by zone order.
    pub private_subnet_ids: Vec<String>,
    /// Public subnets (NAT only), by zone order.
    pub public_subnet_ids: Vec<String>,
    /// The SageMaker security group.
    pub sagemaker_security_group_id: String,
    /// The interface endpoints' security group.
    pub endpoint_security_group_id: String,
    /// The S3 gateway endpoint (created or brought).
    pub s3_endpoint_id: String,
    /// Interface endpoint ids by service name.
    pub interface_endpoint_ids: BTreeMap<String, String>,
    /// KMS key ARNs: `data`, `ebs`, `studio`.
    pub kms_key_arns: BTreeMap<String, String>,
    /// The data bucket's ARN.
    pub data_bucket_arn: String,
    /// The model bucket's ARN.
    pub model_bucket_arn: String,
    /// Role ARNs: `data_scientist`, `team_admin`, `execution`, `sc_launch`.
    pub role_arns: BTreeMap<String, String>,
    /// The Studio domain's id, when there is one.
    pub domain_id: Option<String>,
    /// Its ARN.
    pub domain_arn: Option<String>,
    /// Its URL.
    pub domain_url: Option<String>,
    /// Its home EFS file system (made by SageMaker).
    pub efs_id: Option<String>,
    /// User profile ARNs by name.
    pub user_profile_arns: BTreeMap<String, String>,
}

/// One setting found different from the spec, on one child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The child's logical id.
    pub child: String,
    /// What differs and what apply will do about it.
    pub detail: String,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.child, self.detail)
    }
}

/// Why an environment operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// The spec is invalid; nothing was called.
    #[error("invalid environment: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The spec maps to a malformed graph: a bug, reported rather than run.
    #[error("internal error building the environment's graph: {0}")]
    Graph(#[from] GraphError),
    /// Child operations failed.
    #[error("{}", describe(.0))]
    Children(Vec<ExecError<ChildError>>),
    /// Reading a child failed.
    #[error("reading {child}: {source}")]
    Read {
        /// The child's logical id.
        child: String,
        /// Why.
        #[source]
        source: ChildError,
    },
}

fn describe(errors: &[ExecError<ChildError>]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A failed operation and what exists after it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// Every child that exists now: record it, so a later run or a destroy continues from it.
    pub ledger: Ledger,
    /// Why the operation stopped.
    #[source]
    pub error: EnvironmentError,
}

impl Failed {
    fn before_any_call(ledger: Ledger, error: impl Into<EnvironmentError>) -> Self {
        Failed {
            ledger,
            error: error.into(),
        }
    }
}

impl From<ExecFailure<ChildError>> for Failed {
    fn from(failure: ExecFailure<ChildError>) -> Self {
        Failed {
            ledger: failure.ledger,
            error: EnvironmentError::Children(failure.errors),
        }
    }
}

/// The graph of `spec`, after validation.
pub fn plan(spec: &EnvironmentSpec) -> Result<Graph<Child>, EnvironmentError> {
    spec.validate()?;
    Ok(environment_graph(spec)?)
}

/// Brings AWS to `spec`, starting from `ledger` (empty for a create, or after a lost state:
/// children are then adopted by their tags and names). Children recorded under a logical id
/// that now means something else (a created role replaced by a given one, a renamed bucket) are
/// deleted first; children no longer in the graph are deleted last.
pub async fn apply(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    mut ledger: Ledger,
    deadline: Deadline,
) -> Result<(Ledger, ExecReport), Failed> {
    let graph = match plan(spec) {
        Ok(graph) => graph,
        Err(e) => return Err(Failed::before_any_call(ledger, e)),
    };
    let driver = EnvironmentDriver::for_spec(clients.clone(), spec).with_deadline(deadline);
    let options = ExecOptions {
        concurrency: CONCURRENCY,
        deadline,
    };
    let mut stale = Ledger::default();
    for node in graph.nodes() {
        if let Some(record) = ledger.get(&node.id) {
            if driver.is_stale(node, record) {
                tracing::info!(child = %node.id, old = %record.physical_id, "child replaced: deleting the old one first");
                if let Some(record) = ledger.remove(&node.id) {
                    stale.insert(node.id.clone(), record);
                }
            }
        }
    }
    // A new domain takes its user profiles with it: the old ones go with the old domain (they
    // keep their dependency on it, so they are deleted first) and are made again in the new one.
    if stale.get(STUDIO_DOMAIN).is_some() {
        let profiles: Vec<String> = ledger
            .iter()
            .filter(|(_, r)| r.depends_on.iter().any(|d| d == STUDIO_DOMAIN))
            .map(|(id, _)| id.clone())
            .collect();
        for id in profiles {
            if let Some(record) = ledger.remove(&id) {
                stale.insert(id, record);
            }
        }
    }
    if !stale.is_empty() {
        if let Err(failure) = engine::destroy(&driver, stale, options).await {
            for (id, record) in failure.ledger.iter() {
                ledger.insert(id.clone(), record.clone());
            }
            return Err(Failed {
                ledger,
                error: EnvironmentError::Children(failure.errors),
            });
        }
    }
    Ok(engine::apply(&graph, &driver, ledger, options).await?)
}

/// Reads every child in `ledger` against `spec`: what drifted (security settings changed
/// outside, children deleted outside), in the graph's creation order. Makes no change.
pub async fn drift(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    ledger: &Ledger,
) -> Result<Vec<Drift>, EnvironmentError> {
    let graph = plan(spec)?;
    let driver = EnvironmentDriver::for_spec(clients.clone(), spec);
    // Reads are cheap and independent: bounded bursts keep refresh fast without throttling.
    // (A loop rather than stream combinators: their closures defeat the Send proof the
    // provider's async trait needs.)
    let order = graph.creation_order();
    let mut results = Vec::with_capacity(order.len());
    for batch in order.chunks(CONCURRENCY) {
        let mut reads = Vec::with_capacity(batch.len());
        for node in batch {
            reads.push(drift_of(&driver, node, ledger));
        }
        results.extend(futures_util::future::join_all(reads).await);
    }
    let mut all = Vec::new();
    for result in results {
        all.extend(result?);
    }
    Ok(all)
}

/// The drift of one child; a child missing from the ledger is drift too.
async fn drift_of(
    driver: &EnvironmentDriver,
    node: &Node<Child>,
    ledger: &Ledger,
) -> Result<Vec<Drift>, EnvironmentError> {
    let Some(record) = ledger.get(&node.id) else {
        return Ok(vec![Drift {
            child: node.id.clone(),
            detail: "does not exist; apply creates it".to_string(),
        }]);
    };
    let details =
        driver
            .drift(node, record, ledger)
            .await
            .map_err(|source| EnvironmentError::Read {
                child: node.id.clone(),
                source,
            })?;
    Ok(details
        .into_iter()
        .map(|detail| Drift {
            child: node.id.clone(),
            detail,
        })
        .collect())
}

/// Deletes every child in `ledger` (what the user brought is left alone), dependents first.
/// With `spec.storage.force_destroy` the buckets are emptied; without it a bucket that holds
/// objects stops the delete with a message saying so, and the ledger keeps what is left.
pub async fn destroy(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    ledger: Ledger,
    deadline: Deadline,
) -> Result<ExecReport, Failed> {
    let driver = EnvironmentDriver::for_spec(clients.clone(), spec).with_deadline(deadline);
    let options = ExecOptions {
        concurrency: CONCURRENCY,
        deadline,
    };
    Ok(engine::destroy(&driver, ledger, options).await?)
}

/// The first two availability zones of the region (by name), the zones an environment spans
/// when the user names none. Read at plan time, so the plan shows them.
pub async fn default_zones(clients: &AwsClients) -> Result<Vec<String>, AwsCallError> {
    let out = clients
        .ec2
        .describe_availability_zones()
        .filters(filter("state", "available"))
        .filters(filter("zone-type", "availability-zone"))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeAvailabilityZones", e))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    zones.sort();
    zones.truncate(2);
    Ok(zones)
}

/// True when anything of the environment `spec` names seems to exist without a ledger to say
/// so: a VPC, subnet or security group tagged with its id (every environment has security groups
/// of its own, even in a VPC it was given), or one of its buckets. Front ends ask before they
/// adopt by tags (an import, a delete whose record was lost). Resources are listed rather than
/// tags, as EC2 can answer tags of deleted resources for a while. Unsure (a call failed) counts
/// as yes: the caller then adopts, which finds what is there.
pub async fn has_traces(clients: &AwsClients, spec: &EnvironmentSpec) -> bool {
    let id = spec.environment_id();
    let tag = || filter(&format!("tag:{ENVIRONMENT_TAG}"), &id);
    let unsure = |operation: &'static str, e: String| {
        tracing::warn!(operation, error = %e, "cannot look for the environment's traces");
        true
    };
    let ec2 = &clients.ec2;
    match ec2.describe_vpcs().filters(tag()).send().await {
        Ok(out) if !out.vpcs().is_empty() => return true,
        Ok(_) => {}
        Err(e) => return unsure("DescribeVpcs", e.to_string()),
    }
    match ec2.describe_subnets().filters(tag()).send().await {
        Ok(out) if !out.subnets().is_empty() => return true,
        Ok(_) => {}
        Err(e) => return unsure("DescribeSubnets", e.to_string()),
    }
    match ec2.describe_security_groups().filters(tag()).send().await {
        Ok(out) if !out.security_groups().is_empty() => return true,
        Ok(_) => {}
        Err(e) => return unsure("DescribeSecurityGroups", e.to_string()),
    }
    for purpose in ["data", "models"] {
        let bucket = bucket_name(spec, clients, purpose);
        if clients
            .s3
            .head_bucket()
            .bucket(&bucket)
            .send()
            .await
            .is_ok()
        {
            return true;
        }
    }
    false
}

/// The internet gateway attached to `vpc_id`, if any: an existing VPC with one cannot take the
/// environment's own NAT layout, and plan says so before anything is created.
pub async fn internet_gateway_of(
    clients: &AwsClients,
    vpc_id: &str,
) -> Result<Option<String>, AwsCallError> {
    let out = clients
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_id))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeInternetGateways", e))?;
    Ok(out
        .internet_gateways()
        .iter()
        .find(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id)))
        .and_then(|g| g.internet_gateway_id().map(str::to_string)))
}

/// The outputs of `graph`'s children recorded in `ledger`.
pub fn outputs(graph: &Graph<Child>, ledger: &Ledger) -> Outputs {
    let id_of = |logical: &str| {
        ledger
            .get(logical)
            .map(|r| r.physical_id.clone())
            .unwrap_or_default()
    };
    let arn_of = |logical: &str| {
        ledger
            .get(logical)
            .and_then(|r| r.arn.clone())
            .unwrap_or_default()
    };
    let indexed = |make: fn(usize) -> String| {
        (0..)
            .map(make)
            .map_while(|id| ledger.get(&id).map(|r| r.physical_id.clone()))
            .collect::<Vec<_>>()
    };
    let interface_endpoint_ids = graph
        .nodes()
        .iter()
        .filter_map(|n| match &n.kind {
            Child::InterfaceEndpoint { service } => {
                Some((service.clone(), ledger.get(&n.id)?.physical_id.clone()))
            }
            _ => None,
        })
        .collect();
    let domain = ledger.get(STUDIO_DOMAIN);
    let user_profile_arns = graph
        .nodes()
        .iter()
        .filter_map(|n| match &n.kind {
            Child::StudioUserProfile { name, .. } => {
                Some((name.clone(), ledger.get(&n.id)?.arn.clone()?))
            }
            _ => None,
        })
        .collect();
    Outputs {
        domain_id: domain.map(|r| r.physical_id.clone()),
        domain_arn: domain.and_then(|r| r.arn.clone()),
        domain_url: domain.and_then(|r| r.attributes.get(DOMAIN_URL_ATTRIBUTE).cloned()),
        efs_id: domain.and_then(|r| r.attributes.get(DOMAIN_EFS_ATTRIBUTE).cloned()),
        user_profile_arns,
        vpc_id: id_of(VPC),
        private_subnet_ids: indexed(private_subnet_id),
        public_subnet_ids: indexed(public_subnet_id),
        sagemaker_security_group_id: id_of(SAGEMAKER_SECURITY_GROUP),
        endpoint_security_group_id: id_of(ENDPOINT_SECURITY_GROUP),
        s3_endpoint_id: id_of(S3_ENDPOINT),
        interface_endpoint_ids,
        kms_key_arns: KeyPurpose::ALL
            .iter()
            .filter_map(|p| {
                let arn = arn_of(&key_id(*p));
                (!arn.is_empty()).then(|| (p.key().to_string(), arn))
            })
            .collect(),
        data_bucket_arn: arn_of("bucket-data"),
        model_bucket_arn: arn_of("bucket-models"),
        role_arns: Persona::ALL
            .iter()
            .filter_map(|p| {
                let arn = arn_of(&role_id(*p));
                (!arn.is_empty()).then(|| (p.key().to_string(), arn))
            })
            .collect(),
    }
}
