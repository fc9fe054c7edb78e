//! The environment's data and model buckets: SSE-KMS with the environment's data key (bucket
//! keys on), every public access block on, ACLs off (`BucketOwnerEnforced`), versioning on, and
//! the TLS-only, endpoint-only bucket policy.
//!
//! A bucket's name is its identity, so it is found again by name: a bucket of that name in this
//! account is adopted only if its tags say it is this child. New buckets get their tags in
//! `CreateBucket` itself, so a run that dies right after the create finds them tagged.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete,
    ObjectIdentifier, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
    VersioningConfiguration,
};
use serde_json::Value;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::tags::{built, child_tags, owned_by, policy_differences, subject};
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::RecordKind;
use crate::ids::{KeyPurpose, LogicalId};
use crate::policy::environment::{bucket_policy, BucketPolicyInput};

/// Record kind of a bucket the environment created.
pub const KIND: RecordKind = RecordKind::Bucket;
/// The region whose `CreateBucket` takes no location constraint.
const DEFAULT_REGION: &str = "us-east-1";
/// Rounds of emptying and deleting before giving up on a bucket someone keeps writing to.
const DELETE_ROUNDS: usize = 3;

/// Creates the bucket or adopts it (only if tagged as this child), then applies every setting:
/// tags, public access block, ownership, versioning, encryption, policy. Applying them on every
/// run is what repairs drift.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    kms_key_arn: &str,
    policy: &Value,
) -> Result<Record, ChildError> {
    create_or_adopt(clients, owner, tags, name).await?;
    apply_settings(clients, owner, tags, name, kms_key_arn, policy).await?;
    Ok(Record {
        kind: KIND,
        physical_id: name.to_string(),
        arn: Some(format!("arn:{}:s3:::{name}", clients.partition)),
        attributes: BTreeMap::new(),
        depends_on: Vec::new(),
    })
}

/// Adopts the bucket named `name` if it is this child (else refuses), or creates it.
pub(super) async fn create_or_adopt(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<(), ChildError> {
    let s3 = &clients.s3;
    let refused = |reason: String| ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason,
    };
    match look(clients, name).await {
        Seen::Tags(found) => check_ours(owner, name, &found)?,
        seen @ (Seen::Missing | Seen::Forbidden(_)) => {
            let mut config =
                CreateBucketConfiguration::builder().set_tags(Some(s3_tags(owner, tags)));
            if clients.region != DEFAULT_REGION {
                config = config
                    .location_constraint(BucketLocationConstraint::from(clients.region.as_str()));
            }
            match s3
                .create_bucket()
                .bucket(name)
                .create_bucket_configuration(config.build())
                .send()
                .await
            {
                // In us-east-1 S3 answers `CreateBucket` of a bucket this account already owns
                // with success. A bucket we could not look at (403) but could "create" is such
                // a bucket, so it has to pass the ownership check like any other.
                Ok(_) if matches!(seen, Seen::Forbidden(_)) => {
                    check_ours(owner, name, &known_tags(clients, name).await?)?
                }
                Ok(_) => {}
                Err(e) => {
                    let err = AwsCallError::from_sdk("s3", "CreateBucket", e);
                    match err.code.as_str() {
                        // Created meanwhile by this account (a concurrent run, or someone else).
                        "BucketAlreadyOwnedByYou" => {
                            check_ours(owner, name, &known_tags(clients, name).await?)?
                        }
                        "BucketAlreadyExists" => {
                            return Err(refused(format!(
                                "the bucket name {name} is taken by another AWS account (bucket \
                                 names are global); choose another name with \
                                 `storage.data_bucket_name` / `storage.model_bucket_name`"
                            )))
                        }
                        _ => return Err(err.into()),
                    }
                }
            }
        }
        Seen::Failed(e) => return Err(e.into()),
    }
    Ok(())
}

