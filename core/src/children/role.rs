//! The environment's persona roles (`data_scientist`, `team_admin`, `execution`, `sc_launch`),
//! or roles the user brought for them.
//!
//! A role has a deterministic name (`<env id>-<persona>`), so it is found again by name; it is
//! adopted only if its tags say it is this child, since a role of that name that is not ours
//! would otherwise be taken over. Its trust policy and one inline permission policy
//! ([`PERMISSIONS_POLICY_NAME`]) come from [`crate::policy::environment::roles`]; other inline
//! policies are drift and are removed, because they can only widen a least-privilege role.
//! Managed policy attachments are left alone: the guardrail policy is attached by its own child,
//! and other attachments are separate resources of whoever made them.

use std::collections::BTreeMap;

use aws_sdk_iam::types::{Role, Tag};
use serde_json::Value;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::tags::{built, child_tags, iam_document, owned_by, policy_differences, subject};
use crate::aws::{AwsCallError, AwsClients, ErrorKind};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{LogicalId, Persona, RecordKind};
use crate::policy::environment::packages::PackageRepositoryNames;
use crate::policy::environment::roles::{
    environment_role_arn, persona_permissions_policy, persona_role_name, trust_policy,
    SignInSources, IAM_PATH, STUDIO_SCOPE_POLICY_NAME,
};
use crate::policy::environment::EnvironmentFacts;

/// Record kind of a role the environment created.
pub const KIND: RecordKind = RecordKind::Role;
/// Record kind of a role the user brought (never changed or deleted).
pub const EXISTING_KIND: RecordKind = RecordKind::ExistingRole;
/// Name of the inline policy holding a role's permissions.
pub const PERMISSIONS_POLICY_NAME: &str = "secure-mlops-permissions";

/// An inline policy another child of the environment puts on the role (the studio scope, which
/// needs the domain's id): the role neither removes it nor reports it.
fn kept_for_another_child(policy_name: &str) -> bool {
    policy_name == STUDIO_SCOPE_POLICY_NAME
}
/// Record attribute holding the persona key.
pub const PERSONA_ATTRIBUTE: &str = "persona";

/// The role name of `persona`: `<env_id>-<persona key with '-'>`, e.g.
/// `team-a-dev-data-scientist`. Spec validation keeps it within IAM's 64 characters.
pub fn role_name(env_id: &str, persona: Persona) -> String {
    persona_role_name(env_id, persona)
}

/// What a role the environment creates is: its name, trust policy and one inline policy.
/// Persona roles and the flow-log delivery role are made the same way from one of these.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleDefinition {
    /// The role name.
    pub name: String,
    /// What the role is for, in IAM's description.
    pub description: String,
    /// Its trust policy.
    pub trust: Value,
    /// The name of its one inline policy.
    pub policy_name: &'static str,
    /// That policy's document.
    pub permissions: Value,
    /// The managed policy the role carries as its permissions boundary.
    pub boundary: Option<String>,
}

impl RoleDefinition {
    /// The role of `persona` in the environment `env_id`.
    pub fn persona(
        env_id: &str,
        persona: Persona,
        facts: &EnvironmentFacts,
        bucket_names: &[String],
        boundary: Option<&str>,
        sign_in: &SignInSources,
        packages: Option<&PackageRepositoryNames>,
    ) -> Self {
        RoleDefinition {
            name: role_name(env_id, persona),
            description: format!("secure-mlops environment {env_id}: {} role", persona.key()),
            trust: trust_policy(facts, persona),
            policy_name: PERMISSIONS_POLICY_NAME,
            permissions: persona_permissions_policy(
                facts,
                persona,
                bucket_names,
                sign_in,
                packages,
            ),
            boundary: boundary.map(str::to_string),
        }
    }

    /// Why `role` (found by this definition's name) cannot be kept and must be made again:
    /// it is not under [`IAM_PATH`] (made by a version before the path), or its permissions
    /// boundary is not the definition's. IAM changes neither a role's path nor, for the
    /// engine's own permissions, its boundary (`cfn/custom-resource.yaml` denies
    /// `PutRolePermissionsBoundary`), so the role is deleted and created again.
    pub fn must_recreate(&self, role: &Role) -> Option<String> {
        let path = role.path();
        if path != IAM_PATH {
            return Some(format!(
                "path is {path} instead of {IAM_PATH}; apply makes the role again under {IAM_PATH}"
            ));
        }
        let boundary = role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn());
        if boundary != self.boundary.as_deref() {
            return Some(format!(
                "permissions boundary is {} instead of {}; apply makes the role again with it",
                boundary.unwrap_or("none"),
                self.boundary.as_deref().unwrap_or("none")
            ));
        }
        None
    }
}

