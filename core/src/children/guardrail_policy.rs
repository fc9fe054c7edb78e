//! The environment's guardrail policy: a customer-managed IAM policy (the document from
//! [`guardrail_policy`](crate::policy::environment::guardrail_policy)) attached to the roles the
//! environment creates for people and SageMaker. It names the environment's private subnets,
//! SageMaker security group, `ebs` key (volumes) and `data` key (job outputs), read from the
//! records of those children, which the graph makes its dependencies.
//!
//! Its name is deterministic (`<env id>-guardrails`, under the path `/secure-mlops/`), so its
//! ARN is too and it is found again by ARN; it is adopted only if its tags say it is this child.
//! Versions before the path made it at `/`: that policy, when it is this child, is deleted
//! before the new one is created (IAM policy names are unique whatever the path). A changed
//! document becomes a new default version (IAM keeps at most five, so the oldest non-default one
//! goes first).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::{EntityType, PolicyVersion};
use serde_json::Value;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::role::{iam_tags, tag_map};
use super::tags::{iam_document, owned_by, policy_differences};
use crate::aws::{AwsCallError, AwsClients, ErrorKind};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::KeyPurpose;
use crate::ids::LogicalId;
use crate::ids::RecordKind;
use crate::ids::ENVIRONMENT_TAG;
use crate::policy::environment::roles::{environment_policy_arn, IAM_PATH};
use crate::policy::environment::{guardrail_policy as guardrail_document, GuardrailScope};

/// Record kind of the guardrail policy.
pub const KIND: RecordKind = RecordKind::GuardrailPolicy;
/// Most versions IAM keeps of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// The guardrail policy's name: `<env_id>-guardrails`.
pub fn policy_name(env_id: &str) -> String {
    format!("{env_id}-guardrails")
}

/// The ARN of the environment's guardrail policy (under [`IAM_PATH`]).
pub fn policy_arn(clients: &AwsClients, env_id: &str) -> String {
    environment_policy_arn(
        &clients.partition,
        &clients.account_id,
        &policy_name(env_id),
    )
}

/// The ARN versions before [`IAM_PATH`] gave the guardrail policy (the root path).
fn legacy_policy_arn(clients: &AwsClients, env_id: &str) -> String {
    format!(
        "arn:{}:iam::{}:policy/{}",
        clients.partition,
        clients.account_id,
        policy_name(env_id)
    )
}

/// Adopts the policy (by its ARN, if it is this child; else refuses) or creates it, makes
/// `document` its default version, attaches it to every role in `role_names`, and detaches it
/// from any other role of this environment.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    document: &Value,
    role_names: &[String],
) -> Result<Record, ChildError> {
    let name = policy_name(owner.env_id);
    let arn = policy_arn(clients, owner.env_id);

    let created = if exists(clients, &arn).await? {
        check_ours(clients, owner, &arn).await?;
        false
    } else {
        retire_legacy(clients, owner).await?;
        create(clients, owner, tags, &name, &arn, document).await?
    };
    if !created {
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

    let wanted: BTreeSet<&str> = role_names.iter().map(String::as_str).collect();
    let attached = attached_roles(clients, &arn).await?;
    for role in wanted.iter().filter(|r| !attached.contains(**r)) {
        clients
            .iam
            .attach_role_policy()
            .role_name(*role)
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("iam", "AttachRolePolicy", e))?;
    }
    for role in attached.iter().filter(|r| !wanted.contains(r.as_str())) {
        // Only this environment's roles: someone attaching the guardrails to a role of their own
        // chose that, and it is not ours to undo.
        if role_environment(clients, role).await?.as_deref() == Some(owner.env_id) {
            detach(clients, &arn, EntityType::Role, role).await?;
        }
    }

    Ok(Record {
        kind: KIND,
        physical_id: arn.clone(),
        arn: Some(arn),
        attributes: BTreeMap::from([("name".to_string(), name)]),
        depends_on: Vec::new(),
    })
}

/// Deletes this child's policy at the root path, where versions before [`IAM_PATH`] made it
/// (detached from everyone first, as [`delete`] does). A policy there that is not this child's
/// is left alone; creating ours then fails on the name, and says so.
async fn retire_legacy(clients: &AwsClients, owner: Owner<'_>) -> Result<(), ChildError> {
    let legacy = legacy_policy_arn(clients, owner.env_id);
    if !exists(clients, &legacy).await? || check_ours(clients, owner, &legacy).await.is_err() {
        return Ok(());
    }
    tracing::info!(policy = %legacy, "deleting the guardrail policy an earlier version made at /");
    let record = Record {
        kind: KIND,
        physical_id: legacy.clone(),
        arn: Some(legacy),
        attributes: BTreeMap::new(),
        depends_on: Vec::new(),
    };
    delete(clients, &record).await
}

