//! Policies of the environment's VPC endpoints: the S3 gateway endpoint
//! ([`s3_endpoint_policy`]) and the interface endpoints ([`interface_endpoint_policy`]).
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
//!
//! # Interface endpoints
//!
//! Without a policy an interface endpoint carries any request, so from Studio a user could
//! `git push` to a repository of their own account, `PutLogEvents` or `PutParameter` into it
//! with credentials brought in a notebook. [`interface_endpoint_policy`] caps every endpoint to
//! principals of the environment's account (`aws:PrincipalAccount`), and where the service's
//! resources are the customer's, to resources of that account too (`aws:ResourceAccount`):
//!
//! | service | principals | resources | why |
//! | --- | --- | --- | --- |
//! | `codebuild`, `codepipeline` | this account | this account | builds and pipelines of SageMaker Projects are the account's |
//! | `codecommit`, `git-codecommit` | this account | this account | a push to another account's repository is exfiltration |
//! | `codeartifact.api`, `codeartifact.repositories` | this account | this account | publishing a package to another account's repository is exfiltration; the environment's repository is its own |
//! | `kms` | this account | this account | the environment's keys; another account's key would let data leave encrypted for someone else |
//! | `logs` | this account | this account | `PutLogEvents` into another account's group is exfiltration |
//! | `sagemaker.runtime`, `sagemaker.featurestore-runtime` | this account | this account | invoking another account's endpoint or writing its feature group carries data out |
//! | `ssm` | this account | this account | `PutParameter` into another account; AWS's public parameters (`/aws/service/...`) are not reachable |
//! | `ecr.api`, `ecr.dkr` | this account | any | SageMaker's framework and Deep Learning Container images live in AWS-owned accounts; pulls cannot carry data out |
//! | `sagemaker.api` | this account | any | JumpStart's public hub and SageMaker's images are AWS-owned; the roles' IAM policies keep writes on the environment's tagged resources |
//! | `servicecatalog` | this account | any | SageMaker's project templates are products AWS shares with the account |
//! | `monitoring` | this account | any | `PutMetricData` takes no resource; metrics always land in the caller's account |
//! | `sts` | this account | any | `GetCallerIdentity` takes no resource; credentials of another account's role are refused by every other endpoint (principal of this account only) and by the S3 gateway endpoint's bucket list |
//! | `studio`, `notebook` | no policy | no policy | these carry the browser's Studio session, authenticated by the presigned URL rather than a signed API request; sign-in is controlled by `sagemaker:CreatePresignedDomainUrl` in IAM |
//! | any other service named in the spec | this account | any | its resources are not known here |
//!
//! The policy allows `*` within these conditions: an endpoint policy grants nothing, it is a
//! ceiling on what the caller's own IAM policies allow.

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

/// Sid of an interface endpoint statement allowing this account's principals on this account's
/// resources.
pub const SID_OWN_ACCOUNT_ONLY: &str = "AllowThisAccountsPrincipalsOnThisAccountsResources";
/// Sid of an interface endpoint statement allowing this account's principals on any resource.
pub const SID_OWN_PRINCIPALS: &str = "AllowThisAccountsPrincipals";

/// What an interface endpoint's policy limits (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterfaceEndpointScope {
    /// Principals and resources of the environment's account.
    OwnAccount,
    /// Principals of the environment's account; resources of any account (AWS-owned ones).
    OwnPrincipals,
    /// No policy (AWS's default): the Studio and notebook UI endpoints.
    NoPolicy,
}

/// Services whose resources are the customer's: their endpoints also require
/// `aws:ResourceAccount`.
pub const OWN_RESOURCE_SERVICES: &[&str] = &[
    "codeartifact.api",
    "codeartifact.repositories",
    "codebuild",
    "codecommit",
    "codepipeline",
    "git-codecommit",
    "kms",
    "logs",
    "sagemaker.featurestore-runtime",
    "sagemaker.runtime",
    "ssm",
];

/// Endpoints left without a policy: they carry Studio's browser session, not signed API calls.
pub const NO_POLICY_SERVICES: &[&str] = &["notebook", "studio"];

/// What the policy of the interface endpoint of `service` (`ssm`, `ecr.dkr`, ...) limits.
pub fn interface_endpoint_scope(service: &str) -> InterfaceEndpointScope {
    if NO_POLICY_SERVICES.contains(&service) {
        InterfaceEndpointScope::NoPolicy
    } else if OWN_RESOURCE_SERVICES.contains(&service) {
        InterfaceEndpointScope::OwnAccount
    } else {
        InterfaceEndpointScope::OwnPrincipals
    }
}