/// Sets the bucket's whole tag set to the child's tags, every time: an adopted bucket may carry
/// old ones, the spec's tags may have changed since it was made, and not every S3
/// implementation takes tags in `CreateBucket`.
pub(super) async fn put_tags(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<(), ChildError> {
    clients
        .s3
        .put_bucket_tagging()
        .bucket(name)
        .tagging(built(
            "Tagging",
            Tagging::builder()
                .set_tag_set(Some(s3_tags(owner, tags)))
                .build(),
        ))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketTagging", e))?;
    Ok(())
}

/// Applies every setting, every time: tags, public access block, ownership, versioning,
/// encryption, policy.
async fn apply_settings(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    kms_key_arn: &str,
    policy: &Value,
) -> Result<(), ChildError> {
    let s3 = &clients.s3;
    put_tags(clients, owner, tags, name).await?;
    // Before the policy: with public access blocked no later step can make the bucket public.
    block_public_access_and_acls(clients, name).await?;
    enable_versioning(clients, name).await?;
    s3.put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(encryption(kms_key_arn))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketEncryption", e))?;
    s3.put_bucket_policy()
        .bucket(name)
        .policy(policy.to_string())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketPolicy", e))?;
    Ok(())
}

/// Every public access block on, and ACLs off (`BucketOwnerEnforced`): the first settings of
/// every bucket the environment makes, before any policy.
pub(super) async fn block_public_access_and_acls(
    clients: &AwsClients,
    name: &str,
) -> Result<(), AwsCallError> {
    let s3 = &clients.s3;
    s3.put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutPublicAccessBlock", e))?;
    let rule = built(
        "OwnershipControlsRule",
        OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
            .build(),
    );
    s3.put_bucket_ownership_controls()
        .bucket(name)
        .ownership_controls(built(
            "OwnershipControls",
            OwnershipControls::builder().rules(rule).build(),
        ))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketOwnershipControls", e))?;
    Ok(())
}

/// Every setting that differs from the desired one, in words; empty when compliant. A bucket
/// that is gone is drift.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    kms_key_arn: &str,
    policy: &Value,
) -> Result<Vec<String>, ChildError> {
    let name = record.physical_id.as_str();
    let tags = match look(clients, name).await {
        Seen::Tags(tags) => tags,
        Seen::Missing => {
            return Ok(vec![format!(
                "bucket {name}: the bucket is gone; apply creates it again (empty)"
            )])
        }
        Seen::Forbidden(e) | Seen::Failed(e) => return Err(e.into()),
    };
    let subject = subject("bucket", name, &tags);
    let mut out = Vec::new();
    out.extend(public_access_drift(clients, name).await?);
    out.extend(ownership_drift(clients, name).await?);
    out.extend(versioning_drift(clients, name).await?);
    out.extend(encryption_drift(clients, name, kms_key_arn).await?);
    out.extend(policy_drift(clients, name, policy).await?);
    Ok(out
        .into_iter()
        .map(|what| format!("{subject}: {what}"))
        .collect())
}

/// The public access block: every setting on.
pub(super) async fn public_access_drift(
    clients: &AwsClients,
    name: &str,
) -> Result<Vec<String>, ChildError> {
    let s3 = &clients.s3;
    let mut out = Vec::new();
    let mut say = |what: String| out.push(what);
    match s3.get_public_access_block().bucket(name).send().await {
        Ok(o) => {
            let c = o.public_access_block_configuration();
            let settings = [
                ("BlockPublicAcls", c.and_then(|c| c.block_public_acls())),
                ("IgnorePublicAcls", c.and_then(|c| c.ignore_public_acls())),
                ("BlockPublicPolicy", c.and_then(|c| c.block_public_policy())),
                (
                    "RestrictPublicBuckets",
                    c.and_then(|c| c.restrict_public_buckets()),
                ),
            ];
            for (setting, value) in settings {
                if value != Some(true) {
                    say(format!(
                        "public access block {setting} is off; apply turns it on"
                    ));
                }
            }
        }
        Err(e) => {
            let err = AwsCallError::from_sdk("s3", "GetPublicAccessBlock", e);
            if err.code != "NoSuchPublicAccessBlockConfiguration" {
                return Err(err.into());
            }
            say("the public access block is missing; apply restores it".into());
        }
    }
    Ok(out)
}

/// Object ownership: bucket owner enforced (no ACLs).
async fn ownership_drift(clients: &AwsClients, name: &str) -> Result<Vec<String>, ChildError> {
    let s3 = &clients.s3;
    let mut out = Vec::new();
    let mut say = |what: String| out.push(what);
    match s3.get_bucket_ownership_controls().bucket(name).send().await {
        Ok(o) => {
            let enforced = o.ownership_controls().is_some_and(|c| {
                c.rules()
                    .iter()
                    .any(|r| r.object_ownership() == &ObjectOwnership::BucketOwnerEnforced)
            });
            if !enforced {
                say(
                    "object ownership is not BucketOwnerEnforced (ACLs are on); apply restores it"
                        .into(),
                );
            }
        }
        Err(e) => {
            let err = AwsCallError::from_sdk("s3", "GetBucketOwnershipControls", e);
            if err.code != "OwnershipControlsNotFoundError" {
                return Err(err.into());
            }
            say("object ownership controls are missing (ACLs are on); apply restores them".into());
        }
    }
    Ok(out)
}

