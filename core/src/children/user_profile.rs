//! A Studio user profile: one per person, running as their persona's role behind the SageMaker
//! security group.
//!
//! A profile's name is its identity within the domain, so it is found again by
//! `DescribeUserProfile` and adopted only when its tags say it is this child; its tags go into
//! `CreateUserProfile` itself, so a run killed right after the create finds it tagged. Besides the
//! environment's tags a profile carries [`USER_TAG`] = its name: Studio sign-in allows a person
//! only the profile whose tag equals their session's tag (`policy::environment::roles`); an
//! adopted profile without it gets it.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sagemaker::operation::describe_user_profile::DescribeUserProfileOutput;
use aws_sdk_sagemaker::types::{UserProfileStatus, UserSettings};

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::sagemaker::{delete_accepted, new_tags, sagemaker_tags, while_role_propagates};
use super::studio_apps::{self, Scope};
use super::studio_settings::{default_config_differences, idle_differences, profile_user_settings};
use super::tags::owned_by;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;
use crate::ids::USER_TAG;
use crate::spec::StudioAppType;
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of a Studio user profile.
pub const KIND: RecordKind = RecordKind::StudioUserProfile;
/// Record attribute: the id of the profile's domain.
pub const DOMAIN_ID_ATTRIBUTE: &str = "domain_id";
/// Record attribute: the IAM Identity Center user the profile belongs to (only on profiles of
/// such domains). SageMaker cannot change it, so another user means another profile.
pub const SSO_USER_ATTRIBUTE: &str = "sso_user_name";
/// `SingleSignOnUserIdentifier`: the one kind of identifier SageMaker accepts.
const SSO_USER_IDENTIFIER: &str = "UserName";

/// Adopts the profile `name` of the domain `at.domain_id` (only if tagged as this child) or
/// creates it, waits until it is in service, and sets its execution role, security group and
/// idle timeout again when they differ, which repairs drift.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    at: &ProfileSettings,
    deadline: Deadline,
) -> Result<Record, ChildError> {
    let domain_id = at.domain_id.as_str();
    let tags = &profile_tags(tags, name);
    let mut existing = describe(clients, domain_id, name).await?;
    let adopted = existing.is_some();
    if let Some(profile) = &existing {
        check_ours(clients, owner, domain_id, name, profile).await?;
        // One of ours on its way out cannot be adopted: wait, then make a new one.
        if profile.status() == Some(&UserProfileStatus::Deleting) {
            wait_gone(clients, domain_id, name, deadline).await?;
            existing = None;
        }
    }
    if existing.is_none() {
        create(clients, owner, tags, name, at, deadline).await?;
    }
    let mut profile = wait_settled(clients, domain_id, name, deadline).await?;
    if profile.status() == Some(&UserProfileStatus::Failed) {
        return Err(unusable(domain_id, name, &profile));
    }
    if !differences(&profile, at).is_empty() {
        clients
            .sagemaker
            .update_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .user_settings(profile_user_settings(at, true))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "UpdateUserProfile", e))?;
        profile = wait_settled(clients, domain_id, name, deadline).await?;
        if profile.status() != Some(&UserProfileStatus::InService) {
            return Err(unusable(domain_id, name, &profile));
        }
    }
    let arn = profile
        .user_profile_arn()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeUserProfile",
            missing: "UserProfileArn",
        })?
        .to_string();
    if adopted {
        tag_user(clients, owner, tags, &arn, name).await?;
    }
    let mut attributes = BTreeMap::from([(DOMAIN_ID_ATTRIBUTE.to_string(), domain_id.to_string())]);
    if let Some(user) = profile
        .single_sign_on_user_value()
        .or(at.sso_user_name.as_deref())
    {
        attributes.insert(SSO_USER_ATTRIBUTE.to_string(), user.to_string());
    }
    Ok(Record {
        kind: KIND,
        physical_id: name.to_string(),
        arn: Some(arn),
        attributes,
        depends_on: Vec::new(),
    })
}