/// Adopts the role named for `persona` if it is this child (else refuses), or creates it; then
/// makes its trust policy, tags and inline permissions what they should be, which repairs drift.
#[allow(clippy::too_many_arguments)] // what a persona role's documents are made of, one by one
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    persona: Persona,
    facts: &EnvironmentFacts,
    bucket_names: &[String],
    boundary: Option<&str>,
    sign_in: &SignInSources,
    packages: Option<&PackageRepositoryNames>,
) -> Result<Record, ChildError> {
    let definition = RoleDefinition::persona(
        owner.env_id,
        persona,
        facts,
        bucket_names,
        boundary,
        sign_in,
        packages,
    );
    let arn = ensure_defined(clients, owner, tags, &definition).await?;
    Ok(record(KIND, definition.name, arn, persona))
}

/// Adopts the role `definition` names if it is this child (else refuses), or creates it; then
/// makes its trust policy, tags and inline policy what the definition says and removes any
/// other inline policy (they can only widen it). Returns its ARN.
///
/// A role of this child at another path (one an earlier version made at `/`) or with another
/// permissions boundary is deleted (as [`delete`] does) and made again: role names are unique
/// whatever the path, and neither can be changed in place with the engine's permissions. Its
/// ARN changes with the path, and whatever names the role (domain, user profiles, keys,
/// guardrail attachment) is updated by its own child, which depends on this one.
pub async fn ensure_defined(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    definition: &RoleDefinition,
) -> Result<String, ChildError> {
    let name = definition.name.as_str();
    let role = match get_role(clients, name).await? {
        Some(role) => {
            check_ours(owner, &role)?;
            match definition.must_recreate(&role) {
                None => Some(role),
                Some(why) => {
                    tracing::info!(role = name, %why, "making the role again");
                    delete_named(clients, name).await?;
                    create(clients, owner, tags, definition).await?
                }
            }
        }
        None => create(clients, owner, tags, definition).await?,
    };
    let arn = match role {
        Some(role) => {
            let current = iam_document(role.assume_role_policy_document().unwrap_or_default());
            if !policy_differences(&definition.trust, &current).is_empty() {
                clients
                    .iam
                    .update_assume_role_policy()
                    .role_name(name)
                    .policy_document(definition.trust.to_string())
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("iam", "UpdateAssumeRolePolicy", e))?;
            }
            clients
                .iam
                .tag_role()
                .role_name(name)
                .set_tags(Some(iam_tags(owner, tags)))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("iam", "TagRole", e))?;
            role.arn().to_string()
        }
        // Created just now, with the trust policy and tags.
        None => role_arn(clients, name),
    };
    ensure_inline_policy(clients, definition).await?;
    Ok(arn)
}

/// Puts the definition's inline policy unless it is there already, and deletes any other.
async fn ensure_inline_policy(
    clients: &AwsClients,
    definition: &RoleDefinition,
) -> Result<(), ChildError> {
    let name = definition.name.as_str();
    let inline = list_inline_policies(clients, name).await?;
    for other in inline
        .iter()
        .filter(|p| *p != definition.policy_name && !kept_for_another_child(p))
    {
        delete_inline_policy(clients, name, other).await?;
    }
    let current = if inline.iter().any(|p| p == definition.policy_name) {
        inline_policy(clients, name, definition.policy_name).await?
    } else {
        None
    };
    let up_to_date =
        current.is_some_and(|c| policy_differences(&definition.permissions, &c).is_empty());
    if !up_to_date {
        clients
            .iam
            .put_role_policy()
            .role_name(name)
            .policy_name(definition.policy_name)
            .policy_document(definition.permissions.to_string())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("iam", "PutRolePolicy", e))?;
    }
    Ok(())
}

