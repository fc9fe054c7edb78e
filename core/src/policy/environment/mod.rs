//! Policy documents of a team environment: bucket, S3 gateway endpoint, KMS key and guardrail
//! policies, plus the semantic comparison drift detection uses on them.
//!
//! Every builder is a pure function of plain inputs and returns a `serde_json::Value`, so the
//! security properties can be tested on the document itself, without AWS. Every statement carries
//! a stable `Sid` (see the `SID_*` constants of each module) so tests and drift reports can name
//! it.
//!
//! * [`bucket`]: data and model bucket policies (TLS only, reachable only through the VPC endpoint).
//! * [`endpoint`]: the S3 gateway endpoint policy (the environment's buckets and the AWS buckets
//!   SageMaker needs, nothing else).
//! * [`kms`]: key policies of the `data`, `ebs` and `studio` keys.
//! * [`guardrails`]: the deny policy attached to persona and execution roles.
//! * [`packages`]: the package repository's read permissions and its domain's policy.
//! * [`compare`]: [`normalize_policy`] and [`policies_equivalent`].

pub mod boundary;
pub mod bucket;
pub mod compare;
pub mod endpoint;
pub mod flow_logs;
pub mod guardrails;
pub mod kms;
pub mod mlops;
pub mod packages;
pub mod roles;

pub use boundary::boundary_policy;
pub use bucket::{bucket_policy, catalog_bucket_policy, BucketPolicyInput};
pub use compare::{normalize_policy, policies_equivalent};
pub use endpoint::{interface_endpoint_policy, s3_endpoint_policy};
pub use guardrails::{guardrail_policy, GuardrailScope};
pub use kms::key_policy;

use serde_json::{json, Value};

/// The policy language version every document is written in.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Where an environment lives and what it is called; the ARNs in its documents derive from this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentFacts {
    /// AWS partition, e.g. `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The 12-digit account the environment lives in.
    pub account_id: String,
    /// The region the environment lives in, e.g. `eu-west-1`.
    pub region: String,
    /// The environment (team) name.
    pub name: String,
    /// The stage, e.g. `dev` or `prod`.
    pub stage: String,
    /// Who the people's roles trust (`iam.trusted_principal_arns`); empty: the account.
    pub trusted_principal_arns: Vec<String>,
}

impl EnvironmentFacts {
    /// The account principal, `arn:<partition>:iam::<account>:root`.
    ///
    /// In a key policy it stands for the account (and so for IAM policies in it), not for the
    /// root user alone.
    pub fn account_root_arn(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition, self.account_id)
    }

    /// The ARN of an S3 bucket (buckets have neither region nor account in their ARN).
    pub fn bucket_arn(&self, bucket: &str) -> String {
        format!("arn:{}:s3:::{bucket}", self.partition)
    }

    /// The name prefix every log group of the environment has, e.g. `/secure-mlops/team-a/dev/`.
    ///
    /// The `data` key only encrypts log groups under this prefix, so whatever creates the
    /// environment's log groups (VPC flow logs, ...) must name them with it.
    pub fn log_group_name_prefix(&self) -> String {
        format!("/secure-mlops/{}/{}/", self.name, self.stage)
    }

    /// An `ArnLike` pattern matching the ARN of every log group under
    /// [`log_group_name_prefix`](Self::log_group_name_prefix).
    pub fn log_group_arn_pattern(&self) -> String {
        format!(
            "arn:{}:logs:{}:{}:log-group:{}*",
            self.partition,
            self.region,
            self.account_id,
            self.log_group_name_prefix()
        )
    }
}

/// A policy document holding `statements`.
pub(crate) fn document(statements: Vec<Value>) -> Value {
    json!({ "Version": POLICY_VERSION, "Statement": statements })
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers the tests of every module use to look into documents.

    use super::EnvironmentFacts;
    use serde_json::Value;

    pub(crate) use crate::policy::glob::{action_matches, glob_matches};

    pub(crate) fn facts() -> EnvironmentFacts {
        EnvironmentFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "team-a".into(),
            stage: "dev".into(),
            trusted_principal_arns: Vec::new(),
        }
    }

    pub(crate) fn statements(doc: &Value) -> &Vec<Value> {
        doc["Statement"].as_array().expect("Statement is a list")
    }

    pub(crate) fn sids(doc: &Value) -> Vec<&str> {
        statements(doc)
            .iter()
            .map(|s| s["Sid"].as_str().expect("every statement has a Sid"))
            .collect()
    }

    pub(crate) fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
        statements(doc)
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid} in {doc:#}"))
    }

    /// A string-or-list element as a list of strings.
    pub(crate) fn strings(v: &Value) -> Vec<&str> {
        match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().expect("list of strings"))
                .collect(),
            other => panic!("not a string or list of strings: {other}"),
        }
    }

    /// Checks what every document must satisfy: version, unique non-empty Sids, and no `Allow`
    /// of a whole service or everything.
    pub(crate) fn assert_well_formed(doc: &Value) {
        assert_eq!(doc["Version"], super::POLICY_VERSION);
        let sids = sids(doc);
        assert!(!sids.is_empty(), "a policy needs at least one statement");
        let mut unique = sids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), sids.len(), "duplicate Sid in {sids:?}");
        for s in statements(doc) {
            let effect = s["Effect"].as_str().expect("Effect");
            assert!(effect == "Allow" || effect == "Deny", "{effect}");
            assert!(
                s.get("NotAction").is_none(),
                "NotAction is easy to get wrong"
            );
            if effect == "Allow" {
                for a in strings(&s["Action"]) {
                    assert!(a != "*" && !a.ends_with(":*"), "{} allows {a}", s["Sid"]);
                }
            }
        }
    }

    #[test]
    fn facts_derive_arns() {
        let f = facts();
        assert_eq!(f.account_root_arn(), "arn:aws:iam::123456789012:root");
        assert_eq!(f.bucket_arn("b"), "arn:aws:s3:::b");
        assert_eq!(
            f.log_group_arn_pattern(),
            "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-a/dev/*"
        );
    }
}