/// What differs between the profile in `record` and the role, group and idle timeout it should
/// have, one line each; empty when it complies. A profile deleted outside the engine is drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    at: &ProfileSettings,
) -> Result<Vec<String>, ChildError> {
    let name = record.physical_id.as_str();
    let domain_id = domain_of(record)?;
    let label = format!("{KIND} {name} ({domain_id})");
    let Some(profile) = describe(clients, domain_id, name).await? else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply creates it again"
        )]);
    };
    if profile.status() == Some(&UserProfileStatus::Deleting) {
        return Ok(vec![format!(
            "{label}: being deleted outside the engine; apply creates it again once it is gone"
        )]);
    }
    let mut out = Vec::new();
    match profile.status() {
        Some(UserProfileStatus::InService)
        | Some(UserProfileStatus::Pending)
        | Some(UserProfileStatus::Updating)
        | None => {}
        Some(status) => out.push(format!(
            "{label}: status is {}{}",
            status.as_str(),
            profile
                .failure_reason()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        )),
    }
    out.extend(
        differences(&profile, at)
            .into_iter()
            .map(|d| format!("{label}: {d}")),
    );
    Ok(out)
}

/// Deletes the profile's apps and the spaces it owns, waits until they are gone, then deletes the
/// profile and waits until it is gone. Not-found counts as deleted.
pub async fn delete(
    clients: &AwsClients,
    record: &Record,
    deadline: Deadline,
) -> Result<(), ChildError> {
    delete_named(clients, domain_of(record)?, &record.physical_id, deadline).await
}

/// [`delete`] by domain id and name (also for profiles the engine did not record, which block
/// deleting their domain).
pub(crate) async fn delete_named(
    clients: &AwsClients,
    domain_id: &str,
    name: &str,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let Some(profile) = describe(clients, domain_id, name).await? else {
        return Ok(());
    };
    if profile.status() != Some(&UserProfileStatus::Deleting) {
        studio_apps::delete_apps_and_spaces(clients, domain_id, Scope::UserProfile(name), deadline)
            .await?;
        poll_until(
            &format!("user profile {name} to accept DeleteUserProfile"),
            deadline,
            || async {
                let answer = clients
                    .sagemaker
                    .delete_user_profile()
                    .domain_id(domain_id)
                    .user_profile_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteUserProfile", e));
                delete_accepted(answer)
            },
        )
        .await?;
    }
    wait_gone(clients, domain_id, name, deadline).await
}

fn domain_of(record: &Record) -> Result<&str, ChildError> {
    record
        .attributes
        .get(DOMAIN_ID_ATTRIBUTE)
        .map(String::as_str)
        .ok_or_else(|| ChildError::MissingInput {
            child: format!("{KIND} {}", record.physical_id),
            input: format!("record attribute {DOMAIN_ID_ATTRIBUTE}"),
        })
}

/// The profile, or `None` when it (or its domain) does not exist.
async fn describe(
    clients: &AwsClients,
    domain_id: &str,
    name: &str,
) -> Result<Option<DescribeUserProfileOutput>, AwsCallError> {
    match clients
        .sagemaker
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) => {
            let err = AwsCallError::from_sdk("sagemaker", "DescribeUserProfile", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

async fn check_ours(
    clients: &AwsClients,
    owner: Owner<'_>,
    domain_id: &str,
    name: &str,
    profile: &DescribeUserProfileOutput,
) -> Result<(), ChildError> {
    let arn = profile
        .user_profile_arn()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeUserProfile",
            missing: "UserProfileArn",
        })?;
    if owned_by(owner, &sagemaker_tags(clients, arn).await?) {
        return Ok(());
    }
    Err(ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason: format!(
            "user profile {name} already exists in domain {domain_id} and is not tagged as this \
             environment's {} (it was made outside the engine); choose another name, or delete \
             that profile, then apply again",
            owner.logical_id
        ),
    })
}

/// The tags of profile `name`: the environment's, and [`USER_TAG`] = the name, the person's
/// identity Studio sign-in compares with the caller's session tag.
fn profile_tags(tags: &BTreeMap<String, String>, name: &str) -> BTreeMap<String, String> {
    let mut all = tags.clone();
    all.insert(USER_TAG.to_string(), name.to_string());
    all
}

