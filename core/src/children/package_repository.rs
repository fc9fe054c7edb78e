//! The package repository (`studio.packages`): a CodeArtifact domain and one repository in it
//! whose external connection reads through to the public registry, so `pip install` works in a
//! VPC with no route to the internet.
//!
//! Both are found by name (a domain's name is unique in the account and region, a repository's
//! in its domain) and adopted only when their tags say they are this child; the tags go into the
//! create calls themselves. The domain's encryption key cannot change: a domain under another key
//! is refused with what to do, never deleted by the engine. Its policy (refusing other accounts)
//! and the repository's external connection are repaired when they drift.
//!
//! Deleting goes repository first (the graph's reverse order): AWS refuses to delete a domain
//! that still holds one.

use std::collections::BTreeMap;

use aws_sdk_codeartifact::types::{DomainDescription, RepositoryDescription, Tag};
use serde_json::Value;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::tags::{built, child_tags, iam_document, owned_by, policy_differences};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{KeyPurpose, LogicalId, RecordKind};
use crate::policy::environment::packages::domain_policy;

/// Record attribute of the domain: the ARN of the key it is encrypted with.
pub const ENCRYPTION_KEY_ATTRIBUTE: &str = "encryption_key";
/// Record attribute of the domain: the AWS-owned bucket CodeArtifact keeps its assets in (what an
/// S3 endpoint policy would name for formats other than Python's).
pub const ASSET_BUCKET_ATTRIBUTE: &str = "asset_bucket_arn";
/// Record attribute of the repository: the index URL `pip` and `uv` take (without a token).
pub const INDEX_URL_ATTRIBUTE: &str = "index_url";
/// Record attribute of the repository: its external connection (`public:pypi`).
pub const EXTERNAL_CONNECTION_ATTRIBUTE: &str = "external_connection";

const SERVICE: &str = "codeartifact";

/// What the domain should be: encrypted with the `data` key, with the policy refusing other
/// accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainDesired {
    /// The ARN of the `data` key.
    pub key_arn: String,
    /// The domain's permissions policy.
    pub policy: Value,
}

// --- the domain --------------------------------------------------------------------------

/// Adopts the domain `name` (only if tagged as this child and under `desired.key_arn`) or
/// creates it, then makes its policy `desired.policy`.
pub async fn ensure_domain(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    desired: &DomainDesired,
) -> Result<Record, ChildError> {
    let found = match describe_domain(clients, name).await? {
        Some(found) => found,
        None => {
            let created = clients
                .codeartifact
                .create_domain()
                .domain(name)
                .encryption_key(&desired.key_arn)
                .set_tags(Some(new_tags(owner, tags)))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk(SERVICE, "CreateDomain", e));
            match created {
                Ok(out) => out.domain().cloned().ok_or(ChildError::IncompleteAnswer {
                    operation: "CreateDomain",
                    missing: "domain",
                })?,
                // Made meanwhile: adopt it only if it is ours (checked below).
                Err(err) if err.code == "ConflictException" => describe_domain(clients, name)
                    .await?
                    .ok_or_else(|| ChildError::from(err))?,
                Err(err) => return Err(err.into()),
            }
        }
    };
    let arn = required(found.arn(), "DescribeDomain", "arn")?;
    let refused = |reason: String| ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason,
    };
    if !owned_by(owner, &codeartifact_tags(clients, &arn).await?) {
        return Err(refused(format!(
            "a CodeArtifact domain named {name} already exists and is not tagged as this \
             environment's {} (made outside the engine); delete it or set \
             studio.packages.enabled = false, then apply again",
            owner.logical_id
        )));
    }
    if let Some(difference) = key_difference(&found, &desired.key_arn) {
        return Err(refused(format!(
            "CodeArtifact domain {name} {difference}; AWS cannot change a domain's key: delete \
             the domain (and its repositories), then apply again"
        )));
    }
    if !policy_differences(&desired.policy, &domain_policy_of(clients, name).await?).is_empty() {
        clients
            .codeartifact
            .put_domain_permissions_policy()
            .domain(name)
            .policy_document(desired.policy.to_string())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk(SERVICE, "PutDomainPermissionsPolicy", e))?;
    }
    Ok(domain_record(name, &arn, &found))
}

/// What differs from `desired`: the domain gone, under another key, or with another policy.
pub async fn domain_drift(
    clients: &AwsClients,
    record: &Record,
    desired: &DomainDesired,
) -> Result<Vec<String>, ChildError> {
    let name = record.physical_id.as_str();
    let label = format!("{} ({name})", LogicalId::PackageDomain);
    let Some(found) = describe_domain(clients, name).await? else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply creates it again"
        )]);
    };
    let mut out: Vec<String> = key_difference(&found, &desired.key_arn)
        .into_iter()
        .map(|d| format!("{label}: {d}; delete the domain to move it to the data key"))
        .collect();
    for d in policy_differences(&desired.policy, &domain_policy_of(clients, name).await?) {
        out.push(format!("{label}: domain policy {d}; apply restores it"));
    }
    Ok(out)
}

