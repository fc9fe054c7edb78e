//! What exists: child logical id -> physical id, ARN and the attributes dependents need.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::RecordKind;

/// One child that exists in AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The child kind, so it can be deleted without the graph that made it.
    pub kind: RecordKind,
    /// AWS's id (`vpc-0abc...`, a bucket name, a role name).
    pub physical_id: String,
    /// The ARN, when the child has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Values dependents read (e.g. a route table id created with a VPC).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// The logical ids it depended on when created: delete order for children that left the graph.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// Every child that exists, by logical id. Serialisable, so front ends can keep it (Terraform
/// state, the custom resource's progress) and a later run continues from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    records: BTreeMap<String, Record>,
}

impl Ledger {
    /// The record of a logical id.
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.get(id)
    }

    /// Records that `id` exists.
    pub fn insert(&mut self, id: impl Into<String>, record: Record) {
        self.records.insert(id.into(), record);
    }

    /// Forgets `id` (it was deleted).
    pub fn remove(&mut self, id: &str) -> Option<Record> {
        self.records.remove(id)
    }

    /// Every record, by logical id.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Record)> {
        self.records.iter()
    }

    /// Number of children recorded.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
