//! Bucket policy of the environment's data and model buckets.
//!
//! Two denies, nothing allowed: access itself comes from the IAM policies of the environment's
//! roles. The bucket policy only takes away what those could otherwise do from the wrong place:
//!
//! * [`SID_DENY_INSECURE_TRANSPORT`]: every request without TLS.
//! * [`SID_DENY_OUTSIDE_VPC_ENDPOINT`]: reading, writing, deleting and listing objects from
//!   anywhere but the environment's S3 gateway endpoint, for everyone except the roles that have
//!   to be reached by AWS services and requests AWS services make on a caller's behalf.
//!
//! Bucket configuration (`s3:PutBucketPolicy`, ...) stays reachable from outside the VPC so the
//! engine, which runs outside it, can still manage the bucket. Emptying a bucket before deletion
//! is object access, though: the engine's role must be among the excepted roles for that.

use serde_json::{json, Value};

use super::{document, EnvironmentFacts};

/// Sid of the statement denying requests without TLS.
pub const SID_DENY_INSECURE_TRANSPORT: &str = "DenyInsecureTransport";
/// Sid of the statement denying uploads encrypted with another key than the environment's `data`
/// key.
pub const SID_DENY_OTHER_KMS_KEY: &str = "DenyUploadsWithOtherKmsKey";
/// Sid of the statement denying object access that bypasses the VPC endpoint.
pub const SID_DENY_OUTSIDE_VPC_ENDPOINT: &str = "DenyObjectAccessOutsideVpcEndpoint";

/// Object actions that only the VPC endpoint may carry.
///
/// Wildcards on purpose: this is a deny, and a variant it missed (`s3:GetObjectVersion`,
/// `s3:PutObjectTagging`, a future `s3:GetObject...`) would be a way around it. Together they
/// cover every read (`GetObject*`), write (`PutObject*`, including ACLs, tags, retention and
/// legal hold), delete (`DeleteObject*`) and listing (`ListBucket`, `ListBucketVersions`,
/// `ListBucketMultipartUploads`) action, plus the multipart and restore actions the four
/// prefixes do not match.
pub const VPC_ENDPOINT_ONLY_ACTIONS: &[&str] = &[
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:ListBucket*",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
    "s3:RestoreObject",
];

/// What one bucket policy is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketPolicyInput {
    /// The bucket's name.
    pub bucket_name: String,
    /// Id of the environment's S3 gateway endpoint, e.g. `vpce-0123456789abcdef0`.
    pub vpc_endpoint_id: String,
    /// Roles that may reach the objects without the endpoint, because an AWS service acts as
    /// them from outside the VPC (a Glue or EMR service role, the engine's own role when it
    /// empties the bucket, ...). Role ARNs as IAM reports them, path included; `aws:PrincipalArn`
    /// of an assumed-role session is this role ARN.
    pub service_role_arns: Vec<String>,
    /// ARN of the environment's `data` key, the only key uploads may name.
    pub kms_key_arn: String,
}

