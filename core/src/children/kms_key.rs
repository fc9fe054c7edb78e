//! The environment's customer-managed KMS keys (`data`, `ebs`, `studio`): rotation on, the key
//! policy from [`key_policy`](crate::policy::environment::key_policy), and an alias
//! `alias/secure-mlops/<env id>/<purpose>` that names the key for humans and for the roles'
//! `kms:ResourceAliases` conditions.
//!
//! KMS has no client token and keys have no name, so a key is found again by its alias, or, when
//! a run died between `CreateKey` and `CreateAlias`, by its ownership tags (set in `CreateKey`
//! itself, so a key is never untagged). Keys pending deletion are never adopted.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, Tag};
use serde_json::Value;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::tags::{built, child_tags, owned_by, policy_differences};
use crate::aws::{AwsCallError, AwsClients, ErrorKind};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::KeyPurpose;
use crate::ids::LogicalId;
use crate::ids::RecordKind;
use crate::policy::environment::key_policy;
use crate::policy::environment::kms::key_users;
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of a key the environment created.
pub const KIND: RecordKind = RecordKind::KmsKey;
/// Record attribute holding the key's alias.
pub const ALIAS_ATTRIBUTE: &str = "alias";
/// Days a deleted key waits before KMS destroys it: the minimum KMS allows, so a destroyed
/// environment's keys go soon, while a mistaken destroy can still be undone for a week.
pub const DELETION_WINDOW_DAYS: i32 = 7;
/// The only key policy name KMS knows.
const POLICY_NAME: &str = "default";
/// How long a key policy naming just-created roles is retried: IAM takes a few seconds to make
/// a new role visible to KMS, which until then rejects the policy as malformed.
pub const PRINCIPAL_PROPAGATION_BUDGET: Duration = Duration::from_secs(120);

/// The alias of the environment's key for `purpose`: `alias/secure-mlops/<env_id>/<purpose>`.
pub fn alias_name(env_id: &str, purpose: KeyPurpose) -> String {
    format!("alias/secure-mlops/{env_id}/{}", purpose.key())
}

/// Adopts the key behind the alias, or the key tagged as `owner` (a run that died before making
/// the alias), or creates it; then makes sure of the alias, the tags, the key being enabled,
/// rotation and the key policy, which repairs drift.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    purpose: KeyPurpose,
    policy: &Value,
) -> Result<Record, ChildError> {
    let alias = alias_name(owner.env_id, purpose);
    let (key, created) = match describe(clients, &alias).await? {
        Some(key) => {
            check_adoptable(clients, owner, &alias, &key).await?;
            (key, false)
        }
        None => match find_by_tags(clients, owner).await? {
            Some(key) => (key, false),
            None => (create(clients, owner, tags, purpose, policy).await?, true),
        },
    };
    let key_id = key.key_id().to_string();
    let arn = key
        .arn()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeKey",
            missing: "KeyMetadata.Arn",
        })?
        .to_string();

    ensure_alias(clients, owner, &alias, &key_id).await?;
    if !created {
        // Tags may have changed in the spec since the key was made.
        clients
            .kms
            .tag_resource()
            .key_id(&key_id)
            .set_tags(Some(kms_tags(owner, tags)))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("kms", "TagResource", e))?;
    }
    if key.key_state() == Some(&KeyState::Disabled) {
        clients
            .kms
            .enable_key()
            .key_id(&key_id)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("kms", "EnableKey", e))?;
    }
    clients
        .kms
        .enable_key_rotation()
        .key_id(&key_id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("kms", "EnableKeyRotation", e))?;
    if !created {
        let current = current_policy(clients, &key_id).await?;
        if !policy_differences(policy, &current).is_empty() {
            put_policy(clients, &key_id, policy).await?;
        }
    }

    Ok(Record {
        kind: KIND,
        physical_id: key_id,
        arn: Some(arn),
        attributes: BTreeMap::from([(ALIAS_ATTRIBUTE.to_string(), alias)]),
        depends_on: Vec::new(),
    })
}