/// What differs from the desired policy, in words; empty when compliant. A policy that is gone
/// is drift.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    document: &Value,
    role_names: &[String],
) -> Result<Vec<String>, ChildError> {
    let arn = record.physical_id.as_str();
    let subject = format!(
        "guardrail policy {}",
        record.attributes.get("name").map_or(arn, String::as_str)
    );
    let Some(current) = default_document(clients, arn).await? else {
        return Ok(vec![format!(
            "{subject}: the policy is gone; apply creates it again"
        )]);
    };
    let mut out: Vec<String> = policy_differences(document, &current)
        .into_iter()
        .map(|d| format!("{subject}: {d}; apply restores it"))
        .collect();
    let attached = attached_roles(clients, arn).await?;
    for role in role_names {
        if !attached.contains(role) {
            out.push(format!(
                "{subject}: not attached to role {role}; apply attaches it"
            ));
        }
    }
    Ok(out)
}

/// Detaches the policy from every role, user and group, deletes its non-default versions, then
/// deletes it. Not found counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let arn = record.physical_id.as_str();
    let entities = match entities(clients, arn).await {
        Ok(e) => e,
        Err(ChildError::Aws(e)) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    for (kind, name) in entities {
        detach(clients, arn, kind, &name).await?;
    }
    for version in versions(clients, arn).await? {
        if version.is_default_version() {
            continue;
        }
        if let Some(id) = version.version_id() {
            delete_version(clients, arn, id).await?;
        }
    }
    match clients.iam.delete_policy().policy_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "DeletePolicy", e);
            if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            }
        }
    }
}

pub(crate) async fn exists(clients: &AwsClients, arn: &str) -> Result<bool, ChildError> {
    match clients.iam.get_policy().policy_arn(arn).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "GetPolicy", e);
            if err.is_not_found() {
                Ok(false)
            } else {
                Err(err.into())
            }
        }
    }
}

pub(crate) async fn check_ours(
    clients: &AwsClients,
    owner: Owner<'_>,
    arn: &str,
) -> Result<(), ChildError> {
    let pages = clients
        .iam
        .list_policy_tags()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let tags = AwsCallError::collect("iam", "ListPolicyTags", pages)?;
    if owned_by(owner, &tag_map(&tags)) {
        return Ok(());
    }
    Err(ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason: format!(
            "an IAM policy {arn} exists but is not tagged as this environment's {}; delete or \
             rename it, then apply again",
            owner.logical_id
        ),
    })
}

/// Creates the policy; `true` when created now, `false` when a concurrent run created it first
/// (and it is ours).
async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    arn: &str,
    document: &Value,
) -> Result<bool, ChildError> {
    let result = clients
        .iam
        .create_policy()
        .policy_name(name)
        .path(IAM_PATH)
        .description(format!(
            "secure-mlops environment {}: guardrails for SageMaker compute",
            owner.env_id
        ))
        .policy_document(document.to_string())
        .set_tags(Some(iam_tags(owner, tags)))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "CreatePolicy", e);
            if err.kind != ErrorKind::AlreadyExists {
                return Err(err.into());
            }
            check_ours(clients, owner, arn).await?;
            Ok(false)
        }
    }
}

/// The default version's document; `None` when the policy is gone.
pub(crate) async fn default_document(
    clients: &AwsClients,
    arn: &str,
) -> Result<Option<Value>, ChildError> {
    let policy = match clients.iam.get_policy().policy_arn(arn).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "GetPolicy", e);
            return if err.is_not_found() {
                Ok(None)
            } else {
                Err(err.into())
            };
        }
    };
    let version = policy.policy().and_then(|p| p.default_version_id()).ok_or(
        ChildError::IncompleteAnswer {
            operation: "GetPolicy",
            missing: "Policy.DefaultVersionId",
        },
    )?;
    let out = clients
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "GetPolicyVersion", e))?;
    Ok(Some(iam_document(
        out.policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default(),
    )))
}

/// Makes `document` the default version if it is not already.
pub(crate) async fn update_document(
    clients: &AwsClients,
    arn: &str,
    document: &Value,
) -> Result<(), ChildError> {
    let current = default_document(clients, arn).await?;
    if current.is_some_and(|c| policy_differences(document, &c).is_empty()) {
        return Ok(());
    }
    let all = versions(clients, arn).await?;
    if all.len() >= MAX_POLICY_VERSIONS {
        // The oldest non-default version; IAM never lets the default one go.
        let oldest = all
            .iter()
            .filter(|v| !v.is_default_version())
            .min_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
        if let Some(id) = oldest.and_then(PolicyVersion::version_id) {
            delete_version(clients, arn, id).await?;
        }
    }
    clients
        .iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(document.to_string())
        .set_as_default(true)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "CreatePolicyVersion", e))?;
    Ok(())
}

async fn versions(clients: &AwsClients, arn: &str) -> Result<Vec<PolicyVersion>, ChildError> {
    let items = clients
        .iam
        .list_policy_versions()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    match AwsCallError::collect("iam", "ListPolicyVersions", items) {
        Err(err) if err.is_not_found() => Ok(Vec::new()),
        listed => Ok(listed?),
    }
}

async fn delete_version(clients: &AwsClients, arn: &str, id: &str) -> Result<(), ChildError> {
    match clients
        .iam
        .delete_policy_version()
        .policy_arn(arn)
        .version_id(id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "DeletePolicyVersion", e);
            if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            }
        }
    }
}