/// Reads a role the user brought, by the name in its ARN (the last path segment). Fails clearly
/// when it does not exist.
pub async fn read_existing(
    clients: &AwsClients,
    logical_id: &str,
    arn: &str,
) -> Result<Record, ChildError> {
    let missing = || ChildError::ExistingNotFound {
        child: logical_id.to_string(),
        id: arn.to_string(),
    };
    let name = arn.rsplit('/').next().unwrap_or(arn);
    if name.is_empty() || !arn.contains(":role/") {
        return Err(missing());
    }
    let role = get_role(clients, name).await?.ok_or_else(missing)?;
    let mut attributes = BTreeMap::new();
    if let Some(persona) = persona_of(logical_id) {
        attributes.insert(PERSONA_ATTRIBUTE.to_string(), persona.key().to_string());
    }
    Ok(Record {
        kind: EXISTING_KIND,
        physical_id: role.role_name().to_string(),
        arn: Some(role.arn().to_string()),
        attributes,
        depends_on: Vec::new(),
    })
}

/// What differs from the desired role, in words; empty when compliant. A role that is gone is
/// drift. A role the user brought is theirs to govern: no drift is reported for it.
#[allow(clippy::too_many_arguments)] // as `ensure`
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    persona: Persona,
    facts: &EnvironmentFacts,
    bucket_names: &[String],
    boundary: Option<&str>,
    sign_in: &SignInSources,
    packages: Option<&PackageRepositoryNames>,
) -> Result<Vec<String>, ChildError> {
    if record.kind == EXISTING_KIND {
        return Ok(Vec::new());
    }
    let definition = RoleDefinition::persona(
        "",
        persona,
        facts,
        bucket_names,
        boundary,
        sign_in,
        packages,
    );
    drift_defined(clients, &record.physical_id, &definition).await
}

/// What differs between the role `name` and `definition` (whose own name is not used), in
/// words; empty when compliant. A role that is gone is drift.
pub async fn drift_defined(
    clients: &AwsClients,
    name: &str,
    definition: &RoleDefinition,
) -> Result<Vec<String>, ChildError> {
    let Some(role) = get_role(clients, name).await? else {
        return Ok(vec![format!(
            "role {name}: the role is gone; apply creates it again"
        )]);
    };
    let subject = subject("role", name, &tag_map(role.tags()));
    let mut out = Vec::new();
    if let Some(why) = definition.must_recreate(&role) {
        out.push(format!("{subject}: {why}"));
    }
    let trust = iam_document(role.assume_role_policy_document().unwrap_or_default());
    for d in policy_differences(&definition.trust, &trust) {
        out.push(format!("{subject}: trust policy {d}; apply restores it"));
    }
    let inline = list_inline_policies(clients, name).await?;
    for other in inline
        .iter()
        .filter(|p| *p != PERMISSIONS_POLICY_NAME && !kept_for_another_child(p))
    {
        out.push(format!(
            "{subject}: inline policy {other} is not the environment's; apply removes it"
        ));
    }
    let current = if inline.iter().any(|p| p == PERMISSIONS_POLICY_NAME) {
        inline_policy(clients, name, PERMISSIONS_POLICY_NAME).await?
    } else {
        None
    };
    match current {
        None => out.push(format!(
            "{subject}: inline policy {PERMISSIONS_POLICY_NAME} is missing; apply restores it"
        )),
        Some(current) => {
            for d in policy_differences(&definition.permissions, &current) {
                out.push(format!(
                    "{subject}: inline policy {PERMISSIONS_POLICY_NAME} {d}; apply restores it"
                ));
            }
        }
    }
    Ok(out)
}

/// Deletes the role: detaches its managed policies, deletes its inline policies, removes it from
/// instance profiles, then deletes it. Not found counts as deleted. A role the user brought is
/// never deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    if record.kind.is_brought() {
        return Ok(());
    }
    delete_named(clients, &record.physical_id).await
}