/// Turns versioning on (idempotent).
pub(super) async fn enable_versioning(
    clients: &AwsClients,
    name: &str,
) -> Result<(), AwsCallError> {
    clients
        .s3
        .put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketVersioning", e))
}

/// Versioning: enabled.
pub(super) async fn versioning_drift(
    clients: &AwsClients,
    name: &str,
) -> Result<Vec<String>, ChildError> {
    let s3 = &clients.s3;
    let mut out = Vec::new();
    let mut say = |what: String| out.push(what);
    let versioning = s3
        .get_bucket_versioning()
        .bucket(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "GetBucketVersioning", e))?;
    if versioning.status() != Some(&BucketVersioningStatus::Enabled) {
        let status = versioning.status().map_or("never enabled", |s| s.as_str());
        say(format!("versioning is {status}; apply enables it"));
    }
    Ok(out)
}

/// Default encryption: SSE-KMS with the data key and bucket keys.
async fn encryption_drift(
    clients: &AwsClients,
    name: &str,
    kms_key_arn: &str,
) -> Result<Vec<String>, ChildError> {
    let s3 = &clients.s3;
    let mut out = Vec::new();
    let mut say = |what: String| out.push(what);
    match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(o) => {
            let rule = o
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first());
            let default = rule.and_then(|r| r.apply_server_side_encryption_by_default());
            match default {
                Some(d) if d.sse_algorithm() == &ServerSideEncryption::AwsKms => {
                    let key = d.kms_master_key_id().unwrap_or_default();
                    if !same_key(key, kms_key_arn) {
                        say(format!(
                            "default encryption uses key {key}, not {kms_key_arn}; apply restores it"
                        ));
                    }
                }
                Some(d) => say(format!(
                    "default encryption is {}, not aws:kms with the environment's key; apply \
                     restores it",
                    d.sse_algorithm().as_str()
                )),
                None => say("default encryption is missing; apply restores it".into()),
            }
            if rule.and_then(|r| r.bucket_key_enabled()) != Some(true) {
                say("S3 bucket keys are off; apply turns them on".into());
            }
        }
        Err(e) => {
            let err = AwsCallError::from_sdk("s3", "GetBucketEncryption", e);
            if err.code != "ServerSideEncryptionConfigurationNotFoundError" {
                return Err(err.into());
            }
            say("default encryption is missing; apply restores it".into());
        }
    }
    Ok(out)
}

/// The bucket policy: equivalent to the desired one.
pub(super) async fn policy_drift(
    clients: &AwsClients,
    name: &str,
    policy: &Value,
) -> Result<Vec<String>, ChildError> {
    let s3 = &clients.s3;
    let mut out = Vec::new();
    let mut say = |what: String| out.push(what);
    match s3.get_bucket_policy().bucket(name).send().await {
        Ok(o) => {
            let text = o.policy().unwrap_or_default();
            let current = serde_json::from_str::<Value>(text)
                .unwrap_or_else(|_| Value::String(text.to_string()));
            for d in policy_differences(policy, &current) {
                say(format!("policy {d}; apply restores it"));
            }
        }
        Err(e) => {
            let err = AwsCallError::from_sdk("s3", "GetBucketPolicy", e);
            if err.code != "NoSuchBucketPolicy" {
                return Err(err.into());
            }
            say("the bucket policy is missing; apply restores it".into());
        }
    }
    Ok(out)
}