/// The bucket policy of a data or model bucket.
pub fn bucket_policy(facts: &EnvironmentFacts, input: &BucketPolicyInput) -> Value {
    let bucket = facts.bucket_arn(&input.bucket_name);
    let resources = json!([bucket, format!("{bucket}/*")]);

    // `aws:SecureTransport` is in every request's context, so the deny cannot be dodged by leaving
    // it out. Written as the string "false", the form IAM hands back, so the document read back
    // after apply compares equal without normalisation.
    let tls_only = json!({
        "Sid": SID_DENY_INSECURE_TRANSPORT,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": resources,
        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    });

    // The condition operators of one statement are ANDed, so this denies only a request that is
    // all of:
    // * not through the environment's endpoint (`StringNotEquals` is also true when the key is
    //   absent, which it is for every request that does not come through a VPC endpoint);
    // * not made as one of the excepted roles (`ArnNotLike` with several values is true only if
    //   the principal matches none of them);
    // * not made by an AWS service on the caller's behalf (`aws:ViaAWSService` is always present:
    //   `true` when, say, Athena or CloudFormation forwards the caller's credentials to S3).
    // Dropping any one of them would either let the wrong request through or lock out the ones
    // meant to pass; a test pins all three.
    let mut condition = json!({
        "StringNotEquals": { "aws:SourceVpce": input.vpc_endpoint_id },
        "Bool": { "aws:ViaAWSService": "false" }
    });
    // IAM rejects an operator with an empty value list; with no excepted role the deny simply
    // applies to every principal.
    if !input.service_role_arns.is_empty() {
        let mut roles = input.service_role_arns.clone();
        roles.sort();
        roles.dedup();
        condition["ArnNotLike"] = json!({ "aws:PrincipalArn": roles });
    }
    let endpoint_only = json!({
        "Sid": SID_DENY_OUTSIDE_VPC_ENDPOINT,
        "Effect": "Deny",
        "Principal": "*",
        "Action": VPC_ENDPOINT_ONLY_ACTIONS,
        "Resource": resources,
        "Condition": condition
    });

    // An upload naming another key (one of the uploader's own account, which it could then read
    // from anywhere) is denied; one naming none gets the bucket's default encryption, the data
    // key, so `IfExists`. Keys must be named by ARN, as KMS reports them.
    let data_key_only = json!({
        "Sid": SID_DENY_OTHER_KMS_KEY,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": format!("{bucket}/*"),
        "Condition": {
            "StringNotEqualsIfExists": {
                "s3:x-amz-server-side-encryption-aws-kms-key-id": input.kms_key_arn
            }
        }
    });
    document(vec![tls_only, endpoint_only, data_key_only])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::*;

    fn input() -> BucketPolicyInput {
        BucketPolicyInput {
            bucket_name: "team-a-dev-data".into(),
            vpc_endpoint_id: "vpce-0123456789abcdef0".into(),
            service_role_arns: vec![
                "arn:aws:iam::123456789012:role/service-role/glue".into(),
                "arn:aws:iam::123456789012:role/engine".into(),
            ],
            kms_key_arn: KEY.into(),
        }
    }

    const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/1111";

    #[test]
    fn uploads_may_only_name_the_data_key() {
        let doc = bucket_policy(&facts(), &input());
        let s = statement(&doc, SID_DENY_OTHER_KMS_KEY);
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(s["Action"], "s3:PutObject");
        assert_eq!(s["Resource"], "arn:aws:s3:::team-a-dev-data/*");
        assert_eq!(
            s["Condition"]["StringNotEqualsIfExists"]
                ["s3:x-amz-server-side-encryption-aws-kms-key-id"],
            KEY
        );
    }

    fn both_resources() -> Value {
        json!([
            "arn:aws:s3:::team-a-dev-data",
            "arn:aws:s3:::team-a-dev-data/*"
        ])
    }

    #[test]
    fn document_is_well_formed_and_only_denies() {
        let doc = bucket_policy(&facts(), &input());
        assert_well_formed(&doc);
        assert_eq!(
            sids(&doc),
            [
                SID_DENY_INSECURE_TRANSPORT,
                SID_DENY_OUTSIDE_VPC_ENDPOINT,
                SID_DENY_OTHER_KMS_KEY
            ]
        );
        for s in statements(&doc) {
            assert_eq!(s["Effect"], "Deny");
            assert_eq!(s["Principal"], "*");
        }
    }

    #[test]
    fn insecure_transport_is_denied_on_bucket_and_objects() {
        let doc = bucket_policy(&facts(), &input());
        let s = statement(&doc, SID_DENY_INSECURE_TRANSPORT);
        assert_eq!(s["Action"], "s3:*");
        assert_eq!(s["Resource"], both_resources());
        assert_eq!(
            s["Condition"],
            json!({ "Bool": { "aws:SecureTransport": "false" } })
        );
    }

    #[test]
    fn object_access_outside_the_endpoint_is_denied_under_all_three_conditions() {
        let doc = bucket_policy(&facts(), &input());
        let s = statement(&doc, SID_DENY_OUTSIDE_VPC_ENDPOINT);
        assert_eq!(s["Resource"], both_resources());
        assert_eq!(
            s["Condition"],
            json!({
                "StringNotEquals": { "aws:SourceVpce": "vpce-0123456789abcdef0" },
                "ArnNotLike": { "aws:PrincipalArn": [
                    "arn:aws:iam::123456789012:role/engine",
                    "arn:aws:iam::123456789012:role/service-role/glue"
                ] },
                "Bool": { "aws:ViaAWSService": "false" }
            })
        );
        // The conditions must be in ONE statement to be ANDed; split over statements, each
        // would deny on its own (e.g. every request not made via an AWS service).
        let with_vpce = statements(&doc)
            .iter()
            .filter(|s| s.to_string().contains("aws:SourceVpce"))
            .count();
        assert_eq!(with_vpce, 1);
    }

    #[test]
    fn endpoint_deny_covers_read_write_delete_and_list() {
        let doc = bucket_policy(&facts(), &input());
        let actions = strings(&statement(&doc, SID_DENY_OUTSIDE_VPC_ENDPOINT)["Action"]);
        for needed in [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:PutObjectAcl",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:ListMultipartUploadParts",
        ] {
            assert!(
                actions.iter().any(|a| action_matches(a, needed)),
                "{needed} is not denied outside the endpoint"
            );
        }
        // Bucket configuration must stay manageable from outside the VPC.
        for kept in [
            "s3:PutBucketPolicy",
            "s3:GetBucketPolicy",
            "s3:DeleteBucket",
        ] {
            assert!(!actions.iter().any(|a| action_matches(a, kept)), "{kept}");
        }
    }

    #[test]
    fn no_excepted_roles_leaves_out_the_principal_condition() {
        let mut i = input();
        i.service_role_arns.clear();
        let doc = bucket_policy(&facts(), &i);
        let c = &statement(&doc, SID_DENY_OUTSIDE_VPC_ENDPOINT)["Condition"];
        assert!(c.get("ArnNotLike").is_none());
        assert_eq!(
            c["StringNotEquals"]["aws:SourceVpce"],
            "vpce-0123456789abcdef0"
        );
        assert_eq!(c["Bool"]["aws:ViaAWSService"], "false");
    }

    #[test]
    fn partition_is_taken_from_the_facts() {
        let mut f = facts();
        f.partition = "aws-cn".into();
        let doc = bucket_policy(&f, &input());
        assert_eq!(
            statement(&doc, SID_DENY_INSECURE_TRANSPORT)["Resource"][0],
            "arn:aws-cn:s3:::team-a-dev-data"
        );
    }
}
