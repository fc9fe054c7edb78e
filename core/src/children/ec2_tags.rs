//! Tagging and look-up helpers shared by the EC2 child modules.
//!
//! Every EC2 child the engine creates carries [`ENVIRONMENT_TAG`] = the environment id and
//! [`COMPONENT_TAG`] = its logical id, set in the create call itself (`TagSpecifications`), so
//! there is never an untagged moment: a run that dies right after a create finds and adopts the
//! child on the next run by those two tags.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::aws::AwsCallError;
use crate::ids::{COMPONENT_TAG, ENVIRONMENT_TAG};
use crate::wait::{poll_until, Deadline, Poll, WaitError};

/// Longest client token EC2 accepts.
pub const MAX_CLIENT_TOKEN_LEN: usize = 64;

/// How long a delete keeps retrying while AWS still sees dependencies (network interfaces of
/// deleted endpoints linger for a while on AWS). The executor's own deadline cuts it shorter.
pub const DEPENDENCY_RETRY_BUDGET: Duration = Duration::from_secs(15 * 60);

/// Who a child belongs to: its environment and its logical id.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The environment id (`<name>-<stage>`).
    pub env_id: &'a str,
    /// The child's logical id (`vpc`, `subnet-private-0`).
    pub logical_id: &'a str,
}

impl Owner<'_> {
    /// The `Name` tag: `<env id>-<logical id>`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.env_id, self.logical_id)
    }

    /// The filters that find this child (`tag:<key>` = value). Callers check the tags again with
    /// [`Owner::owns`], because not every emulator honours tag filters.
    pub fn filters(&self) -> Vec<Filter> {
        vec![
            Filter::builder()
                .name(format!("tag:{ENVIRONMENT_TAG}"))
                .values(self.env_id)
                .build(),
            Filter::builder()
                .name(format!("tag:{COMPONENT_TAG}"))
                .values(self.logical_id)
                .build(),
        ]
    }

    /// True when `tags` mark a resource as this child.
    pub fn owns(&self, tags: &[Tag]) -> bool {
        let has = |key: &str, value: &str| {
            tags.iter()
                .any(|t| t.key() == Some(key) && t.value() == Some(value))
        };
        has(ENVIRONMENT_TAG, self.env_id) && has(COMPONENT_TAG, self.logical_id)
    }

    /// The tags a new child gets: `extra` (the spec's and the provider's default tags), then
    /// `Name` and the two ownership tags, which `extra` cannot override.
    pub fn tags(&self, extra: &BTreeMap<String, String>) -> Vec<Tag> {
        let mut all: BTreeMap<String, String> = extra.clone();
        all.entry("Name".to_string()).or_insert_with(|| self.name());
        all.insert(ENVIRONMENT_TAG.to_string(), self.env_id.to_string());
        all.insert(COMPONENT_TAG.to_string(), self.logical_id.to_string());
        all.into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    }

    /// The `TagSpecifications` entry for a create call.
    pub fn tag_specification(
        &self,
        resource_type: ResourceType,
        extra: &BTreeMap<String, String>,
    ) -> TagSpecification {
        TagSpecification::builder()
            .resource_type(resource_type)
            .set_tags(Some(self.tags(extra)))
            .build()
    }

    /// A deterministic client token for this child in `scope` (e.g. the VPC id, so that a new
    /// VPC never gets back an endpoint of an old one), at most [`MAX_CLIENT_TOKEN_LEN`] long.
    pub fn client_token(&self, scope: &str) -> String {
        let full = format!("{}-{}-{scope}", self.env_id, self.logical_id);
        if full.len() <= MAX_CLIENT_TOKEN_LEN && full.is_ascii() {
            return full;
        }
        let hash = format!("{:016x}", fnv1a(full.as_bytes()));
        let keep: String = full
            .chars()
            .filter(char::is_ascii)
            .take(MAX_CLIENT_TOKEN_LEN - hash.len() - 1)
            .collect();
        format!("{keep}-{hash}")
    }
}

/// FNV-1a, 64 bits: a stable, dependency-free hash for shortening tokens.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A filter on one attribute.
pub fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// A filter matching any of `values`.
pub fn filter_values<'a>(name: &str, values: impl IntoIterator<Item = &'a String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().cloned().collect()))
        .build()
}

/// Runs a delete until it succeeds, counting not-found as success and retrying while AWS answers
/// `DependencyViolation` (dependents still going away).
pub async fn delete_retrying<F, Fut>(what: &str, mut call: F) -> Result<(), WaitError<AwsCallError>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AwsCallError>>,
{
    poll_until(what, Deadline::after(DEPENDENCY_RETRY_BUDGET), || {
        let attempt = call();
        async move {
            match attempt.await {
                Ok(()) => Ok(Poll::Ready(())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e) if e.code == "DependencyViolation" => Ok(Poll::Pending(e.to_string())),
                Err(e) => Err(e),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_deterministic_and_short_enough() {
        let owner = Owner {
            env_id: "a-very-long-team-nam-prod",
            logical_id: "endpoint-sagemaker-featurestore-runtime",
        };
        let token = owner.client_token("vpc-0123456789abcdef0");
        assert!(token.len() <= MAX_CLIENT_TOKEN_LEN, "{token}");
        assert_eq!(token, owner.client_token("vpc-0123456789abcdef0"));
        assert_ne!(token, owner.client_token("vpc-0123456789abcdef1"));
        let short = Owner {
            env_id: "team-a-dev",
            logical_id: "endpoint-sts",
        };
        assert_eq!(short.client_token("vpc-1"), "team-a-dev-endpoint-sts-vpc-1");
    }

    #[test]
    fn ownership_tags_cannot_be_overridden() {
        let owner = Owner {
            env_id: "team-a-dev",
            logical_id: "vpc",
        };
        let extra: BTreeMap<String, String> = [
            ("team".to_string(), "a".to_string()),
            (COMPONENT_TAG.to_string(), "other".to_string()),
        ]
        .into();
        let tags = owner.tags(&extra);
        assert!(owner.owns(&tags));
        assert!(tags
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some("team-a-dev-vpc")));
        assert!(tags.iter().any(|t| t.key() == Some("team")));
    }
}
