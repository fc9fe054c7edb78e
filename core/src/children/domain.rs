//! The environment's SageMaker Studio domain: VPC-only app network access in the environment's
//! subnets, encrypted with its key, users running as the execution role behind the SageMaker
//! security group.
//!
//! A domain has no client token, so it is found again by name, and a domain of that name is
//! adopted only when its tags say it is this child. The tags go into `CreateDomain` itself: a run
//! killed right after the create then finds its domain tagged, whereas a domain tagged later could
//! not be told apart from someone else's.
//!
//! Deleting a domain is the hard part of tearing down an environment: its apps, spaces and user
//! profiles must go first, and what SageMaker made on its own (home file system, mount targets,
//! NFS security groups) afterwards, see [`super::studio_cleanup`].

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sagemaker::operation::describe_domain::DescribeDomainOutput;
use aws_sdk_sagemaker::types::{
    AppNetworkAccessType, AuthMode, DomainStatus, ExecutionRoleIdentityConfig, RetentionPolicy,
    RetentionType, TagPropagation, UserSettings,
};

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::sagemaker::{
    delete_accepted, domain_id_of, new_tags, none_when_gone, sagemaker_tags, while_role_propagates,
};
use super::studio_apps::{self, Scope};
use super::studio_leftovers;
use super::studio_settings::{
    docker_differences, docker_settings, domain_user_settings, space_settings,
    space_settings_differences, user_settings_differences, StudioAdditions,
};
use super::tags::owned_by;
use super::user_profile;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::graph::environment::StudioPlatform;
use crate::ids::{KeyPurpose, LogicalId, Persona};
use crate::ids::{RecordKind, ENVIRONMENT_TAG};
use crate::spec::{Choice, EfsRetention};
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of a Studio domain.
pub const KIND: RecordKind = RecordKind::StudioDomain;
/// Record attribute: the Studio URL.
pub const URL_ATTRIBUTE: &str = "url";
/// Record attribute: the id of the home EFS file system SageMaker made for the domain.
pub const EFS_ATTRIBUTE: &str = "home_efs_file_system_id";
/// Record attribute: the domain's VPC, where its NFS security groups are after it is gone.
pub const VPC_ATTRIBUTE: &str = "vpc_id";
/// Record attribute: the domain's name, so a rename is seen as a new domain.
pub const NAME_ATTRIBUTE: &str = "domain_name";
/// Record attribute: the domain's auth mode, which AWS cannot change in place.
pub const AUTH_MODE_ATTRIBUTE: &str = "auth_mode";

/// What the domain should be. App network access is always `VpcOnly`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSettings {
    /// The domain name (unique in the account and region).
    pub name: String,
    /// How users sign in.
    pub auth_mode: crate::spec::AuthMode,
    /// The VPC the apps run in.
    pub vpc_id: String,
    /// The subnets the apps run in.
    pub subnet_ids: Vec<String>,
    /// The key encrypting the home file system and the apps' volumes.
    pub kms_key_arn: String,
    /// The role users' apps run as by default.
    pub execution_role_arn: String,
    /// The security group of the users' apps.
    pub security_group_id: String,
    /// Idle shutdown, spaces' storage, the web portal's apps, Docker.
    pub platform: StudioPlatform,
    /// The account whose images Docker may pull, when Docker is on.
    pub account_id: String,
    /// The lifecycle configurations users and spaces may run (and the defaults), and the
    /// custom images.
    pub additions: StudioAdditions,
}

