//! Policy of the environment's S3 gateway endpoint.
//!
//! An endpoint policy grants nothing by itself; it caps what any request through the endpoint may
//! do, whoever makes it. Everything in the VPC reaches S3 through this endpoint (there is no other
//! way out), so the cap is the environment's data perimeter towards S3: writes may only land in
//! buckets the environment owns, and reads are allowed from those plus the AWS buckets SageMaker
//! needs.
//!
//! * [`SID_ENVIRONMENT_BUCKETS`]: read, write and list on the environment's buckets.
//! * [`SID_SAGEMAKER_DEFAULT_BUCKET`]: the same on the SageMaker SDK's default bucket,
//!   `sagemaker-<region>-<account>`, but only while it is in the environment's account: bucket
//!   names are global and a bucket of that name in another account would otherwise be an
//!   exfiltration target.
//! * [`SID_READ_SAGEMAKER_BUCKETS`]: read and list on the AWS-owned buckets Studio and the
//!   SageMaker SDK read, named exactly (see [`aws_owned_read_buckets`]).
//! * [`SID_READ_ECR_IMAGE_LAYERS`]: image layer downloads, which ECR serves from S3.
//!
//! No name pattern (`*sagemaker*`, `sagemaker-*`) is allowed: anyone can create a bucket with
//! such a name, and `*` also spans `/`, so a pattern reaches objects of any bucket. Buckets of
//! the environment's account are reached only through their exact names.

use serde_json::{json, Value};

use super::{document, EnvironmentFacts};

/// Sid of the statement allowing the environment's own buckets.
pub const SID_ENVIRONMENT_BUCKETS: &str = "AllowEnvironmentBuckets";
/// Sid of the statement allowing the SageMaker SDK's default bucket in the environment's account.
pub const SID_SAGEMAKER_DEFAULT_BUCKET: &str = "AllowSageMakerDefaultBucketInAccount";
/// Sid of the statement allowing reads from SageMaker's and JumpStart's buckets.
pub const SID_READ_SAGEMAKER_BUCKETS: &str = "AllowReadSageMakerBuckets";
/// Sid of the statement allowing ECR image layer downloads.
pub const SID_READ_ECR_IMAGE_LAYERS: &str = "AllowReadEcrImageLayers";

/// What SageMaker jobs, Studio apps and the SageMaker SDK do on a bucket they read and write:
/// objects, listing (and the SDK's region lookup), and multipart uploads of large artifacts.
pub const READ_WRITE_ACTIONS: &[&str] = &[
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
];

/// What is needed to read from a bucket: objects, listing, the region lookup.
pub const READ_ACTIONS: &[&str] = &["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"];

/// The AWS-owned buckets Studio and the SageMaker SDK read from inside the VPC, read-only:
///
/// | bucket | what for |
/// | --- | --- |
/// | `jumpstart-cache-prod-<region>` | JumpStart models, scripts and notebooks |
/// | `sagemaker-sample-files` | the SDK's and Studio's sample data sets and notebooks |
/// | `prod-<region>-starport-layer-bucket` | ECR image layers ([`SID_READ_ECR_IMAGE_LAYERS`], `GetObject` only) |
///
/// Anything else a team needs from outside (a conda mirror, a partner's data set) is a decision
/// for the platform team: copied into the environment's buckets, not read across the perimeter.
pub fn aws_owned_read_buckets(region: &str) -> Vec<String> {
    vec![
        format!("jumpstart-cache-prod-{region}"),
        "sagemaker-sample-files".to_string(),
    ]
}