/// What differs from the desired state, in words; empty when compliant. A key that is gone is
/// drift (apply makes a new one), not an error.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    policy: &Value,
) -> Result<Vec<String>, ChildError> {
    let key_id = record.physical_id.as_str();
    let alias = record.attributes.get(ALIAS_ATTRIBUTE);
    let subject = match alias {
        Some(alias) => format!("kms key {alias} ({key_id})"),
        None => format!("kms key {key_id}"),
    };
    // Through the alias first: when it points at this key, that answer is the key's too, and
    // one DescribeKey does for both.
    let by_alias = match alias {
        Some(alias) => Some(describe(clients, alias).await?),
        None => None,
    };
    let key = match &by_alias {
        Some(Some(k)) if k.key_id() == key_id => Some(k.clone()),
        _ => describe(clients, key_id).await?,
    };
    let Some(key) = key else {
        return Ok(vec![format!(
            "{subject}: the key is gone; apply creates a new one"
        )]);
    };
    if is_pending_deletion(&key) {
        let when = key
            .deletion_date()
            .map(|d| format!(" (deletion on {d})"))
            .unwrap_or_default();
        // Nothing else matters for a key about to go; apply refuses it until the user decides.
        return Ok(vec![format!(
            "{subject}: the key is pending deletion{when}; cancel the deletion \
             (`aws kms cancel-key-deletion`) to keep what it encrypts, then apply"
        )]);
    }
    let mut out = Vec::new();
    if key.key_state() == Some(&KeyState::Disabled) {
        out.push(format!("{subject}: the key is disabled; apply enables it"));
    }
    let rotation = match clients
        .kms
        .get_key_rotation_status()
        .key_id(key_id)
        .send()
        .await
    {
        Ok(out) => Some(out.key_rotation_enabled()),
        Err(e) => {
            let err = AwsCallError::from_sdk("kms", "GetKeyRotationStatus", e);
            // KMS may not say for a disabled key; that drift is reported above, and apply
            // turns rotation on after enabling the key.
            if err.code != "KMSInvalidStateException" {
                return Err(err.into());
            }
            None
        }
    };
    if rotation == Some(false) {
        out.push(format!(
            "{subject}: automatic key rotation is off; apply turns it on"
        ));
    }
    if let (Some(alias), Some(by_alias)) = (alias, by_alias) {
        match by_alias {
            None => out.push(format!(
                "{subject}: alias {alias} is missing; apply restores it"
            )),
            Some(k) if k.key_id() != key_id => out.push(format!(
                "{subject}: alias {alias} points at key {}, not at this key; apply adopts that \
                 key if it is this environment's",
                k.key_id()
            )),
            Some(_) => {}
        }
    }
    let current = current_policy(clients, key_id).await?;
    out.extend(
        policy_differences(policy, &current)
            .into_iter()
            .map(|d| format!("{subject}: key policy {d}; apply restores it")),
    );
    Ok(out)
}

/// Deletes the alias and schedules the key's deletion with the shortest window KMS allows.
/// A key already pending deletion, or gone, counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let key_id = record.physical_id.as_str();
    if let Some(alias) = record.attributes.get(ALIAS_ATTRIBUTE) {
        // Only while it still points at this key: otherwise it belongs to the key that replaced
        // this one.
        if describe(clients, alias)
            .await?
            .map(|k| k.key_id().to_string())
            == Some(key_id.into())
        {
            match clients.kms.delete_alias().alias_name(alias).send().await {
                Ok(_) => {}
                Err(e) => {
                    let err = AwsCallError::from_sdk("kms", "DeleteAlias", e);
                    if !err.is_not_found() {
                        return Err(err.into());
                    }
                }
            }
        }
    }
    let Some(key) = describe(clients, key_id).await? else {
        return Ok(());
    };
    if is_pending_deletion(&key) {
        return Ok(());
    }
    match clients
        .kms
        .schedule_key_deletion()
        .key_id(key_id)
        .pending_window_in_days(DELETION_WINDOW_DAYS)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("kms", "ScheduleKeyDeletion", e);
            if err.is_not_found() {
                return Ok(());
            }
            // Someone scheduled it between our look and our call.
            if err.code == "KMSInvalidStateException"
                && describe(clients, key_id)
                    .await?
                    .is_none_or(|k| is_pending_deletion(&k))
            {
                return Ok(());
            }
            Err(err.into())
        }
    }
}

fn is_pending_deletion(key: &KeyMetadata) -> bool {
    matches!(
        key.key_state(),
        Some(KeyState::PendingDeletion) | Some(KeyState::PendingReplicaDeletion)
    )
}