/// Adopts the domain named `settings.name` (only if tagged as this child) or creates it, waits
/// until it is in service, and repairs what can change in place: app network access back to
/// `VpcOnly`, the default execution role and security groups. What AWS cannot change in place
/// (VPC, subnets, key, auth mode) is refused with a message saying the domain must be replaced.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    settings: &DomainSettings,
    deadline: Deadline,
) -> Result<Record, ChildError> {
    let refused = |reason: String| ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason,
    };
    let mut domain_id = find_by_name(clients, &settings.name).await?;
    if let Some(id) = &domain_id {
        check_ours(clients, owner, &settings.name, id).await?;
        // A domain of ours on its way out cannot be adopted: wait, then make a new one.
        if let Some(d) = describe(clients, id).await? {
            if d.status() == Some(&DomainStatus::Deleting) {
                wait_gone(clients, id, deadline).await?;
                domain_id = None;
            }
        }
    }
    let domain_id = match domain_id {
        Some(id) => id,
        None => create(clients, owner, tags, settings, deadline).await?,
    };

    let mut domain = wait_settled(clients, &domain_id, deadline).await?;
    if matches!(
        domain.status(),
        Some(DomainStatus::Failed) | Some(DomainStatus::DeleteFailed)
    ) {
        return Err(unusable(&domain_id, &domain));
    }
    let fixed = immutable_differences(&domain, settings);
    if !fixed.is_empty() {
        return Err(refused(format!(
            "domain {} ({domain_id}) {}; AWS cannot change this in place, so the domain must be \
             replaced: delete it (with its user profiles and apps), then apply again",
            settings.name,
            fixed.join("; ")
        )));
    }
    if !mutable_differences(&domain, settings).is_empty() {
        let differs = RunningAppsBlock {
            access: domain.app_network_access_type() != Some(&AppNetworkAccessType::VpcOnly),
            identity: !audits_identity(&domain),
        };
        update(clients, owner, &domain_id, settings, differs).await?;
        domain = wait_settled(clients, &domain_id, deadline).await?;
        if domain.status() != Some(&DomainStatus::InService) {
            return Err(unusable(&domain_id, &domain));
        }
    }
    if let Some(efs) = domain.home_efs_file_system_id().filter(|e| !e.is_empty()) {
        tag_home_file_system(clients, owner, tags, efs).await?;
    }
    record(clients, &domain_id, &domain, settings)
}

/// Tags the home file system SageMaker made with the environment's tags (not as a child: the
/// engine does not own it, SageMaker does), so a file system kept after the domain
/// (`efs_retention = Retain`) is found by the environment's tag, and cost reports count it.
/// Reads its tags first: nothing is written when they are there already.
async fn tag_home_file_system(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    file_system_id: &str,
) -> Result<(), ChildError> {
    let mut want = tags.clone();
    want.entry("Name".to_string())
        .or_insert_with(|| format!("{}-studio-home", owner.env_id));
    want.insert(ENVIRONMENT_TAG.to_string(), owner.env_id.to_string());
    let found = clients
        .efs
        .describe_file_systems()
        .file_system_id(file_system_id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("efs", "DescribeFileSystems", e));
    let have: BTreeMap<String, String> = match found {
        Ok(out) => out
            .file_systems()
            .iter()
            .flat_map(|fs| fs.tags())
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        // Gone already (a domain made without one, or deleted outside): nothing to tag.
        Err(err) if studio_leftovers::efs_gone(&err) => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    let missing: Vec<aws_sdk_efs::types::Tag> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .filter_map(|(k, v)| {
            aws_sdk_efs::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    clients
        .efs
        .tag_resource()
        .resource_id(file_system_id)
        .set_tags(Some(missing))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("efs", "TagResource", e))?;
    Ok(())
}

/// What differs between the domain in `record` and `settings`, one line each; empty when it
/// complies. A domain deleted outside the engine is drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    settings: &DomainSettings,
) -> Result<Vec<String>, ChildError> {
    let label = format!("{KIND} ({})", record.physical_id);
    let Some(domain) = describe(clients, &record.physical_id).await? else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply creates it again"
        )]);
    };
    if domain.status() == Some(&DomainStatus::Deleting) {
        return Ok(vec![format!(
            "{label}: being deleted outside the engine; apply creates it again once it is gone"
        )]);
    }
    let mut out = Vec::new();
    match domain.status() {
        Some(DomainStatus::InService)
        | Some(DomainStatus::Pending)
        | Some(DomainStatus::Updating) => {}
        Some(status) => out.push(format!(
            "{label}: status is {}{}",
            status.as_str(),
            domain
                .failure_reason()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        )),
        None => {}
    }
    out.extend(
        mutable_differences(&domain, settings)
            .into_iter()
            .map(|d| format!("{label}: {d}")),
    );
    out.extend(
        immutable_differences(&domain, settings)
            .into_iter()
            .map(|d| {
                format!(
                    "{label}: {d}; AWS cannot change this in place, the domain must be replaced"
                )
            }),
    );
    Ok(out)
}

