//! Bucket policy of the environment's data and model buckets.
//!
//! Two denies, nothing allowed: access itself comes from the IAM policies of the environment's
//! roles. The bucket policy only takes away what those could otherwise do from the wrong place:
//!
//! * [`SID_DENY_INSECURE_TRANSPORT`]: every request without TLS.
//! * [`SID_DENY_OUTSIDE_VPC_ENDPOINT`]: reading and writing objects from anywhere but the
//!   environment's S3 gateway endpoint, for everyone (the engine included), except requests AWS
//!   services make on a caller's behalf.
//! * [`SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT`]: listing and deleting objects from
//!   anywhere but the endpoint, for everyone except the excepted roles (the engine, which empties
//!   the bucket before deleting it) and requests AWS services make on a caller's behalf.
//!
//! Bucket configuration (`s3:PutBucketPolicy`, ...) stays reachable from outside the VPC so the
//! engine, which runs outside it, can still manage the bucket. Emptying a bucket before deletion
//! is object access, though: listing versions and uploads, deleting versions, aborting uploads.
//! That and nothing more is what the excepted roles keep; none of them can read or write an
//! object from outside the VPC.

use serde_json::{json, Value};

use super::{document, EnvironmentFacts};

/// Sid of the statement denying requests without TLS.
pub const SID_DENY_INSECURE_TRANSPORT: &str = "DenyInsecureTransport";
/// Sid of the statement denying uploads encrypted with another key than the environment's `data`
/// key.
pub const SID_DENY_OTHER_KMS_KEY: &str = "DenyUploadsWithOtherKmsKey";
/// Sid of the statement denying uploads that ask for encryption other than SSE-KMS.
pub const SID_DENY_OTHER_ENCRYPTION: &str = "DenyUploadsWithOtherEncryption";
/// Sid of the statement denying SSE-KMS uploads that name no key (S3 would use the AWS managed
/// key, not the data key).
pub const SID_DENY_KMS_WITHOUT_KEY: &str = "DenyKmsUploadsWithoutKey";
/// The condition key of the KMS key an upload names.
const KMS_KEY_HEADER: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";
/// The condition key of the encryption an upload asks for.
const ENCRYPTION_HEADER: &str = "s3:x-amz-server-side-encryption";
/// Sid of the statement denying object reads and writes that bypass the VPC endpoint.
pub const SID_DENY_OUTSIDE_VPC_ENDPOINT: &str = "DenyObjectAccessOutsideVpcEndpoint";
/// Sid of the statement denying listing and deleting objects outside the VPC endpoint, except
/// for the roles that empty the bucket.
pub const SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT: &str =
    "DenyObjectListAndDeleteOutsideVpcEndpoint";

/// Object reads and writes that only the VPC endpoint may carry, for everyone.
///
/// Wildcards on purpose: this is a deny, and a variant it missed (`s3:GetObjectVersion`,
/// `s3:PutObjectTagging`, a future `s3:GetObject...`) would be a way around it. Together they
/// cover every read (`GetObject*`) and write (`PutObject*`, including ACLs, tags, retention and
/// legal hold), plus restores.
pub const VPC_ENDPOINT_ONLY_ACTIONS: &[&str] =
    &["s3:GetObject*", "s3:PutObject*", "s3:RestoreObject"];

/// What emptying a bucket takes: listing objects, versions and multipart uploads, deleting
/// versions, aborting uploads. Only the VPC endpoint and the excepted roles may do these.
/// Wildcards for the same reason as [`VPC_ENDPOINT_ONLY_ACTIONS`].
pub const EMPTYING_ACTIONS: &[&str] = &[
    "s3:DeleteObject*",
    "s3:ListBucket*",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
];

