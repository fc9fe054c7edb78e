//! The permissions boundary the environment creates for its roles when the spec names none
//! (`iam.permissions_boundary_arn`): a customer-managed policy `<env id>-boundary` under
//! `/secure-mlops/`, with the document of [`crate::policy::environment::boundary`]. Every role
//! the environment creates depends on it and carries it.
//!
//! It is found again by its ARN and adopted only if its tags say it is this child; a changed
//! document becomes a new default version, as for the guardrail policy, whose helpers it
//! shares. It is deleted after the roles that carry it (reverse dependency order).

use std::collections::BTreeMap;

use serde_json::Value;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::guardrail_policy::{check_ours, default_document, exists, update_document};
use super::kind::{ChildKind, Cx, Inputs};
use super::role::iam_tags;
use super::tags::policy_differences;
use crate::aws::{AwsCallError, AwsClients, ErrorKind};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::RecordKind;
use crate::policy::environment::boundary_policy;
use crate::policy::environment::roles::{environment_policy_arn, IAM_PATH};

/// Record kind of the boundary policy.
pub const KIND: RecordKind = RecordKind::BoundaryPolicy;

/// The boundary policy's name: `<env_id>-boundary`.
pub fn policy_name(env_id: &str) -> String {
    format!("{env_id}-boundary")
}

/// The ARN of the environment's boundary policy (under [`IAM_PATH`]).
pub fn policy_arn(clients: &AwsClients, env_id: &str) -> String {
    environment_policy_arn(
        &clients.partition,
        &clients.account_id,
        &policy_name(env_id),
    )
}

/// Adopts the policy (if it is this child; else refuses) or creates it, and makes `document`
/// its default version.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    document: &Value,
) -> Result<Record, ChildError> {
    let name = policy_name(owner.env_id);
    let arn = policy_arn(clients, owner.env_id);
    let adopt = if exists(clients, &arn).await? {
        check_ours(clients, owner, &arn).await?;
        true
    } else {
        let created = clients
            .iam
            .create_policy()
            .policy_name(&name)
            .path(IAM_PATH)
            .description(format!(
                "secure-mlops environment {}: permissions boundary of the roles it creates; grants nothing by itself",
                owner.env_id
            ))
            .policy_document(document.to_string())
            .set_tags(Some(iam_tags(owner, tags)))
            .send()
            .await;
        match created {
            Ok(_) => false,
            Err(e) => {
                let err = AwsCallError::from_sdk("iam", "CreatePolicy", e);
                if err.kind != ErrorKind::AlreadyExists {
                    return Err(err.into());
                }
                check_ours(clients, owner, &arn).await?;
                true
            }
        }
    };
    if adopt {
        clients
            .iam
            .tag_policy()
            .policy_arn(&arn)
            .set_tags(Some(iam_tags(owner, tags)))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("iam", "TagPolicy", e))?;
        update_document(clients, &arn, document).await?;
    }
    Ok(Record {
        kind: KIND,
        physical_id: arn.clone(),
        arn: Some(arn),
        attributes: BTreeMap::from([("name".to_string(), name)]),
        depends_on: Vec::new(),
    })
}

/// What differs from the desired boundary, in words; empty when compliant.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    document: &Value,
) -> Result<Vec<String>, ChildError> {
    let arn = record.physical_id.as_str();
    let subject = format!("boundary policy {arn}");
    let Some(current) = default_document(clients, arn).await? else {
        return Ok(vec![format!(
            "{subject}: the policy is gone; apply creates it again"
        )]);
    };
    Ok(policy_differences(document, &current)
        .into_iter()
        .map(|d| format!("{subject}: {d}; apply restores it"))
        .collect())
}

impl ChildKind for kinds::BoundaryPolicy {
    /// The document.
    type Desired = Value;

    fn desired(&self, cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<Value, ChildError> {
        Ok(boundary_policy(&cx.env.facts))
    }

    async fn ensure(&self, cx: &Cx<'_>, document: &Value) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), document).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        document: &Value,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, document).await
    }

    fn is_stale(&self, cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != policy_arn(cx.clients, &cx.env.env_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_follows_the_environment() {
        assert_eq!(policy_name("team-a-dev"), "team-a-dev-boundary");
    }
}