/// The S3 gateway endpoint policy for an environment whose buckets are `bucket_names` (data,
/// model, ...).
pub fn s3_endpoint_policy(facts: &EnvironmentFacts, bucket_names: &[String]) -> Value {
    let p = &facts.partition;
    let region = &facts.region;

    let mut names = bucket_names.to_vec();
    names.sort();
    names.dedup();
    let own: Vec<String> = names
        .iter()
        .flat_map(|b| {
            let arn = facts.bucket_arn(b);
            [format!("{arn}/*"), arn]
        })
        .collect();

    let mut statements = Vec::new();
    // IAM rejects a statement without resources; with no buckets given there is nothing to allow.
    if !own.is_empty() {
        statements.push(json!({
            "Sid": SID_ENVIRONMENT_BUCKETS,
            "Effect": "Allow",
            "Principal": "*",
            "Action": READ_WRITE_ACTIONS,
            "Resource": own
        }));
    }

    let default_bucket = facts.bucket_arn(&format!("sagemaker-{region}-{}", facts.account_id));
    statements.push(json!({
        "Sid": SID_SAGEMAKER_DEFAULT_BUCKET,
        "Effect": "Allow",
        "Principal": "*",
        "Action": READ_WRITE_ACTIONS,
        "Resource": [default_bucket, format!("{default_bucket}/*")],
        "Condition": { "StringEquals": { "aws:ResourceAccount": facts.account_id } }
    }));

    let aws_owned: Vec<String> = aws_owned_read_buckets(region)
        .iter()
        .flat_map(|b| {
            let arn = facts.bucket_arn(b);
            [format!("{arn}/*"), arn]
        })
        .collect();
    statements.push(json!({
        "Sid": SID_READ_SAGEMAKER_BUCKETS,
        "Effect": "Allow",
        "Principal": "*",
        "Action": READ_ACTIONS,
        "Resource": aws_owned
    }));
    // ECR's documented requirement for pulling images through an S3 gateway endpoint: only
    // `GetObject`, only on the regional layer bucket's objects.
    statements.push(json!({
        "Sid": SID_READ_ECR_IMAGE_LAYERS,
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": format!("arn:{p}:s3:::prod-{region}-starport-layer-bucket/*")
    }));

    document(statements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::*;

    fn buckets() -> Vec<String> {
        vec!["team-a-dev-model".into(), "team-a-dev-data".into()]
    }

    #[test]
    fn document_is_well_formed_and_only_allows() {
        let doc = s3_endpoint_policy(&facts(), &buckets());
        assert_well_formed(&doc);
        assert_eq!(
            sids(&doc),
            [
                SID_ENVIRONMENT_BUCKETS,
                SID_SAGEMAKER_DEFAULT_BUCKET,
                SID_READ_SAGEMAKER_BUCKETS,
                SID_READ_ECR_IMAGE_LAYERS
            ]
        );
        for s in statements(&doc) {
            assert_eq!(s["Effect"], "Allow");
            assert_eq!(s["Principal"], "*");
            for r in strings(&s["Resource"]) {
                assert!(r.starts_with("arn:aws:s3:::") && r.len() > 14, "{r}");
            }
        }
    }

    #[test]
    fn environment_buckets_and_their_objects_are_allowed() {
        let doc = s3_endpoint_policy(&facts(), &buckets());
        let s = statement(&doc, SID_ENVIRONMENT_BUCKETS);
        assert_eq!(
            s["Resource"],
            json!([
                "arn:aws:s3:::team-a-dev-data/*",
                "arn:aws:s3:::team-a-dev-data",
                "arn:aws:s3:::team-a-dev-model/*",
                "arn:aws:s3:::team-a-dev-model"
            ])
        );
        let actions = strings(&s["Action"]);
        for a in ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] {
            assert!(actions.contains(&a), "{a}");
        }
    }

    #[test]
    fn writes_only_reach_the_environments_buckets_or_its_own_default_bucket() {
        let doc = s3_endpoint_policy(&facts(), &buckets());
        let own = [
            "arn:aws:s3:::team-a-dev-data",
            "arn:aws:s3:::team-a-dev-data/*",
            "arn:aws:s3:::team-a-dev-model",
            "arn:aws:s3:::team-a-dev-model/*",
        ];
        for s in statements(&doc) {
            let writes = strings(&s["Action"])
                .iter()
                .any(|a| action_matches(a, "s3:PutObject") || action_matches(a, "s3:DeleteObject"));
            if !writes {
                continue;
            }
            for r in strings(&s["Resource"]) {
                if own.contains(&r) {
                    continue;
                }
                assert!(
                    glob_matches("arn:aws:s3:::sagemaker-eu-west-1-123456789012*", r),
                    "{} lets data be written to {r}",
                    s["Sid"]
                );
                assert_eq!(
                    s["Condition"],
                    json!({ "StringEquals": { "aws:ResourceAccount": "123456789012" } }),
                    "the default bucket name must be pinned to the account"
                );
            }
        }
    }

    #[test]
    fn sagemaker_and_aws_owned_buckets_are_read_only() {
        let doc = s3_endpoint_policy(&facts(), &buckets());
        let s = statement(&doc, SID_READ_SAGEMAKER_BUCKETS);
        let resources = strings(&s["Resource"]);
        assert_eq!(
            resources,
            [
                "arn:aws:s3:::jumpstart-cache-prod-eu-west-1/*",
                "arn:aws:s3:::jumpstart-cache-prod-eu-west-1",
                "arn:aws:s3:::sagemaker-sample-files/*",
                "arn:aws:s3:::sagemaker-sample-files"
            ]
        );
        assert_eq!(s["Action"], json!(READ_ACTIONS));
        let ecr = statement(&doc, SID_READ_ECR_IMAGE_LAYERS);
        assert_eq!(ecr["Action"], "s3:GetObject");
        assert_eq!(
            ecr["Resource"],
            "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"
        );
    }

    #[test]
    fn an_arbitrary_foreign_bucket_is_not_reachable() {
        let doc = s3_endpoint_policy(&facts(), &buckets());
        for s in statements(&doc) {
            for r in strings(&s["Resource"]) {
                assert!(!glob_matches(r, "arn:aws:s3:::attacker-bucket"), "{r}");
                assert!(!glob_matches(r, "arn:aws:s3:::attacker-bucket/loot"), "{r}");
            }
        }
    }

    #[test]
    fn no_bucket_name_pattern_is_allowed() {
        let doc = s3_endpoint_policy(&facts(), &buckets());
        for s in statements(&doc) {
            for r in strings(&s["Resource"]) {
                let name = r.trim_start_matches("arn:aws:s3:::");
                let bucket = name.split('/').next().unwrap_or_default();
                assert!(!bucket.contains('*'), "{} allows {r}", s["Sid"]);
                assert!(!glob_matches(r, "arn:aws:s3:::foreign/sagemaker/x"), "{r}");
                assert!(!glob_matches(r, "arn:aws:s3:::sagemaker-attacker"), "{r}");
            }
        }
    }

    #[test]
    fn no_buckets_leaves_out_the_environment_statement() {
        let doc = s3_endpoint_policy(&facts(), &[]);
        assert_well_formed(&doc);
        assert!(!sids(&doc).contains(&SID_ENVIRONMENT_BUCKETS));
    }
}