/// Deletes the domain with everything that keeps it or its VPC alive; see
/// [`delete_returning_kept_efs`], which this calls, for the steps. The id of a kept file system is
/// logged; callers that want to tell the user call that function instead.
pub async fn delete(
    clients: &AwsClients,
    record: &Record,
    retention: EfsRetention,
    deadline: Deadline,
) -> Result<(), ChildError> {
    if let Some(kept) = delete_returning_kept_efs(clients, record, retention, deadline).await? {
        tracing::warn!(domain = %record.physical_id, file_system = %kept,
            "the domain's home file system was kept (retention Retain); delete it when its data is no longer needed");
    }
    Ok(())
}

/// Deletes the domain: its remaining apps and spaces, any user profiles left (they block
/// `DeleteDomain`), the domain itself with `retention` for the home file system, then what
/// SageMaker made on its own ([`studio_leftovers::after_domain_deleted`]). Not-found counts as
/// deleted at every step and every step can be run again, so a killed run is finished by the next
/// one; when the domain is already gone only the clean-up runs, with the file system id, ARN and
/// VPC from the record. Returns the id of a home file system that was kept.
pub async fn delete_returning_kept_efs(
    clients: &AwsClients,
    record: &Record,
    retention: EfsRetention,
    deadline: Deadline,
) -> Result<Option<String>, ChildError> {
    let domain_id = record.physical_id.as_str();
    let mut arn = record.arn.clone().unwrap_or_else(|| {
        format!(
            "arn:{}:sagemaker:{}:{}:domain/{domain_id}",
            clients.partition, clients.region, clients.account_id
        )
    });
    let mut efs_id = record.attributes.get(EFS_ATTRIBUTE).cloned();
    let mut vpc_id = record
        .attributes
        .get(VPC_ATTRIBUTE)
        .cloned()
        .unwrap_or_default();

    if let Some(domain) = describe(clients, domain_id).await? {
        // AWS's answer beats the record, which may be from before an import or a repair.
        if let Some(a) = domain.domain_arn() {
            arn = a.to_string();
        }
        if let Some(e) = domain.home_efs_file_system_id().filter(|e| !e.is_empty()) {
            efs_id = Some(e.to_string());
        }
        if let Some(v) = domain.vpc_id().filter(|v| !v.is_empty()) {
            vpc_id = v.to_string();
        }
        if domain.status() != Some(&DomainStatus::Deleting) {
            studio_apps::delete_apps_and_spaces(clients, domain_id, Scope::Domain, deadline)
                .await?;
            for name in list_user_profiles(clients, domain_id).await? {
                user_profile::delete_named(clients, domain_id, &name, deadline).await?;
            }
            delete_domain(clients, domain_id, retention, deadline).await?;
        }
        wait_gone(clients, domain_id, deadline).await?;
    }

    studio_leftovers::after_domain_deleted(
        clients,
        &arn,
        &vpc_id,
        efs_id.as_deref(),
        retention,
        deadline,
    )
    .await
}

/// Calls `DeleteDomain`, retrying while AWS still counts profiles or spaces (they disappear a
/// little after their delete calls return).
async fn delete_domain(
    clients: &AwsClients,
    domain_id: &str,
    retention: EfsRetention,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let policy = RetentionPolicy::builder()
        .home_efs_file_system(match retention {
            EfsRetention::Retain => RetentionType::Retain,
            EfsRetention::Delete => RetentionType::Delete,
        })
        .build();
    poll_until(
        &format!("domain {domain_id} to accept DeleteDomain"),
        deadline,
        || {
            let policy = policy.clone();
            async move {
                let answer = clients
                    .sagemaker
                    .delete_domain()
                    .domain_id(domain_id)
                    .retention_policy(policy)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteDomain", e));
                delete_accepted(answer)
            }
        },
    )
    .await?;
    Ok(())
}