/// Every role, user and group the policy is attached to.
async fn entities(
    clients: &AwsClients,
    arn: &str,
) -> Result<Vec<(EntityType, String)>, ChildError> {
    let pages = clients
        .iam
        .list_entities_for_policy()
        .policy_arn(arn)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut out = Vec::new();
    for page in pages {
        let page = page.map_err(|e| AwsCallError::from_sdk("iam", "ListEntitiesForPolicy", e))?;
        for r in page.policy_roles() {
            if let Some(name) = r.role_name() {
                out.push((EntityType::Role, name.to_string()));
            }
        }
        for u in page.policy_users() {
            if let Some(name) = u.user_name() {
                out.push((EntityType::User, name.to_string()));
            }
        }
        for g in page.policy_groups() {
            if let Some(name) = g.group_name() {
                out.push((EntityType::Group, name.to_string()));
            }
        }
    }
    Ok(out)
}

async fn attached_roles(clients: &AwsClients, arn: &str) -> Result<BTreeSet<String>, ChildError> {
    Ok(entities(clients, arn)
        .await?
        .into_iter()
        .filter(|(kind, _)| *kind == EntityType::Role)
        .map(|(_, name)| name)
        .collect())
}

async fn detach(
    clients: &AwsClients,
    arn: &str,
    kind: EntityType,
    name: &str,
) -> Result<(), ChildError> {
    let (operation, result) = match kind {
        EntityType::User => (
            "DetachUserPolicy",
            clients
                .iam
                .detach_user_policy()
                .user_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("iam", "DetachUserPolicy", e)),
        ),
        EntityType::Group => (
            "DetachGroupPolicy",
            clients
                .iam
                .detach_group_policy()
                .group_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("iam", "DetachGroupPolicy", e)),
        ),
        _ => (
            "DetachRolePolicy",
            clients
                .iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("iam", "DetachRolePolicy", e)),
        ),
    };
    match result {
        Ok(()) => Ok(()),
        Err(err) if err.is_not_found() => Ok(()),
        Err(err) => {
            tracing::debug!(operation, %err, "detach failed");
            Err(err.into())
        }
    }
}

/// The environment a role (by name) is tagged with; `None` when untagged or gone. The security
/// response finds a workload's environment the same way.
pub(crate) async fn role_environment(
    clients: &AwsClients,
    role: &str,
) -> Result<Option<String>, AwsCallError> {
    let items = clients
        .iam
        .list_role_tags()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    match AwsCallError::collect("iam", "ListRoleTags", items) {
        Err(err) if err.is_not_found() => Ok(None),
        listed => Ok(listed?
            .into_iter()
            .find(|tag| tag.key() == ENVIRONMENT_TAG)
            .map(|tag| tag.value().to_string())),
    }
}

// --- the contract ----------------------------------------------------------------------------

/// The guardrail policy's document and the roles it is attached to.
#[derive(Debug, Clone, PartialEq)]
pub struct Guardrails {
    /// The policy document.
    pub document: Value,
    /// The names of the roles it is attached to (the node's dependencies).
    pub role_names: Vec<String>,
}

impl ChildKind for kinds::GuardrailPolicy {
    type Desired = Guardrails;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Guardrails, ChildError> {
        // The graph has this node only when some guardrail is on.
        let scope = GuardrailScope {
            subnet_ids: inputs.dependency_ids(|id| matches!(id, LogicalId::PrivateSubnet(_)))?,
            security_group_ids: vec![inputs.physical_id(&LogicalId::SageMakerSecurityGroup)?],
            volume_kms_key_arns: vec![inputs.arn(&LogicalId::KmsKey(KeyPurpose::Ebs))?],
            output_kms_key_arns: vec![inputs.arn(&LogicalId::KmsKey(KeyPurpose::Data))?],
        };
        let document = guardrail_document(&cx.env.guardrails, &scope)
            .ok_or_else(|| cx.refused("every guardrail is off, so there is no policy to write"))?;
        let role_names = inputs.dependency_ids(|id| matches!(id, LogicalId::Role(_)))?;
        Ok(Guardrails {
            document,
            role_names,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, guard: &Guardrails) -> Result<Record, ChildError> {
        let (document, roles) = (&guard.document, &guard.role_names);
        ensure(cx.clients, cx.owner(), cx.tags(), document, roles).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        guard: &Guardrails,
    ) -> Result<Vec<String>, ChildError> {
        let mut out = drift(cx.clients, record, &guard.document, &guard.role_names).await?;
        let arn = policy_arn(cx.clients, &cx.env.env_id);
        if record.physical_id != arn {
            out.push(format!(
                "guardrail policy {}: not under {IAM_PATH}; apply makes it again as {arn}",
                record.physical_id
            ));
        }
        Ok(out)
    }

    /// A record of the policy at another ARN (an earlier version's, at the root path) is not
    /// this child any more: it is deleted and the policy made again under [`IAM_PATH`].
    fn is_stale(&self, cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != policy_arn(cx.clients, &cx.env.env_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_follows_the_environment() {
        assert_eq!(policy_name("team-a-dev"), "team-a-dev-guardrails");
    }
}