/// The key's metadata, by id, ARN or alias; `None` when there is no such key or alias.
async fn describe(clients: &AwsClients, id: &str) -> Result<Option<KeyMetadata>, ChildError> {
    match clients.kms.describe_key().key_id(id).send().await {
        Ok(out) => Ok(out.key_metadata().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("kms", "DescribeKey", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err.into())
            }
        }
    }
}

/// A key found through the alias is adopted only if it is this child and usable.
async fn check_adoptable(
    clients: &AwsClients,
    owner: Owner<'_>,
    alias: &str,
    key: &KeyMetadata,
) -> Result<(), ChildError> {
    let key_id = key.key_id();
    if is_pending_deletion(key) {
        return Err(ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!(
                "alias {alias} points at key {key_id}, which is pending deletion; cancel the \
                 deletion (`aws kms cancel-key-deletion --key-id {key_id}`) to keep what it \
                 encrypts, or delete the alias to get a new key, then apply again"
            ),
        });
    }
    let tags = resource_tags(clients, key_id).await?.unwrap_or_default();
    if !owned_by(owner, &tags) {
        return Err(ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!(
                "alias {alias} points at key {key_id}, which is not tagged as this environment's \
                 {} key; point the alias elsewhere or delete it, then apply again",
                owner.logical_id
            ),
        });
    }
    Ok(())
}

/// The tags of a key; `None` when the key is gone.
async fn resource_tags(
    clients: &AwsClients,
    key_id: &str,
) -> Result<Option<BTreeMap<String, String>>, ChildError> {
    let mut tags = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let out = match clients
            .kms
            .list_resource_tags()
            .key_id(key_id)
            .set_marker(marker.take())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let err = AwsCallError::from_sdk("kms", "ListResourceTags", e);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err.into())
                };
            }
        };
        for t in out.tags() {
            tags.insert(t.tag_key().to_string(), t.tag_value().to_string());
        }
        match out.next_marker() {
            Some(next) if out.truncated() => marker = Some(next.to_string()),
            _ => return Ok(Some(tags)),
        }
    }
}

/// The first key tagged as `owner` that is not pending deletion.
async fn find_by_tags(
    clients: &AwsClients,
    owner: Owner<'_>,
) -> Result<Option<KeyMetadata>, ChildError> {
    let mut marker: Option<String> = None;
    loop {
        let out = clients
            .kms
            .list_keys()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("kms", "ListKeys", e))?;
        for entry in out.keys() {
            let Some(key_id) = entry.key_id() else {
                continue;
            };
            let tags = match resource_tags(clients, key_id).await {
                Ok(Some(tags)) => tags,
                Ok(None) => continue,
                // Keys of others whose policy keeps us out cannot be ours.
                Err(ChildError::Aws(e)) if e.kind == ErrorKind::AccessDenied => continue,
                Err(e) => return Err(e),
            };
            if !owned_by(owner, &tags) {
                continue;
            }
            if let Some(key) = describe(clients, key_id).await? {
                if !is_pending_deletion(&key) {
                    return Ok(Some(key));
                }
            }
        }
        match out.next_marker() {
            Some(next) if out.truncated() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

fn kms_tags(owner: Owner<'_>, extra: &BTreeMap<String, String>) -> Vec<Tag> {
    child_tags(owner, extra)
        .into_iter()
        .map(|(k, v)| built("kms Tag", Tag::builder().tag_key(k).tag_value(v).build()))
        .collect()
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    purpose: KeyPurpose,
    policy: &Value,
) -> Result<KeyMetadata, ChildError> {
    let description = format!(
        "secure-mlops environment {}: {} key",
        owner.env_id,
        purpose.key()
    );
    let text = policy.to_string();
    let key = retry_while_principals_propagate("CreateKey", || {
        let request = clients
            .kms
            .create_key()
            .description(&description)
            .key_usage(KeyUsageType::EncryptDecrypt)
            .key_spec(KeySpec::SymmetricDefault)
            .policy(&text)
            .set_tags(Some(kms_tags(owner, tags)));
        async move {
            request
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("kms", "CreateKey", e))
        }
    })
    .await?;
    key.key_metadata()
        .cloned()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "CreateKey",
            missing: "KeyMetadata",
        })
}

