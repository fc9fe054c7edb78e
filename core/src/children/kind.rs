//! The contract every child kind of an environment fulfils, and the context it works in.
//!
//! A kind (each struct in [`graph::environment`](crate::graph::environment)) says in one place
//! what the child should look like ([`ChildKind::desired`], computed from the spec and the
//! records of what it depends on), and then makes AWS match it ([`ChildKind::ensure`]), reports
//! how AWS differs from it ([`ChildKind::drift`]) and says whether a recorded child is still the
//! one the node describes ([`ChildKind::is_stale`]). Creating, repairing and reporting drift use
//! the same desired value, so they can never disagree. No method has a default: a new kind does
//! not compile until each is written. Deleting goes by the record's kind instead (the node may
//! have left the graph), see [`super::driver`].

use std::collections::BTreeMap;
use std::future::Future;

use super::ec2_tags::Owner;
use super::error::ChildError;
use crate::aws::AwsClients;
use crate::engine::{Ledger, Record};
use crate::ids::{BucketPurpose, LogicalId};
use crate::policy::environment::EnvironmentFacts;
use crate::spec::{EfsRetention, GuardrailSpec};
use crate::wait::Deadline;

/// What every child of one environment shares, decided by the spec before any child is made.
#[derive(Debug, Clone)]
pub struct EnvironmentContext {
    /// The environment id (`<name>-<stage>`), the value of the environment tag.
    pub env_id: String,
    /// Names and ARNs the environment's documents derive from.
    pub facts: EnvironmentFacts,
    /// Tags for every child: the provider's default tags, then the spec's (which win).
    pub tags: BTreeMap<String, String>,
    /// The data and model bucket names.
    pub bucket_names: BucketNames,
    /// The guardrails the guardrail policy enforces.
    pub guardrails: GuardrailSpec,
    /// Empty the buckets on delete.
    pub force_destroy: bool,
    /// What happens to Studio's home file system when the domain is deleted.
    pub efs_retention: EfsRetention,
    /// The permissions boundary the spec names for the roles the environment creates.
    pub permissions_boundary_arn: Option<String>,
    /// What a refresh read ahead for all children at once (empty otherwise).
    pub reads: super::reads::Reads,
}

/// The names of the environment's two buckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketNames {
    /// The data bucket.
    pub data: String,
    /// The model bucket.
    pub models: String,
}

impl BucketNames {
    /// The name of the bucket for `purpose`.
    pub fn of(&self, purpose: BucketPurpose) -> &str {
        match purpose {
            BucketPurpose::Data => &self.data,
            BucketPurpose::Models => &self.models,
        }
    }

    /// Both names, data first.
    pub fn all(&self) -> [String; 2] {
        [self.data.clone(), self.models.clone()]
    }
}

/// The context one child operation runs in: the clients, the environment, the child's own
/// logical id and the run's deadline.
#[derive(Debug, Clone, Copy)]
pub struct Cx<'a> {
    /// The AWS clients.
    pub clients: &'a AwsClients,
    /// What the environment's children share.
    pub env: &'a EnvironmentContext,
    /// The child's logical id.
    pub id: &'a str,
    /// When waits inside the child must give up.
    pub deadline: Deadline,
}

impl<'a> Cx<'a> {
    /// Who the child belongs to, for its tags and look-ups.
    pub fn owner(&self) -> Owner<'a> {
        Owner {
            env_id: &self.env.env_id,
            logical_id: self.id,
        }
    }

    /// The tags every child gets.
    pub fn tags(&self) -> &'a BTreeMap<String, String> {
        &self.env.tags
    }

    /// An error saying what blocks this child.
    pub fn refused(&self, reason: impl Into<String>) -> ChildError {
        ChildError::Refused {
            child: self.id.to_string(),
            reason: reason.into(),
        }
    }
}

/// The records of what a child depends on (and of every child made so far).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The child's logical id.
    pub id: &'a str,
    /// Its dependencies, in the graph's order.
    pub depends_on: &'a [String],
    /// Every child that exists.
    pub ledger: &'a Ledger,
}

impl<'a> Inputs<'a> {
    fn missing(&self, what: String) -> ChildError {
        ChildError::MissingInput {
            child: self.id.to_string(),
            input: what,
        }
    }

    /// The record of `id`, which must exist.
    pub fn get(&self, id: &LogicalId) -> Result<&'a Record, ChildError> {
        let key = id.to_string();
        self.ledger.get(&key).ok_or_else(|| self.missing(key))
    }

    /// The physical id of `id`.
    pub fn physical_id(&self, id: &LogicalId) -> Result<String, ChildError> {
        Ok(self.get(id)?.physical_id.clone())
    }

    /// The ARN of `id`, which must have one.
    pub fn arn(&self, id: &LogicalId) -> Result<String, ChildError> {
        self.get(id)?
            .arn
            .clone()
            .ok_or_else(|| self.missing(format!("{id}.arn")))
    }

    /// The records of the dependencies whose logical id `matches`, in dependency order.
    pub fn dependencies(
        &self,
        matches: impl Fn(&LogicalId) -> bool,
    ) -> Result<Vec<&'a Record>, ChildError> {
        self.depends_on
            .iter()
            .filter(|d| d.parse::<LogicalId>().is_ok_and(|id| matches(&id)))
            .map(|d| self.ledger.get(d).ok_or_else(|| self.missing(d.clone())))
            .collect()
    }

    /// The physical ids of the dependencies whose logical id `matches`.
    pub fn dependency_ids(
        &self,
        matches: impl Fn(&LogicalId) -> bool,
    ) -> Result<Vec<String>, ChildError> {
        Ok(self
            .dependencies(matches)?
            .into_iter()
            .map(|r| r.physical_id.clone())
            .collect())
    }

    /// The one dependency whose logical id `matches`.
    pub fn dependency(
        &self,
        what: &str,
        matches: impl Fn(&LogicalId) -> bool,
    ) -> Result<&'a Record, ChildError> {
        self.dependencies(matches)?
            .into_iter()
            .next()
            .ok_or_else(|| self.missing(what.to_string()))
    }
}

/// One kind of environment child: what it should be, and how to make, check and recognise it.
pub trait ChildKind: Sync {
    /// Everything needed to make the child, computed from the spec and its inputs.
    type Desired: Send + Sync;

    /// What the child should look like, given the records of what it depends on. Pure: no AWS.
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError>;

    /// Makes the child exist as `desired` says: look it up by tags or deterministic name and
    /// adopt it, else create it; repair settings that drifted. Idempotent: a crash at any point
    /// is repaired by calling it again.
    fn ensure(
        &self,
        cx: &Cx<'_>,
        desired: &Self::Desired,
    ) -> impl Future<Output = Result<Record, ChildError>> + Send;

    /// What differs between the recorded child and `desired`, in words a user can act on; empty
    /// when it matches (or when the kind has nothing a user could change outside).
    fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> impl Future<Output = Result<Vec<String>, ChildError>> + Send;

    /// True when `record`, kept under this node's logical id, is not the child the node
    /// describes any more (a created role replaced by one the user brings, a renamed bucket):
    /// it must be deleted before the node is ensured, or it would be forgotten.
    fn is_stale(&self, cx: &Cx<'_>, record: &Record) -> bool;
}