/// Waits until DescribeDomain answers not-found. `DeleteFailed` ends the wait with AWS's reason.
async fn wait_gone(
    clients: &AwsClients,
    domain_id: &str,
    deadline: Deadline,
) -> Result<(), ChildError> {
    poll_until(
        &format!("domain {domain_id} to be deleted"),
        deadline,
        || async {
            Ok::<_, AwsCallError>(match describe(clients, domain_id).await? {
                None => Poll::Ready(Ok(())),
                Some(d) if d.status() == Some(&DomainStatus::DeleteFailed) => {
                    Poll::Ready(Err(unusable(domain_id, &d)))
                }
                Some(d) => Poll::Pending(status_text(&d)),
            })
        },
    )
    .await?
}

/// Waits until the domain is no longer `Pending`, `Updating` or `Deleting`, and returns it.
async fn wait_settled(
    clients: &AwsClients,
    domain_id: &str,
    deadline: Deadline,
) -> Result<DescribeDomainOutput, ChildError> {
    poll_until(
        &format!("domain {domain_id} to be in service"),
        deadline,
        || async {
            Ok::<_, AwsCallError>(match describe(clients, domain_id).await? {
                // Just created: AWS may not show it yet.
                None => Poll::Pending("not visible yet".to_string()),
                Some(d) => match d.status() {
                    Some(DomainStatus::Pending)
                    | Some(DomainStatus::Updating)
                    | Some(DomainStatus::Deleting)
                    | None => Poll::Pending(status_text(&d)),
                    Some(_) => Poll::Ready(d),
                },
            })
        },
    )
    .await
    .map_err(ChildError::from)
}

fn status_text(d: &DescribeDomainOutput) -> String {
    let status = d.status().map_or("unknown", |s| s.as_str());
    match d.failure_reason() {
        Some(reason) if !reason.is_empty() => format!("status {status}: {reason}"),
        _ => format!("status {status}"),
    }
}

fn unusable(domain_id: &str, d: &DescribeDomainOutput) -> ChildError {
    ChildError::Unusable {
        id: format!("domain {domain_id}"),
        state: d.status().map_or("unknown", |s| s.as_str()).to_string(),
        reason: d
            .failure_reason()
            .filter(|r| !r.is_empty())
            .unwrap_or("AWS gave no reason")
            .to_string(),
    }
}