/// Deletes the bucket. Not found counts as deleted. With `force_destroy` it first removes the
/// bucket policy and every object version and delete marker; without it, a bucket that is not
/// empty is refused.
pub async fn delete(
    clients: &AwsClients,
    record: &Record,
    force_destroy: bool,
) -> Result<(), ChildError> {
    let name = record.physical_id.as_str();
    let tags = match look(clients, name).await {
        Seen::Tags(tags) => tags,
        Seen::Missing => return Ok(()),
        Seen::Forbidden(e) | Seen::Failed(e) => return Err(e.into()),
    };
    if force_destroy {
        // The policy's endpoint-only deny would stop the engine, which runs outside the VPC, from
        // deleting the objects (some emulators even apply such denies unconditionally). The bucket
        // is going, so its policy goes first.
        if let Err(e) = clients.s3.delete_bucket_policy().bucket(name).send().await {
            let err = AwsCallError::from_sdk("s3", "DeleteBucketPolicy", e);
            if !err.is_not_found() {
                return Err(err.into());
            }
        }
    }
    for round in 1..=DELETE_ROUNDS {
        if force_destroy {
            empty(clients, name, None).await?;
        }
        match clients.s3.delete_bucket().bucket(name).send().await {
            Ok(_) => return Ok(()),
            Err(e) => {
                let err = AwsCallError::from_sdk("s3", "DeleteBucket", e);
                if err.is_not_found() {
                    return Ok(());
                }
                if err.code != "BucketNotEmpty" {
                    return Err(err.into());
                }
                if !force_destroy {
                    return Err(ChildError::Refused {
                        child: tags
                            .get(crate::ids::COMPONENT_TAG)
                            .cloned()
                            .unwrap_or_else(|| record.physical_id.clone()),
                        reason: format!(
                            "bucket {name} is not empty; empty it (every object version), or set \
                             `storage.force_destroy = true` to let destroy delete its contents"
                        ),
                    });
                }
                if round == DELETE_ROUNDS {
                    return Err(err.into());
                }
                // Someone wrote while we emptied: go round again.
            }
        }
    }
    Ok(())
}

/// Deletes every object version and delete marker (under `prefix` when one is given), a page (at
/// most 1000, the batch limit of `DeleteObjects`) at a time.
pub(crate) async fn empty(
    clients: &AwsClients,
    name: &str,
    prefix: Option<&str>,
) -> Result<(), ChildError> {
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    loop {
        let page = clients
            .s3
            .list_object_versions()
            .bucket(name)
            .set_prefix(prefix.map(str::to_string))
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("s3", "ListObjectVersions", e))?;
        let mut objects = Vec::new();
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        for (key, version) in versions.chain(markers) {
            let Some(key) = key else { continue };
            objects.push(built(
                "ObjectIdentifier",
                ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version.map(str::to_string))
                    .build(),
            ));
        }
        if !objects.is_empty() {
            let out = clients
                .s3
                .delete_objects()
                .bucket(name)
                .delete(built(
                    "Delete",
                    Delete::builder()
                        .set_objects(Some(objects))
                        .quiet(true)
                        .build(),
                ))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("s3", "DeleteObjects", e))?;
            if let Some(e) = out.errors().first() {
                return Err(ChildError::DeleteRefused {
                    operation: "DeleteObjects",
                    id: format!(
                        "s3://{name}/{} (version {})",
                        e.key().unwrap_or_default(),
                        e.version_id().unwrap_or("null")
                    ),
                    code: e.code().unwrap_or("Unknown").to_string(),
                    message: e.message().unwrap_or_default().to_string(),
                });
            }
        }
        if page.is_truncated() != Some(true) {
            return Ok(());
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
        if key_marker.is_none() && version_marker.is_none() {
            return Ok(());
        }
    }
}

/// What a look at a bucket name found.
pub(super) enum Seen {
    /// No bucket of that name anywhere.
    Missing,
    /// A bucket this account can read the tags of, with those tags (empty when untagged).
    Tags(BTreeMap<String, String>),
    /// A bucket this principal may not look at: another account's, most likely.
    Forbidden(AwsCallError),
    /// Anything else (throttling, a bucket in another region, ...).
    Failed(AwsCallError),
}

/// Looks at a bucket through its tags. `GetBucketTagging` rather than `HeadBucket`: the bucket
/// policy denies `s3:ListBucket` (which `HeadBucket` needs) outside the VPC endpoint, and the
/// engine runs outside it; bucket configuration stays reachable.
pub(super) async fn look(clients: &AwsClients, name: &str) -> Seen {
    match clients.s3.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => Seen::Tags(
            out.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        ),
        Err(e) => {
            let err = AwsCallError::from_sdk("s3", "GetBucketTagging", e);
            match err.code.as_str() {
                "NoSuchTagSet" => Seen::Tags(BTreeMap::new()),
                "NoSuchBucket" => Seen::Missing,
                "AccessDenied" | "Forbidden" => Seen::Forbidden(err),
                _ => Seen::Failed(err),
            }
        }
    }
}