/// What one bucket policy is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketPolicyInput {
    /// The bucket's name.
    pub bucket_name: String,
    /// Id of the environment's S3 gateway endpoint, e.g. `vpce-0123456789abcdef0`.
    pub vpc_endpoint_id: String,
    /// Roles that may list and delete objects without the endpoint ([`EMPTYING_ACTIONS`]): the
    /// engine's own role, which empties the bucket before deleting it. They cannot read or write
    /// objects from outside the VPC. Role ARNs as IAM reports them, path included;
    /// `aws:PrincipalArn` of an assumed-role session is this role ARN.
    pub service_role_arns: Vec<String>,
    /// ARN of the environment's `data` key, the only key uploads may name.
    pub kms_key_arn: String,
}

/// Sid of the catalog bucket's statement denying principals of other accounts.
pub const SID_DENY_OTHER_ACCOUNTS: &str = "DenyOtherAccounts";

/// The policy of the catalog bucket (`studio.team_portfolio`), which holds the team products'
/// templates: TLS only, and nothing for principals of other accounts. It holds no data, only the
/// environment's ids, and Service Catalog reads it with the caller's credentials (the engine's
/// at `CreateProduct`, the launch role's at launch), so it needs neither the endpoint-only
/// denies nor the data key.
pub fn catalog_bucket_policy(facts: &EnvironmentFacts, bucket_name: &str) -> Value {
    let bucket = facts.bucket_arn(bucket_name);
    let resources = json!([bucket, format!("{bucket}/*")]);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": SID_DENY_INSECURE_TRANSPORT,
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resources,
                "Condition": { "Bool": { "aws:SecureTransport": "false" } }
            },
            {
                "Sid": SID_DENY_OTHER_ACCOUNTS,
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resources,
                "Condition": { "StringNotEquals": { "aws:PrincipalAccount": facts.account_id } }
            }
        ]
    })
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

    // The condition operators of one statement are ANDed, so these deny only a request that is
    // all of:
    // * not through the environment's endpoint (`StringNotEquals` is also true when the key is
    //   absent, which it is for every request that does not come through a VPC endpoint);
    // * (list and delete only) not made as one of the excepted roles (`ArnNotLike` with several
    //   values is true only if the principal matches none of them);
    // * not made by an AWS service on the caller's behalf (`aws:ViaAWSService` is always present:
    //   `true` when, say, Athena or CloudFormation forwards the caller's credentials to S3).
    // Dropping any one of them would either let the wrong request through or lock out the ones
    // meant to pass; a test pins them.
    let outside = json!({
        "StringNotEquals": { "aws:SourceVpce": input.vpc_endpoint_id },
        "Bool": { "aws:ViaAWSService": "false" }
    });
    let endpoint_only = json!({
        "Sid": SID_DENY_OUTSIDE_VPC_ENDPOINT,
        "Effect": "Deny",
        "Principal": "*",
        "Action": VPC_ENDPOINT_ONLY_ACTIONS,
        "Resource": resources,
        "Condition": outside.clone()
    });
    // IAM rejects an operator with an empty value list; with no excepted role the deny simply
    // applies to every principal.
    let mut emptying_condition = outside;
    if !input.service_role_arns.is_empty() {
        let mut roles = input.service_role_arns.clone();
        roles.sort();
        roles.dedup();
        emptying_condition["ArnNotLike"] = json!({ "aws:PrincipalArn": roles });
    }
    let emptying = json!({
        "Sid": SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT,
        "Effect": "Deny",
        "Principal": "*",
        "Action": EMPTYING_ACTIONS,
        "Resource": resources,
        "Condition": emptying_condition
    });

    // An upload naming another key (one of the uploader's own account, which it could then read
    // from anywhere) is denied; one naming none gets the bucket's default encryption, the data
    // key. Not `IfExists`, which is true when the key is absent and so refused every upload
    // that names no key: the `Null` check limits the deny to uploads that name one. Keys must
    // be named by ARN, as KMS reports them.
    let data_key_only = json!({
        "Sid": SID_DENY_OTHER_KMS_KEY,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": format!("{bucket}/*"),
        "Condition": {
            "StringNotEquals": { KMS_KEY_HEADER: input.kms_key_arn },
            "Null": { KMS_KEY_HEADER: "false" }
        }
    });
    // An upload asking for another kind of encryption (SSE-S3, or SSE-KMS with no key named,
    // which S3 serves with the account's AWS managed key) does not get the data key: denied.
    let other_encryption = json!({
        "Sid": SID_DENY_OTHER_ENCRYPTION,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": format!("{bucket}/*"),
        "Condition": {
            "StringNotEquals": { ENCRYPTION_HEADER: "aws:kms" },
            "Null": { ENCRYPTION_HEADER: "false" }
        }
    });
    let kms_without_key = json!({
        "Sid": SID_DENY_KMS_WITHOUT_KEY,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": format!("{bucket}/*"),
        "Condition": {
            "StringEquals": { ENCRYPTION_HEADER: "aws:kms" },
            "Null": { KMS_KEY_HEADER: "true" }
        }
    });
    document(vec![
        tls_only,
        endpoint_only,
        emptying,
        data_key_only,
        other_encryption,
        kms_without_key,
    ])
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
            s["Condition"],
            json!({
                "StringNotEquals": { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
                "Null": { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" }
            })
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
                SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT,
                SID_DENY_OTHER_KMS_KEY,
                SID_DENY_OTHER_ENCRYPTION,
                SID_DENY_KMS_WITHOUT_KEY
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
    fn reads_and_writes_outside_the_endpoint_are_denied_to_everyone() {
        let doc = bucket_policy(&facts(), &input());
        let s = statement(&doc, SID_DENY_OUTSIDE_VPC_ENDPOINT);
        assert_eq!(s["Resource"], both_resources());
        // No role is excepted: the engine empties buckets, it never reads or writes objects.
        assert_eq!(
            s["Condition"],
            json!({
                "StringNotEquals": { "aws:SourceVpce": "vpce-0123456789abcdef0" },
                "Bool": { "aws:ViaAWSService": "false" }
            })
        );
        let actions = strings(&s["Action"]);
        for denied in [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:PutObjectAcl",
            "s3:RestoreObject",
        ] {
            assert!(
                actions.iter().any(|a| action_matches(a, denied)),
                "{denied}"
            );
        }
    }

    #[test]
    fn the_excepted_roles_keep_only_what_emptying_a_bucket_needs() {
        let doc = bucket_policy(&facts(), &input());
        let s = statement(&doc, SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT);
        let actions = strings(&s["Action"]);
        for emptying in [
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:ListBucketMultipartUploads",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:AbortMultipartUpload",
        ] {
            assert!(
                actions.iter().any(|a| action_matches(a, emptying)),
                "{emptying}"
            );
        }
        for object_data in ["s3:GetObject", "s3:PutObject", "s3:GetObjectVersion"] {
            assert!(
                !actions.iter().any(|a| action_matches(a, object_data)),
                "{object_data} would be open to the excepted roles"
            );
        }
    }

    #[test]
    fn list_and_delete_outside_the_endpoint_is_denied_under_all_three_conditions() {
        let doc = bucket_policy(&facts(), &input());
        let s = statement(&doc, SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT);
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
        for s in statements(&doc) {
            if s.to_string().contains("aws:ViaAWSService") {
                assert!(s.to_string().contains("aws:SourceVpce"), "{}", s["Sid"]);
            }
        }
    }

    #[test]
    fn endpoint_deny_covers_read_write_delete_and_list() {
        let doc = bucket_policy(&facts(), &input());
        let mut actions = strings(&statement(&doc, SID_DENY_OUTSIDE_VPC_ENDPOINT)["Action"]);
        actions.extend(strings(
            &statement(&doc, SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT)["Action"],
        ));
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
        let c = &statement(&doc, SID_DENY_LIST_AND_DELETE_OUTSIDE_VPC_ENDPOINT)["Condition"];
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
