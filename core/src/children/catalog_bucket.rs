//! The catalog bucket (`studio.team_portfolio`): where the team products' templates are
//! uploaded for Service Catalog, which copies a template when a product or a version of it is
//! created. The data and model buckets cannot serve: they refuse object reads outside the
//! environment's VPC endpoint, and Service Catalog reads from outside it.
//!
//! Named `<name>-<stage>-<region>-<account>-sc` (no longer than the model bucket's name, which
//! validation keeps within 63 characters), created and adopted like the other buckets (by name,
//! only when tagged as this child), with public access blocked, ACLs off, SSE-S3 and a policy
//! that allows no other account and no plain HTTP. Its objects are tagged
//! `servicecatalog:provisioning = true`, the tag the launch role may read templates by. Deleted
//! with its objects: they are copies of templates that can be written again.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use serde_json::Value;

use super::bucket::{self, Seen};
use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, EnvironmentContext, Inputs};
use super::tags::built;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::RecordKind;
use crate::policy::environment::catalog_bucket_policy;

/// Record kind of the catalog bucket.
pub const KIND: RecordKind = RecordKind::CatalogBucket;
/// The tag Service Catalog's launch role may read template objects by.
pub const TEMPLATE_TAG: (&str, &str) = ("servicecatalog:provisioning", "true");

/// The catalog bucket's name.
pub fn name(env: &EnvironmentContext) -> String {
    format!(
        "{}-{}-{}-sc",
        env.env_id, env.facts.region, env.facts.account_id
    )
}

/// What the bucket should be.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredCatalogBucket {
    /// Its name.
    pub name: String,
    /// Its policy.
    pub policy: Value,
    /// Versioning on (the MLOps bucket: CodePipeline's S3 source reads object versions).
    pub versioned: bool,
    /// The record kind: the catalog bucket's or the MLOps bucket's.
    pub record_kind: RecordKind,
}

pub(super) async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    desired: &DesiredCatalogBucket,
) -> Result<Record, ChildError> {
    let name = desired.name.as_str();
    bucket::create_or_adopt(clients, owner, tags, name).await?;
    bucket::put_tags(clients, owner, tags, name).await?;
    let s3 = &clients.s3;
    // Public access blocked before the policy, as for the other buckets.
    bucket::block_public_access_and_acls(clients, name).await?;
    // SSE-S3: Service Catalog and the launch role read the templates, and neither should need
    // the data key for that.
    let default = built(
        "ServerSideEncryptionByDefault",
        ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build(),
    );
    let encryption = built(
        "ServerSideEncryptionConfiguration",
        ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .build(),
            )
            .build(),
    );
    s3.put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketEncryption", e))?;
    if desired.versioned {
        bucket::enable_versioning(clients, name).await?;
    }
    s3.put_bucket_policy()
        .bucket(name)
        .policy(desired.policy.to_string())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutBucketPolicy", e))?;
    Ok(Record {
        kind: desired.record_kind.clone(),
        physical_id: name.to_string(),
        arn: Some(format!("arn:{}:s3:::{name}", clients.partition)),
        attributes: BTreeMap::new(),
        depends_on: Vec::new(),
    })
}

pub(super) async fn drift(
    clients: &AwsClients,
    record: &Record,
    desired: &DesiredCatalogBucket,
) -> Result<Vec<String>, ChildError> {
    let name = record.physical_id.as_str();
    let label = record.kind.as_str();
    match bucket::look(clients, name).await {
        Seen::Tags(_) => {}
        Seen::Missing => {
            return Ok(vec![format!(
                "{label} ({name}): the bucket is gone; apply creates it again"
            )])
        }
        Seen::Forbidden(e) | Seen::Failed(e) => return Err(e.into()),
    }
    let mut out = bucket::public_access_drift(clients, name).await?;
    out.extend(bucket::policy_drift(clients, name, &desired.policy).await?);
    if desired.versioned {
        out.extend(bucket::versioning_drift(clients, name).await?);
    }
    Ok(out
        .into_iter()
        .map(|what| format!("{label} ({name}): {what}"))
        .collect())
}

/// Deletes the bucket and the templates in it.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    bucket::delete(clients, record, true).await
}

/// Uploads a template (idempotent: same key, same bytes) and answers the URL Service Catalog
/// reads it from.
pub async fn put_template(
    clients: &AwsClients,
    bucket: &str,
    key: &str,
    body: &str,
) -> Result<String, AwsCallError> {
    clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.as_bytes().to_vec().into())
        .content_type("application/x-yaml")
        .tagging(format!("{}={}", TEMPLATE_TAG.0, TEMPLATE_TAG.1))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "PutObject", e))?;
    Ok(object_url(clients, bucket, key))
}

/// The virtual-hosted URL of an object, the form Service Catalog's `LoadTemplateFromURL` takes.
pub fn object_url(clients: &AwsClients, bucket: &str, key: &str) -> String {
    let suffix = if clients.partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{bucket}.s3.{}.{suffix}/{key}", clients.region)
}

impl ChildKind for kinds::CatalogBucket {
    type Desired = DesiredCatalogBucket;

    fn desired(&self, cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let name = name(cx.env);
        Ok(DesiredCatalogBucket {
            policy: catalog_bucket_policy(&cx.env.facts, &name),
            name,
            versioned: false,
            record_kind: KIND,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), desired).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}
