//! Team environments: the operations behind `sagemaker_secure_ds_environment` and
//! `Custom::SecureDsEnvironment`.
//!
//! Each operation validates the spec, derives the graph and runs it with the
//! [`EnvironmentDriver`]. The [`Ledger`] of what exists goes in and comes back out, on success
//! and on failure alike, so the front end always records what it has to clean up.

mod complete;
mod outputs;

pub use complete::{complete, default_zones, internet_gateway_of};
pub use outputs::{outputs, Outputs};

use crate::aws::AwsClients;
use crate::children::driver::{bucket_names, EnvironmentDriver};
use crate::children::ec2_tags::filter;
use crate::children::error::ChildError;
use crate::children::reads::Reads;
use crate::engine::{self, ExecError, ExecFailure, ExecOptions, ExecReport, Ledger};
use crate::graph::environment::{environment_graph, Child};
use crate::graph::{Graph, GraphError, Node};
use crate::ids::{LogicalId, ENVIRONMENT_TAG};
use crate::spec::{AttrPath, EfsRetention, EnvironmentSpec, ValidationErrors};
use crate::wait::Deadline;

/// How many children are worked on at once. AWS throttles bursts of EC2 and IAM calls; eight
/// keeps a two-zone environment's endpoints moving without tripping the limits.
pub const CONCURRENCY: usize = 8;

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

/// The graph of `spec`, after validation. The spec must be completed ([`complete`]): its zones
/// known, unless the environment uses existing subnets.
pub fn plan(spec: &EnvironmentSpec) -> Result<Graph<Child>, EnvironmentError> {
    spec.validate()?;
    let net = &spec.network;
    if net.availability_zones.is_none() && net.existing_private_subnet_ids.is_none() {
        let mut errors = ValidationErrors::default();
        errors.push(
            AttrPath::attr("network").then("availability_zones"),
            "Availability Zones Not Known",
            "the spec was not completed: environment::complete fills the region's default zones before a plan",
        );
        return Err(errors.into());
    }
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
    let domain = LogicalId::StudioDomain.to_string();
    if stale.get(&domain).is_some() {
        let profiles: Vec<String> = ledger
            .iter()
            .filter(|(_, r)| r.depends_on.contains(&domain))
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
    let mut driver = EnvironmentDriver::for_spec(clients.clone(), spec);
    driver.env.reads = Reads::load(clients, ledger).await;
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

/// What a destroy did.
#[derive(Debug, Clone)]
pub struct Destroyed {
    /// Timings.
    pub report: ExecReport,
    /// Studio's home file system, kept because `studio.efs_retention` is `Retain`: the users'
    /// home directories are still there, and the user should be told where.
    pub kept_file_system: Option<String>,
}

/// Deletes every child in `ledger` (what the user brought is left alone), dependents first.
/// With `spec.storage.force_destroy` the buckets are emptied; without it a bucket that holds
/// objects stops the delete with a message saying so, and the ledger keeps what is left.
pub async fn destroy(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    ledger: Ledger,
    deadline: Deadline,
) -> Result<Destroyed, Failed> {
    let kept_file_system = match spec.studio.efs_retention {
        EfsRetention::Retain => ledger
            .get(&LogicalId::StudioDomain.to_string())
            .and_then(|r| r.attributes.get(crate::children::domain::EFS_ATTRIBUTE))
            .cloned(),
        EfsRetention::Delete => None,
    };
    let driver = EnvironmentDriver::for_spec(clients.clone(), spec).with_deadline(deadline);
    let options = ExecOptions {
        concurrency: CONCURRENCY,
        deadline,
    };
    let report = engine::destroy(&driver, ledger, options).await?;
    Ok(Destroyed {
        report,
        kept_file_system,
    })
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
    for bucket in bucket_names(spec, clients).all() {
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