/// Deletes the domain. Not-found counts as deleted.
pub async fn delete_domain(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    clients
        .codeartifact
        .delete_domain()
        .domain(&record.physical_id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "DeleteDomain", e))
        .or_gone()?;
    Ok(())
}

async fn describe_domain(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<DomainDescription>, AwsCallError> {
    Ok(clients
        .codeartifact
        .describe_domain()
        .domain(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "DescribeDomain", e))
        .or_gone()?
        .and_then(|out| out.domain().cloned()))
}

/// The domain's policy, or an empty document when it has none.
async fn domain_policy_of(clients: &AwsClients, name: &str) -> Result<Value, AwsCallError> {
    let found = clients
        .codeartifact
        .get_domain_permissions_policy()
        .domain(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "GetDomainPermissionsPolicy", e))
        .or_gone()?;
    Ok(found
        .and_then(|out| out.policy().and_then(|p| p.document()).map(iam_document))
        .unwrap_or_else(|| serde_json::json!({ "Statement": [] })))
}

/// How the domain's key differs from `key_arn`, in words.
fn key_difference(found: &DomainDescription, key_arn: &str) -> Option<String> {
    let have = found.encryption_key().unwrap_or("none");
    (have != key_arn).then(|| format!("is encrypted with {have}, not the data key {key_arn}"))
}

fn domain_record(name: &str, arn: &str, found: &DomainDescription) -> Record {
    let mut attributes = BTreeMap::new();
    if let Some(key) = found.encryption_key() {
        attributes.insert(ENCRYPTION_KEY_ATTRIBUTE.to_string(), key.to_string());
    }
    if let Some(bucket) = found.s3_bucket_arn() {
        attributes.insert(ASSET_BUCKET_ATTRIBUTE.to_string(), bucket.to_string());
    }
    Record {
        kind: RecordKind::PackageDomain,
        physical_id: name.to_string(),
        arn: Some(arn.to_string()),
        attributes,
        depends_on: Vec::new(),
    }
}

// --- the repository ----------------------------------------------------------------------

/// Adopts the repository (only if tagged as this child) or creates it, then gives it exactly
/// its upstream's external connection and records its index URL.
pub async fn ensure_repository(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    repo: &kinds::PackageRepository,
) -> Result<Record, ChildError> {
    let found = match describe_repository(clients, &repo.domain, &repo.name).await? {
        Some(found) => found,
        None => {
            let created = clients
                .codeartifact
                .create_repository()
                .domain(&repo.domain)
                .repository(&repo.name)
                .description(format!(
                    "Python packages for the secure environment {}, read through from {}",
                    owner.env_id,
                    repo.upstream.external_connection()
                ))
                .set_tags(Some(new_tags(owner, tags)))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk(SERVICE, "CreateRepository", e));
            match created {
                Ok(out) => out
                    .repository()
                    .cloned()
                    .ok_or(ChildError::IncompleteAnswer {
                        operation: "CreateRepository",
                        missing: "repository",
                    })?,
                Err(err) if err.code == "ConflictException" => {
                    describe_repository(clients, &repo.domain, &repo.name)
                        .await?
                        .ok_or_else(|| ChildError::from(err))?
                }
                Err(err) => return Err(err.into()),
            }
        }
    };
    let arn = required(found.arn(), "DescribeRepository", "arn")?;
    if !owned_by(owner, &codeartifact_tags(clients, &arn).await?) {
        return Err(ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!(
                "a repository {} already exists in CodeArtifact domain {} and is not tagged as \
                 this environment's {}; delete it, then apply again",
                repo.name, repo.domain, owner.logical_id
            ),
        });
    }
    let wanted = repo.upstream.external_connection();
    let connections = external_connections(&found);
    // A repository has at most one external connection: another one goes first.
    for other in connections.iter().filter(|c| *c != wanted) {
        clients
            .codeartifact
            .disassociate_external_connection()
            .domain(&repo.domain)
            .repository(&repo.name)
            .external_connection(other)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk(SERVICE, "DisassociateExternalConnection", e))?;
    }
    if !connections.iter().any(|c| c == wanted) {
        clients
            .codeartifact
            .associate_external_connection()
            .domain(&repo.domain)
            .repository(&repo.name)
            .external_connection(wanted)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk(SERVICE, "AssociateExternalConnection", e))?;
    }
    let endpoint = clients
        .codeartifact
        .get_repository_endpoint()
        .domain(&repo.domain)
        .repository(&repo.name)
        .format(repo.upstream.format().into())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "GetRepositoryEndpoint", e))?;
    let endpoint = required(
        endpoint.repository_endpoint(),
        "GetRepositoryEndpoint",
        "repositoryEndpoint",
    )?;
    Ok(Record {
        kind: RecordKind::PackageRepository,
        physical_id: repository_id(repo),
        arn: Some(arn),
        attributes: BTreeMap::from([
            (INDEX_URL_ATTRIBUTE.to_string(), index_url(&endpoint)),
            (
                EXTERNAL_CONNECTION_ATTRIBUTE.to_string(),
                wanted.to_string(),
            ),
        ]),
        depends_on: Vec::new(),
    })
}