/// Tags a profile made before profiles carried [`USER_TAG`] (or stripped of it) with its name.
/// All the child's tags go in the call: the engine's role may tag only with the environment tag
/// in the request (`cfn/custom-resource.yaml`, `TagInCreateCalls`).
async fn tag_user(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    arn: &str,
    name: &str,
) -> Result<(), ChildError> {
    let current = sagemaker_tags(clients, arn).await?;
    if current.get(USER_TAG).map(String::as_str) == Some(name) {
        return Ok(());
    }
    clients
        .sagemaker
        .add_tags()
        .resource_arn(arn)
        .set_tags(Some(new_tags(owner, tags)))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "AddTags", e))?;
    Ok(())
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    at: &ProfileSettings,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let domain_id = at.domain_id.as_str();
    // A new persona role may not be assumable by SageMaker for a while.
    let answer = while_role_propagates("the profile's role to propagate", deadline, || async {
        clients
            .sagemaker
            .create_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .user_settings(profile_user_settings(at, false))
            .set_single_sign_on_user_identifier(
                at.sso_user_name
                    .as_ref()
                    .map(|_| SSO_USER_IDENTIFIER.to_string()),
            )
            .set_single_sign_on_user_value(at.sso_user_name.clone())
            .set_tags(Some(new_tags(owner, tags)))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "CreateUserProfile", e))
    })
    .await?;
    match answer {
        Ok(_) => Ok(()),
        Err(err) => {
            if err.code != "ResourceInUse" {
                return Err(err.into());
            }
            // Made meanwhile (a concurrent run, or someone else): adopt it only if it is ours.
            let Some(profile) = describe(clients, domain_id, name).await? else {
                return Err(err.into());
            };
            check_ours(clients, owner, domain_id, name, &profile).await
        }
    }
}

/// Waits until the profile is no longer `Pending`, `Updating` or `Deleting`, and returns it.
async fn wait_settled(
    clients: &AwsClients,
    domain_id: &str,
    name: &str,
    deadline: Deadline,
) -> Result<DescribeUserProfileOutput, ChildError> {
    poll_until(
        &format!("user profile {name} to be in service"),
        deadline,
        || async {
            Ok::<_, AwsCallError>(match describe(clients, domain_id, name).await? {
                None => Poll::Pending("not visible yet".to_string()),
                Some(p) => match p.status() {
                    Some(UserProfileStatus::Pending)
                    | Some(UserProfileStatus::Updating)
                    | Some(UserProfileStatus::Deleting)
                    | None => Poll::Pending(status_text(&p)),
                    Some(_) => Poll::Ready(p),
                },
            })
        },
    )
    .await
    .map_err(ChildError::from)
}

/// Waits until the profile is gone; `DeleteFailed` ends the wait with AWS's reason.
async fn wait_gone(
    clients: &AwsClients,
    domain_id: &str,
    name: &str,
    deadline: Deadline,
) -> Result<(), ChildError> {
    poll_until(
        &format!("user profile {name} to be deleted"),
        deadline,
        || async {
            Ok::<_, AwsCallError>(match describe(clients, domain_id, name).await? {
                None => Poll::Ready(Ok(())),
                Some(p) if p.status() == Some(&UserProfileStatus::DeleteFailed) => {
                    Poll::Ready(Err(unusable(domain_id, name, &p)))
                }
                Some(p) => Poll::Pending(status_text(&p)),
            })
        },
    )
    .await?
}

fn status_text(p: &DescribeUserProfileOutput) -> String {
    let status = p.status().map_or("unknown", |s| s.as_str());
    match p.failure_reason() {
        Some(reason) if !reason.is_empty() => format!("status {status}: {reason}"),
        _ => format!("status {status}"),
    }
}

fn unusable(domain_id: &str, name: &str, p: &DescribeUserProfileOutput) -> ChildError {
    ChildError::Unusable {
        id: format!("user profile {name} of domain {domain_id}"),
        state: p.status().map_or("unknown", |s| s.as_str()).to_string(),
        reason: p
            .failure_reason()
            .filter(|r| !r.is_empty())
            .unwrap_or("AWS gave no reason")
            .to_string(),
    }
}

/// What differs from the role, group and idle timeout the profile should have, in words.
fn differences(profile: &DescribeUserProfileOutput, at: &ProfileSettings) -> Vec<String> {
    let (execution_role_arn, security_group_id) =
        (at.role_arn.as_str(), at.security_group_id.as_str());
    let settings = profile.user_settings();
    let mut out = Vec::new();
    let role = settings
        .and_then(UserSettings::execution_role)
        .unwrap_or("none");
    if role != execution_role_arn {
        out.push(format!(
            "execution role is {role}; apply sets {execution_role_arn}"
        ));
    }
    let groups: BTreeSet<&str> = settings
        .map(|s| s.security_groups().iter().map(String::as_str).collect())
        .unwrap_or_default();
    if groups != BTreeSet::from([security_group_id]) {
        let shown = if groups.is_empty() {
            "none".to_string()
        } else {
            groups.into_iter().collect::<Vec<_>>().join(", ")
        };
        out.push(format!(
            "security groups are {shown}; apply sets {security_group_id}"
        ));
    }
    out.extend(idle_differences("its", settings, at.idle_minutes));
    out.extend(default_config_differences(settings, at));
    out
}

