//! The studio scope: an inline policy ([`STUDIO_SCOPE_POLICY_NAME`]) on each role the
//! environment creates for people and SageMaker, denying Studio's profile, app and space actions
//! outside the environment's domain. Profile ARNs carry the domain id and no condition key names
//! the domain, so the document needs the domain's id: it is put once the domain exists, after
//! the roles (whose own inline permission policy leaves it alone). Without it, a team admin could
//! make a profile tagged as their environment's in another team's domain and sign in to it.
//!
//! The record lists the roles it is on (an attribute), so delete removes it from exactly those;
//! a role already gone counts as done.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::role::{delete_inline_policy, inline_policy};
use super::tags::policy_differences;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{LogicalId, RecordKind};
use crate::policy::environment::roles::{studio_scope_policy, STUDIO_SCOPE_POLICY_NAME};

/// Record kind of the studio scope.
pub const KIND: RecordKind = RecordKind::StudioScopePolicy;
/// Record attribute: the roles the policy is on, comma-separated.
pub const ROLES_ATTRIBUTE: &str = "roles";
/// Record attribute: the domain the policy keeps the roles in.
pub const DOMAIN_ATTRIBUTE: &str = "domain_id";

/// What the scope should be: its document on these roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSettings {
    /// The environment's domain.
    pub domain_id: String,
    /// The roles (names) it goes on.
    pub roles: BTreeSet<String>,
    /// The document.
    pub document: Value,
}

/// Puts the document on every role of `settings` where it is missing or differs.
pub async fn ensure(
    clients: &AwsClients,
    env_id: &str,
    settings: &ScopeSettings,
) -> Result<Record, ChildError> {
    for role in &settings.roles {
        let current = inline_policy(clients, role, STUDIO_SCOPE_POLICY_NAME).await?;
        if current.is_some_and(|c| policy_differences(&settings.document, &c).is_empty()) {
            continue;
        }
        clients
            .iam
            .put_role_policy()
            .role_name(role)
            .policy_name(STUDIO_SCOPE_POLICY_NAME)
            .policy_document(settings.document.to_string())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("iam", "PutRolePolicy", e))?;
    }
    Ok(Record {
        kind: KIND,
        physical_id: format!("{env_id}-{STUDIO_SCOPE_POLICY_NAME}"),
        arn: None,
        attributes: BTreeMap::from([
            (
                ROLES_ATTRIBUTE.to_string(),
                settings.roles.iter().cloned().collect::<Vec<_>>().join(","),
            ),
            (DOMAIN_ATTRIBUTE.to_string(), settings.domain_id.clone()),
        ]),
        depends_on: Vec::new(),
    })
}

/// The roles a record says the policy is on.
fn roles_of(record: &Record) -> Vec<&str> {
    record
        .attributes
        .get(ROLES_ATTRIBUTE)
        .map(|r| r.split(',').filter(|n| !n.is_empty()).collect())
        .unwrap_or_default()
}

/// A role missing the policy, or holding another document, one line each.
pub async fn drift(
    clients: &AwsClients,
    settings: &ScopeSettings,
) -> Result<Vec<String>, ChildError> {
    let mut out = Vec::new();
    for role in &settings.roles {
        let subject = format!("role {role}: inline policy {STUDIO_SCOPE_POLICY_NAME}");
        match inline_policy(clients, role, STUDIO_SCOPE_POLICY_NAME).await? {
            None => out.push(format!("{subject} is missing; apply restores it")),
            Some(current) => out.extend(
                policy_differences(&settings.document, &current)
                    .into_iter()
                    .map(|d| format!("{subject} {d}; apply restores it")),
            ),
        }
    }
    Ok(out)
}

/// Removes the policy from the roles the record lists.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    for role in roles_of(record) {
        match delete_inline_policy(clients, role, STUDIO_SCOPE_POLICY_NAME).await {
            // The role went first (deleted outside the engine): nothing to remove.
            Err(ChildError::Aws(err)) if err.is_not_found() => {}
            other => other?,
        }
    }
    Ok(())
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::StudioScope {
    type Desired = ScopeSettings;

    /// The domain's id and the roles' names, from their records.
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<ScopeSettings, ChildError> {
        let domain_id = inputs.physical_id(&LogicalId::StudioDomain)?;
        let roles = self
            .personas
            .iter()
            .map(|p| inputs.physical_id(&LogicalId::Role(*p)))
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(ScopeSettings {
            document: studio_scope_policy(&cx.env.facts, &domain_id),
            domain_id,
            roles,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, settings: &ScopeSettings) -> Result<Record, ChildError> {
        ensure(cx.clients, &cx.env.env_id, settings).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        _record: &Record,
        settings: &ScopeSettings,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, settings).await
    }

    /// Its roles follow the graph; a role that leaves it (brought instead of created) is
    /// deleted with its inline policies.
    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_lists_the_roles() {
        let record = Record {
            kind: KIND,
            physical_id: "x".into(),
            arn: None,
            attributes: BTreeMap::from([(ROLES_ATTRIBUTE.to_string(), "a,b".to_string())]),
            depends_on: Vec::new(),
        };
        assert_eq!(roles_of(&record), ["a", "b"]);
    }
}