/// The domain, or `None` when AWS does not know it.
pub(crate) async fn describe(
    clients: &AwsClients,
    domain_id: &str,
) -> Result<Option<DescribeDomainOutput>, AwsCallError> {
    match clients
        .sagemaker
        .describe_domain()
        .domain_id(domain_id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) => {
            let err = AwsCallError::from_sdk("sagemaker", "DescribeDomain", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The id of the domain named `name`, if there is one.
async fn find_by_name(clients: &AwsClients, name: &str) -> Result<Option<String>, AwsCallError> {
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .sagemaker
            .list_domains()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListDomains", e))?;
        if let Some(id) = out
            .domains()
            .iter()
            .find(|d| d.domain_name() == Some(name))
            .and_then(|d| d.domain_id())
        {
            return Ok(Some(id.to_string()));
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Refuses a same-named domain that is not tagged as this child.
async fn check_ours(
    clients: &AwsClients,
    owner: Owner<'_>,
    name: &str,
    domain_id: &str,
) -> Result<(), ChildError> {
    let Some(domain) = describe(clients, domain_id).await? else {
        return Ok(());
    };
    let arn = domain.domain_arn().ok_or(ChildError::IncompleteAnswer {
        operation: "DescribeDomain",
        missing: "DomainArn",
    })?;
    let tags = sagemaker_tags(clients, arn).await?;
    if owned_by(owner, &tags) {
        return Ok(());
    }
    Err(ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason: format!(
            "a SageMaker domain named {name} ({domain_id}) already exists and is not tagged as \
             this environment's {} (it belongs to someone else, or was made outside the \
             engine); choose another domain name, or delete that domain, then apply again",
            owner.logical_id
        ),
    })
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    settings: &DomainSettings,
    deadline: Deadline,
) -> Result<String, ChildError> {
    // A new execution role may not be assumable by SageMaker for a while.
    let result = while_role_propagates("the execution role to propagate", deadline, || async {
        clients
            .sagemaker
            .create_domain()
            .domain_name(&settings.name)
            .auth_mode(AuthMode::from(settings.auth_mode.as_str()))
            .vpc_id(&settings.vpc_id)
            .set_subnet_ids(Some(settings.subnet_ids.clone()))
            .kms_key_id(&settings.kms_key_arn)
            .app_network_access_type(AppNetworkAccessType::VpcOnly)
            .default_user_settings(domain_user_settings(
                &settings.execution_role_arn,
                &settings.security_group_id,
                &settings.platform,
                &settings.additions,
            ))
            .default_space_settings(space_settings(
                &settings.execution_role_arn,
                &settings.security_group_id,
                &settings.platform,
                &settings.additions,
            ))
            .domain_settings(
                aws_sdk_sagemaker::types::DomainSettings::builder()
                    .execution_role_identity_config(AUDITED_IDENTITY)
                    .docker_settings(docker_settings(&settings.platform, &settings.account_id))
                    .build(),
            )
            // Spaces and apps carry the domain's tags: cost reports and tag-based policies
            // see the environment in them too.
            .tag_propagation(TagPropagation::Enabled)
            .set_tags(Some(new_tags(owner, tags)))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "CreateDomain", e))
    })
    .await?;
    match result {
        Ok(out) => {
            let arn = out.domain_arn().ok_or(ChildError::IncompleteAnswer {
                operation: "CreateDomain",
                missing: "DomainArn",
            })?;
            domain_id_of(arn)
                .map(str::to_string)
                .ok_or(ChildError::IncompleteAnswer {
                    operation: "CreateDomain",
                    missing: "a domain id in DomainArn",
                })
        }
        Err(err) => {
            if err.code != "ResourceInUse" {
                return Err(err.into());
            }
            // Made meanwhile (a concurrent run, or someone else): adopt it only if it is ours.
            let Some(id) = find_by_name(clients, &settings.name).await? else {
                return Err(err.into());
            };
            check_ours(clients, owner, &settings.name, &id).await?;
            Ok(id)
        }
    }
}

/// Restores the default user and space settings, Docker and tag propagation; app network
/// access and the audited identity only when they differ (AWS refuses to change either while
/// apps run, so they are only sent when they must change).
async fn update(
    clients: &AwsClients,
    owner: Owner<'_>,
    domain_id: &str,
    settings: &DomainSettings,
    differs: RunningAppsBlock,
) -> Result<(), ChildError> {
    // A default left from before is cleared, not kept: the old configuration could not go.
    let configs = settings.additions.clearing_defaults();
    let mut call = clients
        .sagemaker
        .update_domain()
        .domain_id(domain_id)
        .default_user_settings(domain_user_settings(
            &settings.execution_role_arn,
            &settings.security_group_id,
            &settings.platform,
            &configs,
        ))
        .default_space_settings(space_settings(
            &settings.execution_role_arn,
            &settings.security_group_id,
            &settings.platform,
            &configs,
        ))
        .tag_propagation(TagPropagation::Enabled);
    let docker = docker_settings(&settings.platform, &settings.account_id);
    if differs.access {
        call = call.app_network_access_type(AppNetworkAccessType::VpcOnly);
    }
    let mut domain_settings =
        aws_sdk_sagemaker::types::DomainSettingsForUpdate::builder().docker_settings(docker);
    if differs.identity {
        domain_settings = domain_settings.execution_role_identity_config(AUDITED_IDENTITY);
    }
    call = call.domain_settings_for_update(domain_settings.build());
    let blocked_by_apps = differs.access || differs.identity;
    match call.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("sagemaker", "UpdateDomain", e);
            if blocked_by_apps && (err.code == "ValidationException" || err.code == "ResourceInUse")
            {
                return Err(ChildError::Refused {
                    child: owner.logical_id.to_string(),
                    reason: format!(
                        "SageMaker refused to restore domain {domain_id}'s settings ({err}); \
                         AWS changes app network access and the audited identity only while no \
                         app is running: delete the domain's running apps, then apply again"
                    ),
                });
            }
            Err(err.into())
        }
    }
}