/// What differs: the repository gone, or reading from another registry than its upstream.
pub async fn repository_drift(
    clients: &AwsClients,
    record: &Record,
    repo: &kinds::PackageRepository,
) -> Result<Vec<String>, ChildError> {
    let label = format!("{} ({})", LogicalId::PackageRepository, record.physical_id);
    let Some(found) = describe_repository(clients, &repo.domain, &repo.name).await? else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply creates it again"
        )]);
    };
    let wanted = repo.upstream.external_connection();
    let connections = external_connections(&found);
    Ok(if connections == [wanted] {
        Vec::new()
    } else {
        vec![format!(
            "{label}: external connection is {}, not {wanted}; apply restores it",
            if connections.is_empty() {
                "none".to_string()
            } else {
                connections.join(", ")
            }
        )]
    })
}

/// Deletes the repository (`<domain>/<repository>`). Not-found counts as deleted.
pub async fn delete_repository(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let Some((domain, name)) = record.physical_id.split_once('/') else {
        return Err(ChildError::Refused {
            child: record.physical_id.clone(),
            reason: "a package repository's record is not <domain>/<repository>".into(),
        });
    };
    clients
        .codeartifact
        .delete_repository()
        .domain(domain)
        .repository(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "DeleteRepository", e))
        .or_gone()?;
    Ok(())
}

async fn describe_repository(
    clients: &AwsClients,
    domain: &str,
    name: &str,
) -> Result<Option<RepositoryDescription>, AwsCallError> {
    Ok(clients
        .codeartifact
        .describe_repository()
        .domain(domain)
        .repository(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "DescribeRepository", e))
        .or_gone()?
        .and_then(|out| out.repository().cloned()))
}

fn external_connections(found: &RepositoryDescription) -> Vec<String> {
    found
        .external_connections()
        .iter()
        .filter_map(|c| c.external_connection_name().map(str::to_string))
        .collect()
}

/// The repository's physical id: `<domain>/<repository>`.
fn repository_id(repo: &kinds::PackageRepository) -> String {
    format!("{}/{}", repo.domain, repo.name)
}

/// The index URL `pip` takes: the repository endpoint's `simple/` page.
pub fn index_url(endpoint: &str) -> String {
    format!("{}/simple/", endpoint.trim_end_matches('/'))
}

// --- shared ------------------------------------------------------------------------------

fn new_tags(owner: Owner<'_>, extra: &BTreeMap<String, String>) -> Vec<Tag> {
    child_tags(owner, extra)
        .into_iter()
        .map(|(k, v)| built("codeartifact Tag", Tag::builder().key(k).value(v).build()))
        .collect()
}

async fn codeartifact_tags(
    clients: &AwsClients,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsCallError> {
    let out = clients
        .codeartifact
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk(SERVICE, "ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

fn required(
    value: Option<&str>,
    operation: &'static str,
    missing: &'static str,
) -> Result<String, ChildError> {
    value
        .map(str::to_string)
        .ok_or(ChildError::IncompleteAnswer { operation, missing })
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::PackageDomain {
    type Desired = DomainDesired;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<DomainDesired, ChildError> {
        Ok(DomainDesired {
            key_arn: inputs.arn(&LogicalId::KmsKey(KeyPurpose::Data))?,
            policy: domain_policy(&cx.env.facts, &self.name),
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &DomainDesired) -> Result<Record, ChildError> {
        ensure_domain(cx.clients, cx.owner(), cx.tags(), &self.name, desired).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &DomainDesired,
    ) -> Result<Vec<String>, ChildError> {
        domain_drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != self.name
    }
}

impl ChildKind for kinds::PackageRepository {
    type Desired = ();

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<(), ChildError> {
        Ok(())
    }

    async fn ensure(&self, cx: &Cx<'_>, _desired: &()) -> Result<Record, ChildError> {
        ensure_repository(cx.clients, cx.owner(), cx.tags(), self).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        _desired: &(),
    ) -> Result<Vec<String>, ChildError> {
        repository_drift(cx.clients, record, self).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != repository_id(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_url_is_the_simple_page() {
        let endpoint =
            "https://team-a-dev-123456789012.d.codeartifact.eu-west-1.amazonaws.com/pypi/pypi/";
        assert_eq!(
            index_url(endpoint),
            "https://team-a-dev-123456789012.d.codeartifact.eu-west-1.amazonaws.com/pypi/pypi/simple/"
        );
        assert_eq!(index_url("https://x/pypi/r"), "https://x/pypi/r/simple/");
    }

    #[test]
    fn a_domain_under_another_key_is_named() {
        let found = DomainDescription::builder()
            .encryption_key("arn:aws:kms:eu-west-1:1:key/other")
            .build();
        assert!(key_difference(&found, "arn:aws:kms:eu-west-1:1:key/data")
            .unwrap()
            .contains("key/other"));
        let same = DomainDescription::builder()
            .encryption_key("arn:aws:kms:eu-west-1:1:key/data")
            .build();
        assert_eq!(
            key_difference(&same, "arn:aws:kms:eu-west-1:1:key/data"),
            None
        );
    }
}
