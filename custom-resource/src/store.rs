//! What a resource holds between events, kept in SSM Parameter Store under its physical id.
//!
//! CloudFormation keeps only the `PhysicalResourceId`; the engine's ledger (every child that
//! exists) must survive from Create to Update to Delete, and across the continuations of one
//! long operation. A [`Record`] is stored as JSON in standard-tier `String` parameters under
//! `<prefix>/<physical id>/ledger/`: one parameter holds at most 4 KB, and a Studio
//! environment's ledger is larger, so the JSON is split into numbered chunks (`00`, `01`, ...)
//! read back in order with one `GetParametersByPath`. Nothing in it is secret (ids and ARNs).
//!
//! The record is written before any AWS change (marked [`Record::in_progress`]) and again when
//! a run ends, so a crash at any point leaves either a complete ledger or an in-progress mark:
//! the next run then adopts what exists by tags and names (the engine's apply), never forgets
//! it. A record cut half-way by a crash during the write reads as [`StoreError::Unreadable`],
//! which the handler treats the same way.

use std::collections::BTreeSet;

use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use secure_mlops_core::aws::AwsCallError;
use secure_mlops_core::engine::Ledger;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Default parameter prefix.
pub const DEFAULT_PREFIX: &str = "/secure-mlops";
/// Largest chunk written to one parameter (the standard tier holds 4096 characters).
pub const CHUNK_BYTES: usize = 4000;

/// What one resource holds between events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Format version.
    pub version: u32,
    /// `Custom::SecureDsEnvironment`, `Custom::SageMakerProjectsEnablement` or
    /// `Custom::MlopsProjectTemplates`.
    pub resource_type: String,
    /// The stack that owns the resource: another stack's Create of the same id is refused.
    pub stack_id: String,
    /// The owner's logical id.
    pub logical_resource_id: String,
    /// The request that wrote last: continuations of an older request stop when a newer one
    /// (a Delete after CloudFormation gave up waiting) has taken over.
    pub request_id: String,
    /// True from before a run's first AWS change until its end: a crash leaves it set, and
    /// the next run adopts what the ledger may have missed.
    pub in_progress: bool,
    /// The properties last applied (a Delete uses them when the event's no longer parse).
    pub properties: Value,
    /// Environments and MLOps project templates: the engine's ledger.
    #[serde(default)]
    pub ledger: Ledger,
    /// Projects enablement: the principals associated by this resource.
    #[serde(default)]
    pub principals: BTreeSet<String>,
}

impl Record {
    /// Current format version.
    pub const VERSION: u32 = 1;

    /// True when `stack_id` and `logical_resource_id` own this record.
    pub fn owned_by(&self, stack_id: &str, logical_resource_id: &str) -> bool {
        self.stack_id == stack_id && self.logical_resource_id == logical_resource_id
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An SSM call failed.
    #[error("ledger store: {0}")]
    Aws(#[from] AwsCallError),
    /// The stored JSON does not parse (a write was cut short).
    #[error("ledger store: the record under {name} is unreadable ({why})")]
    Unreadable {
        /// The parameter path.
        name: String,
        /// The parse error.
        why: String,
    },
    /// A later request wrote the record: this run no longer owns it.
    #[error(
        "superseded: request {0} has taken this resource over; this run's changes are not recorded"
    )]
    Superseded(String),
    /// The id cannot be part of a parameter name.
    #[error("ledger store: {0:?} cannot be used in an SSM parameter name")]
    BadId(String),
}

/// Records in SSM Parameter Store.
#[derive(Debug, Clone)]
pub struct SsmStore {
    client: aws_sdk_ssm::Client,
    prefix: String,
}

impl SsmStore {
    /// A store under `prefix` (e.g. `/secure-mlops`).
    pub fn new(client: aws_sdk_ssm::Client, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into().trim_end_matches('/').to_string();
        SsmStore { client, prefix }
    }

    /// `<prefix>/<id>/ledger`.
    pub fn path_of(&self, id: &str) -> Result<String, StoreError> {
        let ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b))
            && !id.starts_with('/')
            && !id.contains("//");
        if ok {
            Ok(format!("{}/{id}/ledger", self.prefix))
        } else {
            Err(StoreError::BadId(id.to_string()))
        }
    }

    async fn chunks(&self, path: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .get_parameters_by_path()
                .path(path)
                .recursive(false)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ssm", "GetParametersByPath", e))?;
            for p in page.parameters() {
                if let (Some(name), Some(value)) = (p.name(), p.value()) {
                    out.push((name.to_string(), value.to_string()));
                }
            }
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        out.sort();
        Ok(out)
    }

    /// The record under `id`, `None` when there is none.
    pub async fn load(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let path = self.path_of(id)?;
        let chunks = self.chunks(&path).await?;
        if chunks.is_empty() {
            return Ok(None);
        }
        let text: String = chunks.into_iter().map(|(_, v)| v).collect();
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Unreadable {
                name: path,
                why: e.to_string(),
            })
    }

    /// Writes `record` under `id`, replacing what was there.
    pub async fn save(&self, id: &str, record: &Record) -> Result<(), StoreError> {
        let path = self.path_of(id)?;
        // Serialising ids, strings and a JSON value cannot fail.
        let text = serde_json::to_string(record).unwrap_or_default();
        let pieces = split(&text, CHUNK_BYTES);
        let before: Vec<String> = self
            .chunks(&path)
            .await?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let mut written = BTreeSet::new();
        for (i, piece) in pieces.iter().enumerate() {
            let name = format!("{path}/{i:02}");
            self.client
                .put_parameter()
                .name(&name)
                .value(*piece)
                .r#type(ParameterType::String)
                .tier(ParameterTier::Standard)
                .overwrite(true)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ssm", "PutParameter", e))?;
            written.insert(name);
        }
        let stale: Vec<String> = before
            .into_iter()
            .filter(|n| !written.contains(n))
            .collect();
        self.delete_names(stale).await
    }

    /// Writes `record` unless a later request (another delivery, a continuation of a newer
    /// event) has written the record under `id` since: two runs must not overwrite each other's
    /// ledgers. An unreadable current record does not stop the write.
    pub async fn save_if_current(&self, id: &str, record: &Record) -> Result<(), StoreError> {
        if let Ok(Some(current)) = self.load(id).await {
            if current.request_id != record.request_id {
                return Err(StoreError::Superseded(current.request_id));
            }
        }
        self.save(id, record).await
    }

    /// Removes the record under `id` (nothing to do when there is none).
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let path = self.path_of(id)?;
        let names = self
            .chunks(&path)
            .await?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        self.delete_names(names).await
    }

    async fn delete_names(&self, names: Vec<String>) -> Result<(), StoreError> {
        for batch in names.chunks(10) {
            self.client
                .delete_parameters()
                .set_names(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ssm", "DeleteParameters", e))?;
        }
        Ok(())
    }
}

/// `text` in pieces of at most `max` bytes, cut at character boundaries.
fn split(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut at = rest.len().min(max);
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        let (piece, tail) = rest.split_at(at);
        out.push(piece);
        rest = tail;
    }
    if out.is_empty() {
        out.push("");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_splits_at_character_boundaries_and_joins_back() {
        let text = "é".repeat(3000) + "abc";
        let pieces = split(&text, CHUNK_BYTES);
        assert!(pieces.iter().all(|p| p.len() <= CHUNK_BYTES));
        assert_eq!(pieces.concat(), text);
        assert_eq!(split("", CHUNK_BYTES), vec![""]);
    }
}