fn record(
    clients: &AwsClients,
    domain_id: &str,
    domain: &DescribeDomainOutput,
    settings: &DomainSettings,
) -> Result<Record, ChildError> {
    let arn = domain.domain_arn().map(str::to_string).unwrap_or_else(|| {
        format!(
            "arn:{}:sagemaker:{}:{}:domain/{domain_id}",
            clients.partition, clients.region, clients.account_id
        )
    });
    let mut attributes = BTreeMap::from([
        (
            URL_ATTRIBUTE.to_string(),
            domain.url().unwrap_or_default().to_string(),
        ),
        (
            VPC_ATTRIBUTE.to_string(),
            domain.vpc_id().unwrap_or(&settings.vpc_id).to_string(),
        ),
        (NAME_ATTRIBUTE.to_string(), settings.name.clone()),
        (
            AUTH_MODE_ATTRIBUTE.to_string(),
            settings.auth_mode.as_str().to_string(),
        ),
    ]);
    if let Some(efs) = domain.home_efs_file_system_id().filter(|e| !e.is_empty()) {
        attributes.insert(EFS_ATTRIBUTE.to_string(), efs.to_string());
    }
    Ok(Record {
        kind: KIND,
        physical_id: domain_id.to_string(),
        arn: Some(arn),
        attributes,
        depends_on: Vec::new(),
    })
}