async fn ensure_alias(
    clients: &AwsClients,
    owner: Owner<'_>,
    alias: &str,
    key_id: &str,
) -> Result<(), ChildError> {
    match describe(clients, alias).await? {
        Some(k) if k.key_id() == key_id => return Ok(()),
        // A key found by tags while the alias names another: that other key was checked to
        // not exist (the alias was looked up first), so this only happens in a race.
        Some(k) => {
            return Err(ChildError::Refused {
                child: owner.logical_id.to_string(),
                reason: format!(
                    "alias {alias} points at key {}, while key {key_id} is tagged as this \
                     environment's {}; apply again to adopt the aliased key",
                    k.key_id(),
                    owner.logical_id
                ),
            })
        }
        None => {}
    }
    match clients
        .kms
        .create_alias()
        .alias_name(alias)
        .target_key_id(key_id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("kms", "CreateAlias", e);
            if err.kind == ErrorKind::AlreadyExists
                && describe(clients, alias)
                    .await?
                    .map(|k| k.key_id().to_string())
                    == Some(key_id.to_string())
            {
                return Ok(());
            }
            Err(err.into())
        }
    }
}

async fn current_policy(clients: &AwsClients, key_id: &str) -> Result<Value, ChildError> {
    let out = clients
        .kms
        .get_key_policy()
        .key_id(key_id)
        .policy_name(POLICY_NAME)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("kms", "GetKeyPolicy", e))?;
    let text = out.policy().unwrap_or_default();
    Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())))
}

async fn put_policy(clients: &AwsClients, key_id: &str, policy: &Value) -> Result<(), ChildError> {
    let text = policy.to_string();
    retry_while_principals_propagate("PutKeyPolicy", || {
        let request = clients
            .kms
            .put_key_policy()
            .key_id(key_id)
            .policy_name(POLICY_NAME)
            .policy(&text);
        async move {
            request
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("kms", "PutKeyPolicy", e))
        }
    })
    .await?;
    Ok(())
}

/// Runs `call` until KMS stops rejecting the policy's principals (new roles propagating), for at
/// most [`PRINCIPAL_PROPAGATION_BUDGET`]. A policy malformed for another reason fails the same
/// way once the budget is spent, with KMS's message.
async fn retry_while_principals_propagate<T, F, Fut>(
    operation: &str,
    mut call: F,
) -> Result<T, ChildError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsCallError>>,
{
    let value = poll_until(
        &format!("KMS to accept the key policy's principals ({operation})"),
        Deadline::after(PRINCIPAL_PROPAGATION_BUDGET),
        || {
            let attempt = call();
            async move {
                match attempt.await {
                    Ok(v) => Ok(Poll::Ready(v)),
                    // The timeout message carries this as what was last seen.
                    Err(e) if e.code == "MalformedPolicyDocumentException" => {
                        Ok(Poll::Pending(e.to_string()))
                    }
                    Err(e) => Err(e),
                }
            }
        },
    )
    .await?;
    Ok(value)
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::KmsKey {
    /// The key policy.
    type Desired = Value;

    /// Usable by the persona roles that need the key (`key_users`) and the engine's own
    /// principal (it creates resources encrypted with the keys).
    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Value, ChildError> {
        let mut users: Vec<String> = key_users(self.purpose)
            .iter()
            .filter_map(|p| inputs.get(&LogicalId::Role(*p)).ok())
            .filter_map(|r| r.arn.clone())
            .collect();
        users.push(cx.clients.caller_arn.clone());
        users.sort();
        users.dedup();
        Ok(key_policy(&cx.env.facts, self.purpose, &users))
    }

    async fn ensure(&self, cx: &Cx<'_>, policy: &Value) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), self.purpose, policy).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        policy: &Value,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, policy).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::roles::alias_prefix;
    use crate::policy::environment::EnvironmentFacts;

    #[test]
    fn aliases_are_under_the_prefix_the_roles_allow() {
        assert_eq!(
            alias_name("team-a-dev", KeyPurpose::Studio),
            "alias/secure-mlops/team-a-dev/studio"
        );
        let facts = EnvironmentFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "team-a".into(),
            stage: "dev".into(),
            trusted_principal_arns: Vec::new(),
        };
        for purpose in KeyPurpose::ALL {
            assert!(alias_name("team-a-dev", purpose).starts_with(&alias_prefix(&facts)));
        }
    }
}