// --- the contract ----------------------------------------------------------------------------

/// Where a user profile lives and what its apps run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSettings {
    /// The domain's id.
    pub domain_id: String,
    /// The persona role its apps run as.
    pub role_arn: String,
    /// The security group of its apps.
    pub security_group_id: String,
    /// Its IAM Identity Center user name, when the domain signs in through IAM Identity Center.
    pub sso_user_name: Option<String>,
    /// Minutes before its idle apps stop; `None`: never.
    pub idle_minutes: Option<u32>,
    /// The lifecycle configuration its apps run by default (app type, ARN), instead of the
    /// domain's.
    pub default_lifecycle_config: Option<(StudioAppType, String)>,
}

impl ChildKind for kinds::StudioUserProfile {
    type Desired = ProfileSettings;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<ProfileSettings, ChildError> {
        Ok(ProfileSettings {
            domain_id: inputs.physical_id(&LogicalId::StudioDomain)?,
            role_arn: inputs.arn(&LogicalId::Role(self.persona))?,
            security_group_id: inputs.physical_id(&LogicalId::SageMakerSecurityGroup)?,
            sso_user_name: self.sso_user_name.clone(),
            idle_minutes: self.idle_minutes,
            default_lifecycle_config: match &self.default_lifecycle_config {
                Some((id, app)) => Some((
                    *app,
                    inputs.arn(&id.parse().map_err(|_| ChildError::MissingInput {
                        child: self.name.clone(),
                        input: id.clone(),
                    })?)?,
                )),
                None => None,
            },
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, at: &ProfileSettings) -> Result<Record, ChildError> {
        ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            &self.name,
            at,
            cx.deadline,
        )
        .await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        at: &ProfileSettings,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, at).await
    }

    /// Another IAM Identity Center user is another profile: SageMaker cannot move one.
    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.attributes.get(SSO_USER_ATTRIBUTE) != self.sso_user_name.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_tagged_with_their_person() {
        let tags = BTreeMap::from([("team".to_string(), "a".to_string())]);
        let all = profile_tags(&tags, "alice");
        assert_eq!(
            all.get("secure-mlops:user").map(String::as_str),
            Some("alice")
        );
        assert_eq!(all.get("team").map(String::as_str), Some("a"));
    }

    #[test]
    fn role_and_groups_are_compared_as_sets() {
        let p = DescribeUserProfileOutput::builder()
            .user_settings(
                UserSettings::builder()
                    .execution_role("arn:aws:iam::1:role/ds")
                    .security_groups("sg-1")
                    .build(),
            )
            .build();
        let at = |role: &str, group: &str| ProfileSettings {
            domain_id: "d-1".into(),
            role_arn: role.into(),
            security_group_id: group.into(),
            sso_user_name: None,
            idle_minutes: None,
            default_lifecycle_config: None,
        };
        let idle_off = idle_differences("its", p.user_settings(), None);
        assert_eq!(
            idle_off.len(),
            2,
            "no idle settings read back as not set: {idle_off:?}"
        );
        let d = differences(&p, &at("arn:aws:iam::1:role/ds", "sg-1"));
        assert_eq!(d, idle_off);
        let d = differences(&p, &at("arn:aws:iam::1:role/admin", "sg-2"));
        assert_eq!(
            d[..2],
            [
                "execution role is arn:aws:iam::1:role/ds; apply sets arn:aws:iam::1:role/admin",
                "security groups are sg-1; apply sets sg-2"
            ]
        );
        let empty = DescribeUserProfileOutput::builder().build();
        assert_eq!(differences(&empty, &at("r", "sg-1")).len(), 4);
        let compliant = DescribeUserProfileOutput::builder()
            .user_settings(profile_user_settings(
                &ProfileSettings {
                    idle_minutes: Some(90),
                    ..at("r", "sg-1")
                },
                false,
            ))
            .build();
        let mut want = at("r", "sg-1");
        want.idle_minutes = Some(90);
        assert!(differences(&compliant, &want).is_empty());
    }
}