/// The names of the domain's user profiles (none when the domain is gone).
async fn list_user_profiles(
    clients: &AwsClients,
    domain_id: &str,
) -> Result<Vec<String>, AwsCallError> {
    let items = clients
        .sagemaker
        .list_user_profiles()
        .domain_id_equals(domain_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await;
    Ok(none_when_gone("ListUserProfiles", items)?
        .iter()
        .filter(|p| p.domain_id().is_none_or(|d| d == domain_id))
        .filter_map(|p| p.user_profile_name().map(str::to_string))
        .collect())
}

/// The key part of a KMS key id or ARN (`arn:…:key/<id>` and `<id>` name the same key).
fn key_id(key: &str) -> &str {
    key.rsplit_once(":key/").map_or(key, |(_, id)| id)
}

/// What differs and AWS cannot change in place, in words.
fn immutable_differences(domain: &DescribeDomainOutput, settings: &DomainSettings) -> Vec<String> {
    let mut out = Vec::new();
    let vpc = domain.vpc_id().unwrap_or_default();
    if vpc != settings.vpc_id {
        out.push(format!("is in VPC {vpc}, not {}", settings.vpc_id));
    }
    let have: BTreeSet<&str> = domain.subnet_ids().iter().map(String::as_str).collect();
    let want: BTreeSet<&str> = settings.subnet_ids.iter().map(String::as_str).collect();
    if have != want {
        out.push(format!("uses subnets {}, not {}", join(&have), join(&want)));
    }
    let key = domain.kms_key_id().unwrap_or_default();
    if key_id(key) != key_id(&settings.kms_key_arn) {
        let shown = if key.is_empty() {
            "no key (AWS-owned)"
        } else {
            key
        };
        out.push(format!(
            "is encrypted with {shown}, not {}",
            settings.kms_key_arn
        ));
    }
    let auth = domain.auth_mode().map_or("", |a| a.as_str());
    if !auth.eq_ignore_ascii_case(settings.auth_mode.as_str()) {
        out.push(format!(
            "has auth mode {auth}, not {}",
            settings.auth_mode.as_str()
        ));
    }
    out
}

/// The settings AWS changes only while no app runs, and whether each must change.
#[derive(Debug, Clone, Copy)]
struct RunningAppsBlock {
    /// App network access is not VPC-only.
    access: bool,
    /// The execution role's session is not named after the user profile.
    identity: bool,
}

/// `ExecutionRoleIdentityConfig`: SageMaker sets the user profile's name as the source identity
/// of the execution role's sessions, so CloudTrail names the person behind each call.
const AUDITED_IDENTITY: ExecutionRoleIdentityConfig = ExecutionRoleIdentityConfig::UserProfileName;

/// Whether the domain names the user profile as the execution role's source identity.
fn audits_identity(domain: &DescribeDomainOutput) -> bool {
    domain
        .domain_settings()
        .and_then(|s| s.execution_role_identity_config())
        == Some(&AUDITED_IDENTITY)
}

/// What differs and `UpdateDomain` repairs, in words.
fn mutable_differences(domain: &DescribeDomainOutput, settings: &DomainSettings) -> Vec<String> {
    let mut out = Vec::new();
    let access = domain.app_network_access_type();
    if access != Some(&AppNetworkAccessType::VpcOnly) {
        out.push(format!(
            "app network access is {}; apply sets VpcOnly",
            access.map_or("unset", |a| a.as_str())
        ));
    }
    if !audits_identity(domain) {
        let now = domain
            .domain_settings()
            .and_then(|s| s.execution_role_identity_config())
            .map_or("unset", |c| c.as_str());
        out.push(format!(
            "execution role identity is {now}; apply sets {} (CloudTrail names the user)",
            AUDITED_IDENTITY.as_str()
        ));
    }
    let defaults = domain.default_user_settings();
    let role = defaults
        .and_then(UserSettings::execution_role)
        .unwrap_or("none");
    if role != settings.execution_role_arn {
        out.push(format!(
            "default execution role is {role}; apply sets {}",
            settings.execution_role_arn
        ));
    }
    let groups: BTreeSet<&str> = defaults
        .map(|d| d.security_groups().iter().map(String::as_str).collect())
        .unwrap_or_default();
    if groups != BTreeSet::from([settings.security_group_id.as_str()]) {
        out.push(format!(
            "default security groups are {}; apply sets {}",
            join(&groups),
            settings.security_group_id
        ));
    }
    out.extend(user_settings_differences(
        defaults,
        &settings.platform,
        &settings.additions,
    ));
    out.extend(space_settings_differences(
        domain.default_space_settings(),
        &settings.execution_role_arn,
        &settings.security_group_id,
        &settings.platform,
        &settings.additions,
    ));
    out.extend(docker_differences(
        domain.domain_settings().and_then(|s| s.docker_settings()),
        &settings.platform,
        &settings.account_id,
    ));
    let propagation = domain.tag_propagation();
    if propagation != Some(&TagPropagation::Enabled) {
        out.push(format!(
            "tag propagation is {}; apply sets ENABLED (spaces and apps carry the environment's tags)",
            propagation.map_or("unset", |p| p.as_str())
        ));
    }
    out
}

fn join(items: &BTreeSet<&str>) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::StudioDomain {
    type Desired = DomainSettings;

    /// In the private subnets, encrypted with the `studio` key, users running as the execution
    /// role behind the SageMaker security group.
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<DomainSettings, ChildError> {
        Ok(DomainSettings {
            name: self.name.clone(),
            auth_mode: self.auth_mode,
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            subnet_ids: inputs.dependency_ids(|id| matches!(id, LogicalId::PrivateSubnet(_)))?,
            kms_key_arn: inputs.arn(&LogicalId::KmsKey(KeyPurpose::Studio))?,
            execution_role_arn: inputs.arn(&LogicalId::Role(Persona::Execution))?,
            security_group_id: inputs.physical_id(&LogicalId::SageMakerSecurityGroup)?,
            platform: self.platform.clone(),
            account_id: cx.clients.account_id.clone(),
            additions: StudioAdditions::from_records(inputs.dependencies(|id| {
                matches!(
                    id,
                    LogicalId::LifecycleConfig(_) | LogicalId::CustomImage(_)
                )
            })?),
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, settings: &DomainSettings) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), settings, cx.deadline).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        settings: &DomainSettings,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, settings).await
    }

    /// AWS cannot rename a domain or change its auth mode: either makes a new domain.
    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.attributes.get(NAME_ATTRIBUTE) != Some(&self.name)
            || record
                .attributes
                .get(AUTH_MODE_ATTRIBUTE)
                .map(String::as_str)
                != Some(self.auth_mode.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> DomainSettings {
        DomainSettings {
            name: "team-a-dev".into(),
            auth_mode: crate::spec::AuthMode::Iam,
            vpc_id: "vpc-1".into(),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            kms_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/1234-abcd".into(),
            execution_role_arn: "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-execution"
                .into(),
            security_group_id: "sg-1".into(),
            platform: StudioPlatform::of(&crate::spec::StudioSpec::default()),
            account_id: "123456789012".into(),
            additions: StudioAdditions::default(),
        }
    }

    fn compliant(
    ) -> aws_sdk_sagemaker::operation::describe_domain::builders::DescribeDomainOutputBuilder {
        let s = settings();
        DescribeDomainOutput::builder()
            .domain_id("d-1")
            .status(DomainStatus::InService)
            .vpc_id("vpc-1")
            .subnet_ids("subnet-b")
            .subnet_ids("subnet-a")
            .kms_key_id("1234-abcd")
            .auth_mode(AuthMode::Iam)
            .app_network_access_type(AppNetworkAccessType::VpcOnly)
            .default_user_settings(domain_user_settings(
                &s.execution_role_arn,
                &s.security_group_id,
                &s.platform,
                &s.additions,
            ))
            .default_space_settings(space_settings(
                &s.execution_role_arn,
                &s.security_group_id,
                &s.platform,
                &s.additions,
            ))
            .domain_settings(
                aws_sdk_sagemaker::types::DomainSettings::builder()
                    .execution_role_identity_config(AUDITED_IDENTITY)
                    .docker_settings(docker_settings(&s.platform, &s.account_id))
                    .build(),
            )
            .tag_propagation(TagPropagation::Enabled)
    }

    #[test]
    fn a_domain_that_does_not_name_the_user_in_cloudtrail_is_repairable() {
        let d = compliant()
            .domain_settings(
                aws_sdk_sagemaker::types::DomainSettings::builder()
                    .docker_settings(docker_settings(&settings().platform, "123456789012"))
                    .build(),
            )
            .build();
        assert_eq!(
            mutable_differences(&d, &settings()),
            ["execution role identity is unset; apply sets USER_PROFILE_NAME (CloudTrail names the user)"]
        );
    }

    #[test]
    fn a_compliant_domain_has_no_differences() {
        let d = compliant().build();
        assert!(immutable_differences(&d, &settings()).is_empty());
        assert!(mutable_differences(&d, &settings()).is_empty());
    }

    #[test]
    fn public_internet_access_and_other_defaults_are_repairable() {
        let d = compliant()
            .app_network_access_type(AppNetworkAccessType::PublicInternetOnly)
            .default_user_settings(
                UserSettings::builder()
                    .execution_role("arn:aws:iam::123456789012:role/admin")
                    .security_groups("sg-1")
                    .security_groups("sg-open")
                    .build(),
            )
            .build();
        let diffs = mutable_differences(&d, &settings());
        // The three below, then the platform settings those user settings leave out.
        assert_eq!(diffs.len(), 8, "{diffs:?}");
        assert_eq!(
            diffs[0],
            "app network access is PublicInternetOnly; apply sets VpcOnly"
        );
        assert!(diffs[1].contains("role/admin"), "{diffs:?}");
        assert!(diffs[2].contains("sg-1, sg-open"), "{diffs:?}");
        assert!(immutable_differences(&d, &settings()).is_empty());
    }

    #[test]
    fn network_key_and_auth_changes_need_a_new_domain() {
        let d = compliant()
            .vpc_id("vpc-2")
            .set_subnet_ids(Some(vec!["subnet-a".into()]))
            .kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/other")
            .auth_mode(AuthMode::Sso)
            .build();
        let diffs = immutable_differences(&d, &settings());
        assert_eq!(diffs.len(), 4, "{diffs:?}");
        assert!(diffs[0].contains("vpc-2"));
        assert!(diffs[1].contains("subnet-a, subnet-b"));
        assert!(diffs[2].contains("key/other"));
        assert!(diffs[3].contains("SSO"));
    }

    #[test]
    fn key_ids_and_arns_name_the_same_key() {
        assert_eq!(
            key_id("arn:aws:kms:eu-west-1:123456789012:key/1234-abcd"),
            "1234-abcd"
        );
        assert_eq!(key_id("1234-abcd"), "1234-abcd");
    }
}