/// Deletes the role `name` (see [`delete`]), whatever its path.
async fn delete_named(clients: &AwsClients, name: &str) -> Result<(), ChildError> {
    // Twice at most: something attaching a policy between our cleanup and the delete makes IAM
    // refuse with DeleteConflict; a second cleanup settles it.
    for attempt in 0..2 {
        match clean_up(clients, name).await {
            Ok(()) => {}
            Err(ChildError::Aws(e)) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        match clients.iam.delete_role().role_name(name).send().await {
            Ok(_) => return Ok(()),
            Err(e) => {
                let err = AwsCallError::from_sdk("iam", "DeleteRole", e);
                if err.is_not_found() {
                    return Ok(());
                }
                if err.code != "DeleteConflict" || attempt == 1 {
                    return Err(err.into());
                }
            }
        }
    }
    Ok(())
}

async fn clean_up(clients: &AwsClients, name: &str) -> Result<(), ChildError> {
    for arn in attached_policies(clients, name).await? {
        match clients
            .iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(&arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = AwsCallError::from_sdk("iam", "DetachRolePolicy", e);
                // The policy went meanwhile; the role did not.
                if !err.is_not_found() {
                    return Err(err.into());
                }
            }
        }
    }
    for policy in list_inline_policies(clients, name).await? {
        delete_inline_policy(clients, name, &policy).await?;
    }
    let profiles = clients
        .iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    for profile in AwsCallError::collect("iam", "ListInstanceProfilesForRole", profiles)? {
        match clients
            .iam
            .remove_role_from_instance_profile()
            .instance_profile_name(profile.instance_profile_name())
            .role_name(name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = AwsCallError::from_sdk("iam", "RemoveRoleFromInstanceProfile", e);
                if !err.is_not_found() {
                    return Err(err.into());
                }
            }
        }
    }
    Ok(())
}

/// The ARN IAM gives a role named `name` the environment creates (under [`IAM_PATH`]).
fn role_arn(clients: &AwsClients, name: &str) -> String {
    environment_role_arn(&clients.partition, &clients.account_id, name)
}

fn record(kind: RecordKind, name: String, arn: String, persona: Persona) -> Record {
    Record {
        kind,
        physical_id: name,
        arn: Some(arn),
        attributes: BTreeMap::from([(PERSONA_ATTRIBUTE.to_string(), persona.key().to_string())]),
        depends_on: Vec::new(),
    }
}

/// The persona a role logical id (`role-data-scientist`) stands for.
fn persona_of(logical_id: &str) -> Option<Persona> {
    match logical_id.parse() {
        Ok(LogicalId::Role(persona)) => Some(persona),
        _ => None,
    }
}

fn check_ours(owner: Owner<'_>, role: &Role) -> Result<(), ChildError> {
    if owned_by(owner, &tag_map(role.tags())) {
        return Ok(());
    }
    Err(ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason: format!(
            "an IAM role named {} exists but is not tagged as this environment's {}; \
             delete or rename it, or give its ARN in the spec's `iam` settings to use it as it is",
            role.role_name(),
            owner.logical_id
        ),
    })
}

/// Creates the role. `Ok(None)` when it was created now (trust and tags as desired), `Ok(Some)`
/// when a concurrent run created it first and it is ours.
async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    definition: &RoleDefinition,
) -> Result<Option<Role>, ChildError> {
    let result = clients
        .iam
        .create_role()
        .role_name(&definition.name)
        .path(IAM_PATH)
        .set_permissions_boundary(definition.boundary.clone())
        .description(&definition.description)
        .assume_role_policy_document(definition.trust.to_string())
        .set_tags(Some(iam_tags(owner, tags)))
        .send()
        .await;
    match result {
        Ok(_) => Ok(None),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "CreateRole", e);
            if err.kind != ErrorKind::AlreadyExists {
                return Err(err.into());
            }
            let role = get_role(clients, &definition.name).await?.ok_or(err)?;
            check_ours(owner, &role)?;
            Ok(Some(role))
        }
    }
}

pub(crate) async fn get_role(clients: &AwsClients, name: &str) -> Result<Option<Role>, ChildError> {
    match clients.iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "GetRole", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err.into())
            }
        }
    }
}

pub(crate) async fn list_inline_policies(
    clients: &AwsClients,
    name: &str,
) -> Result<Vec<String>, ChildError> {
    let pages = clients
        .iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    Ok(AwsCallError::collect("iam", "ListRolePolicies", pages)?)
}

async fn attached_policies(clients: &AwsClients, name: &str) -> Result<Vec<String>, ChildError> {
    let pages = clients
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    Ok(
        AwsCallError::collect("iam", "ListAttachedRolePolicies", pages)?
            .iter()
            .filter_map(|policy| policy.policy_arn().map(str::to_string))
            .collect(),
    )
}