/// The tags of a bucket that must exist.
async fn known_tags(
    clients: &AwsClients,
    name: &str,
) -> Result<BTreeMap<String, String>, ChildError> {
    match look(clients, name).await {
        Seen::Tags(tags) => Ok(tags),
        Seen::Missing => Ok(BTreeMap::new()),
        Seen::Forbidden(e) | Seen::Failed(e) => Err(e.into()),
    }
}

/// Refuses a bucket of this account that is not tagged as this child.
fn check_ours(
    owner: Owner<'_>,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), ChildError> {
    if owned_by(owner, tags) {
        return Ok(());
    }
    Err(ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason: format!(
            "bucket {name} already exists in this account but is not tagged as this \
             environment's {} (secure-mlops:environment = {}, secure-mlops:component = {}); \
             choose another name with `storage.data_bucket_name` / `storage.model_bucket_name`, \
             or add those tags if the bucket is this environment's from an interrupted run",
            owner.logical_id, owner.env_id, owner.logical_id
        ),
    })
}

pub(super) fn s3_tags(owner: Owner<'_>, extra: &BTreeMap<String, String>) -> Vec<Tag> {
    child_tags(owner, extra)
        .into_iter()
        .map(|(k, v)| built("s3 Tag", Tag::builder().key(k).value(v).build()))
        .collect()
}

fn encryption(kms_key_arn: &str) -> ServerSideEncryptionConfiguration {
    let default = built(
        "ServerSideEncryptionByDefault",
        ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::AwsKms)
            .kms_master_key_id(kms_key_arn)
            .build(),
    );
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .bucket_key_enabled(true)
        .build();
    built(
        "ServerSideEncryptionConfiguration",
        ServerSideEncryptionConfiguration::builder()
            .rules(rule)
            .build(),
    )
}

/// S3 reports the key as it was set; an id and the ARN ending in it name the same key.
fn same_key(reported: &str, desired_arn: &str) -> bool {
    reported == desired_arn
        || (!reported.is_empty() && desired_arn.ends_with(&format!(":key/{reported}")))
}

// --- the contract ----------------------------------------------------------------------------

/// What one of the environment's buckets should be.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketSettings {
    /// Its name.
    pub name: String,
    /// The `data` key it is encrypted with.
    pub kms_key_arn: String,
    /// Its policy.
    pub policy: Value,
}

impl ChildKind for kinds::Bucket {
    type Desired = BucketSettings;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<BucketSettings, ChildError> {
        let name = cx.env.bucket_names.of(self.purpose).to_string();
        let kms_key_arn = inputs.arn(&LogicalId::KmsKey(KeyPurpose::Data))?;
        let policy = bucket_policy(
            &cx.env.facts,
            &BucketPolicyInput {
                bucket_name: name.clone(),
                vpc_endpoint_id: inputs.physical_id(&LogicalId::S3Endpoint)?,
                // Only the engine lists and deletes objects from outside the VPC: it empties
                // the buckets on destroy (it cannot read or write them from there). SageMaker
                // jobs and Studio run in the VPC and come through the endpoint.
                service_role_arns: vec![cx.clients.caller_arn.clone()],
                kms_key_arn: kms_key_arn.clone(),
            },
        );
        Ok(BucketSettings {
            name,
            kms_key_arn,
            policy,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, bucket: &BucketSettings) -> Result<Record, ChildError> {
        let (name, key, policy) = (&bucket.name, &bucket.kms_key_arn, &bucket.policy);
        ensure(cx.clients, cx.owner(), cx.tags(), name, key, policy).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        bucket: &BucketSettings,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, &bucket.kms_key_arn, &bucket.policy).await
    }

    /// A renamed bucket is a new bucket.
    fn is_stale(&self, cx: &Cx<'_>, record: &Record) -> bool {
        record.kind != KIND || record.physical_id != cx.env.bucket_names.of(self.purpose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_id_names_the_same_key_as_its_arn() {
        let arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab";
        assert!(same_key(arn, arn));
        assert!(same_key("1234abcd-12ab", arn));
        assert!(!same_key("", arn));
        assert!(!same_key("other", arn));
        assert!(!same_key(
            "arn:aws:kms:eu-west-1:123456789012:key/other",
            arn
        ));
    }
}