/// The policy of the environment's interface endpoint of `service`, or `None` for the endpoints
/// left with AWS's default (see the module's table).
pub fn interface_endpoint_policy(facts: &EnvironmentFacts, service: &str) -> Option<Value> {
    let account = &facts.account_id;
    let (sid, condition) = match interface_endpoint_scope(service) {
        InterfaceEndpointScope::NoPolicy => return None,
        InterfaceEndpointScope::OwnAccount => (
            SID_OWN_ACCOUNT_ONLY,
            json!({ "StringEquals": {
                "aws:PrincipalAccount": account,
                "aws:ResourceAccount": account
            } }),
        ),
        InterfaceEndpointScope::OwnPrincipals => (
            SID_OWN_PRINCIPALS,
            json!({ "StringEquals": { "aws:PrincipalAccount": account } }),
        ),
    };
    // `aws:PrincipalAccount` is absent from an unsigned request, so `StringEquals` also refuses
    // those (nothing inside the VPC needs one).
    Some(document(vec![json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": condition
    })]))
}

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
/// model, ...). The MLOps bucket (`sagemaker_mlops_project_templates`) is always among them:
/// the projects' CodeBuild runs in the environment's subnets and reaches its artifacts through
/// this endpoint, and the bucket's name is the environment's to take whether it exists yet or not.
pub fn s3_endpoint_policy(facts: &EnvironmentFacts, bucket_names: &[String]) -> Value {
    let p = &facts.partition;
    let region = &facts.region;

    let mut names = bucket_names.to_vec();
    names.push(super::mlops::mlops_bucket_name(facts));
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
                "arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops/*",
                "arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops",
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
            "arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops",
            "arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops/*",
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
    fn interface_endpoints_carry_only_this_accounts_principals() {
        for service in crate::spec::DEFAULT_INTERFACE_ENDPOINTS {
            let Some(doc) = interface_endpoint_policy(&facts(), service) else {
                assert!(
                    NO_POLICY_SERVICES.contains(service),
                    "{service} has no policy"
                );
                continue;
            };
            // Not `assert_well_formed`: that refuses `"Action": "*"` in an Allow, right for an
            // identity policy; here the `*` is the ceiling the conditions narrow.
            assert_eq!(doc["Version"], "2012-10-17");
            let [s] = &statements(&doc)[..] else {
                panic!("{service}: one statement")
            };
            assert_eq!(s["Effect"], "Allow");
            assert_eq!(
                s["Condition"]["StringEquals"]["aws:PrincipalAccount"], "123456789012",
                "{service}"
            );
            // Only `StringEquals`: no `IfExists`, no other operator that could loosen it.
            assert_eq!(
                s["Condition"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .collect::<Vec<_>>(),
                ["StringEquals"],
                "{service}"
            );
        }
    }

    #[test]
    fn endpoints_of_the_customers_services_reach_only_this_accounts_resources() {
        // The exfiltration paths of the finding: git push, PutLogEvents, PutParameter into
        // another account, and the other services whose resources are the account's.
        for service in [
            "codecommit",
            "git-codecommit",
            "logs",
            "ssm",
            "kms",
            "codebuild",
            "codepipeline",
            "sagemaker.runtime",
            "sagemaker.featurestore-runtime",
        ] {
            assert_eq!(
                interface_endpoint_scope(service),
                InterfaceEndpointScope::OwnAccount
            );
            let doc = interface_endpoint_policy(&facts(), service).unwrap();
            let s = statement(&doc, SID_OWN_ACCOUNT_ONLY);
            assert_eq!(
                s["Condition"],
                json!({ "StringEquals": {
                    "aws:PrincipalAccount": "123456789012",
                    "aws:ResourceAccount": "123456789012"
                } }),
                "{service}"
            );
        }
    }

    #[test]
    fn endpoints_reading_aws_owned_resources_do_not_require_the_resource_account() {
        // Deep Learning Container images live in AWS's accounts; JumpStart's hub is AWS's.
        for service in ["ecr.api", "ecr.dkr", "sagemaker.api", "sts", "monitoring"] {
            let doc = interface_endpoint_policy(&facts(), service).unwrap();
            let s = statement(&doc, SID_OWN_PRINCIPALS);
            assert_eq!(
                s["Condition"],
                json!({ "StringEquals": { "aws:PrincipalAccount": "123456789012" } }),
                "{service}"
            );
        }
        // A service the engine does not know: principals only.
        assert_eq!(
            interface_endpoint_scope("bedrock-runtime"),
            InterfaceEndpointScope::OwnPrincipals
        );
    }

    #[test]
    fn the_studio_ui_endpoints_keep_the_default() {
        for service in ["studio", "notebook"] {
            assert!(interface_endpoint_policy(&facts(), service).is_none());
        }
    }

    #[test]
    fn with_no_buckets_of_its_own_only_the_mlops_bucket_is_the_environments() {
        let doc = s3_endpoint_policy(&facts(), &[]);
        assert_well_formed(&doc);
        assert_eq!(
            statement(&doc, SID_ENVIRONMENT_BUCKETS)["Resource"],
            json!([
                "arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops/*",
                "arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops"
            ])
        );
    }
}