/// An inline policy's document; `None` when the role has no policy of that name.
pub(crate) async fn inline_policy(
    clients: &AwsClients,
    role: &str,
    policy: &str,
) -> Result<Option<Value>, ChildError> {
    match clients
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send()
        .await
    {
        Ok(out) => Ok(Some(iam_document(out.policy_document()))),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "GetRolePolicy", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err.into())
            }
        }
    }
}

pub(crate) async fn delete_inline_policy(
    clients: &AwsClients,
    role: &str,
    policy: &str,
) -> Result<(), ChildError> {
    match clients
        .iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "DeleteRolePolicy", e);
            if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            }
        }
    }
}

/// The IAM tags of a child.
pub(crate) fn iam_tags(owner: Owner<'_>, extra: &BTreeMap<String, String>) -> Vec<Tag> {
    child_tags(owner, extra)
        .into_iter()
        .map(|(k, v)| built("iam Tag", Tag::builder().key(k).value(v).build()))
        .collect()
}

/// IAM tags as a map.
pub(crate) fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

// --- the contract ----------------------------------------------------------------------------

/// The permissions boundary the environment's roles carry: the spec's, else the one the
/// environment created (the role's input).
pub(crate) fn desired_boundary(cx: &Cx<'_>, inputs: &Inputs<'_>) -> Option<String> {
    cx.env
        .permissions_boundary_arn
        .clone()
        .or_else(|| inputs.arn(&LogicalId::BoundaryPolicy).ok())
}

/// What a created role's documents depend on besides the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSettings {
    /// The permissions boundary.
    pub boundary: Option<String>,
    /// Where the people's roles may open Studio from.
    pub sign_in: SignInSources,
}

impl ChildKind for kinds::Role {
    type Desired = RoleSettings;

    /// The VPC is read from its record when Studio sign-in must come through it.
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<RoleSettings, ChildError> {
        let vpc_id = if self.studio_access.source_vpc_endpoint_only {
            Some(inputs.physical_id(&LogicalId::Vpc)?)
        } else {
            None
        };
        Ok(RoleSettings {
            boundary: desired_boundary(cx, inputs),
            sign_in: SignInSources {
                vpc_id,
                cidrs: self
                    .studio_access
                    .allowed_source_cidrs
                    .iter()
                    .cloned()
                    .collect(),
            },
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, settings: &RoleSettings) -> Result<Record, ChildError> {
        let env = cx.env;
        let buckets = env.bucket_names.all();
        ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            self.persona,
            &env.facts,
            &buckets,
            settings.boundary.as_deref(),
            &settings.sign_in,
            self.packages.as_ref(),
        )
        .await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        settings: &RoleSettings,
    ) -> Result<Vec<String>, ChildError> {
        let env = cx.env;
        drift(
            cx.clients,
            record,
            self.persona,
            &env.facts,
            &env.bucket_names.all(),
            settings.boundary.as_deref(),
            &settings.sign_in,
            self.packages.as_ref(),
        )
        .await
    }

    /// A role the user brought recorded here is replaced by one the environment creates.
    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.kind != KIND
    }
}

impl ChildKind for kinds::ExistingRole {
    type Desired = ();

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<(), ChildError> {
        Ok(())
    }

    async fn ensure(&self, cx: &Cx<'_>, _: &()) -> Result<Record, ChildError> {
        read_existing(cx.clients, cx.id, &self.arn).await
    }

    /// A role the user brought is theirs to govern.
    async fn drift(&self, _: &Cx<'_>, _: &Record, _: &()) -> Result<Vec<String>, ChildError> {
        Ok(Vec::new())
    }

    /// A created role, or another brought one, recorded here is not this one.
    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.arn.as_deref() != Some(self.arn.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_environment_and_persona() {
        assert_eq!(
            role_name("team-a-dev", Persona::DataScientist),
            "team-a-dev-data-scientist"
        );
        assert_eq!(
            role_name("team-a-dev", Persona::TeamAdmin),
            "team-a-dev-team-admin"
        );
        assert_eq!(
            role_name("team-a-dev", Persona::Execution),
            "team-a-dev-execution"
        );
    }

    #[test]
    fn logical_ids_map_back_to_personas() {
        for persona in Persona::ALL {
            let id = LogicalId::Role(persona).to_string();
            assert_eq!(persona_of(&id), Some(persona));
        }
        assert_eq!(persona_of("vpc"), None);
    }
}
