//! Key policies of the environment's KMS keys: `data` (buckets, logs), `ebs` (volumes of jobs and
//! notebooks) and `studio` (the domain's home file system).
//!
//! * [`SID_KEY_ADMINISTRATION`]: the account manages the key but cannot use it.
//! * [`SID_KEY_USE`]: the environment's roles that need it ([`key_users`]) encrypt and decrypt
//!   with it, only through the services that store the data (`kms:ViaService`).
//! * [`SID_GRANTS_FOR_AWS_RESOURCES`]: the environment's roles let AWS services (SageMaker, EBS,
//!   EFS, S3) use the key for them, through grants those services create.
//! * [`SID_CLOUDWATCH_LOGS`] (`data` key only): CloudWatch Logs encrypts the environment's log
//!   groups (VPC flow logs) with it.
//!
//! **No `kms:*` for the account.** AWS's default key policy gives the account principal `kms:*`,
//! which hands the key to any IAM policy in the account. Here the account gets administration
//! only, so use is limited to the roles this policy names. That cannot lock the key out: the
//! account keeps `kms:PutKeyPolicy`, which is what KMS's lockout safety check
//! requires, so an IAM administrator can always rewrite the policy.
//!
//! **`kms:CreateAlias` instead of `kms:Create*`** (and every administration action named, no
//! wildcard). `kms:Create*` includes `kms:CreateGrant`, and a
//! grant can give its grantee `kms:Decrypt`: any principal whose IAM policy allowed
//! `kms:CreateGrant` could hand itself use of the key without the key policy changing. No
//! administration action is a usage or grant-creating one (a test checks).
//!
//! A consequence: whoever creates resources encrypted with these keys (the engine creating the
//! domain with the `studio` key, ...) needs its role among the key's users.

use serde_json::{json, Value};

use super::{document, EnvironmentFacts};
use crate::ids::{KeyPurpose, Persona};

/// Sid of the statement giving the account key administration.
pub const SID_KEY_ADMINISTRATION: &str = "AllowKeyAdministrationByAccount";
/// Sid of the statement letting the environment's roles use the key.
pub const SID_KEY_USE: &str = "AllowKeyUseByEnvironmentRoles";
/// Sid of the statement letting the environment's roles create grants for AWS services.
pub const SID_GRANTS_FOR_AWS_RESOURCES: &str = "AllowGrantsForAwsResourcesByEnvironmentRoles";
/// Sid of the statement letting CloudWatch Logs use the `data` key for the environment's log
/// groups.
pub const SID_CLOUDWATCH_LOGS: &str = "AllowCloudWatchLogsForEnvironmentLogGroups";
/// Sid of the statement letting the MLOps build role (`sagemaker_mlops_project_templates`)
/// use the `data` key through S3 for the projects' pipeline artifacts.
pub const SID_MLOPS_BUILD: &str = "AllowMlopsBuildRoleThroughS3";
/// Sid: the MLOps deploy role may have SageMaker use the key for the endpoints it deploys.
pub const SID_MLOPS_DEPLOY: &str = "AllowMlopsDeployRoleGrantsForEndpoints";
/// Sid: the MLOps deploy role may read the key's metadata.
pub const SID_MLOPS_DEPLOY_DESCRIBE: &str = "AllowMlopsDeployRoleToDescribeKey";

/// Key administration: lifecycle, policy, aliases, tags, rotation. No cryptographic operation,
/// no grant creation.
///
/// Named one by one rather than as `kms:Delete*`, `kms:List*`, ...: the wildcards also matched
/// account-level calls (`kms:ListKeys`, `kms:ListAliases`, custom key stores) that a key policy
/// can never grant, and actions for key kinds the environment does not make (imported key
/// material, asymmetric public keys, multi-Region primaries). The alias actions stay: KMS checks
/// `kms:CreateAlias`/`UpdateAlias`/`DeleteAlias` on the key (in its key policy) as well as on the
/// alias.
pub const ADMINISTRATION_ACTIONS: &[&str] = &[
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

/// Using the key for envelope encryption, as S3, EBS, EFS and SageMaker do.
pub const USAGE_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];

/// The services through which the environment's roles use its keys: S3 (objects), SageMaker
/// (jobs, models, Studio), EC2 (EBS volumes of jobs and apps) and EFS (Studio's home directories).
pub const VIA_SERVICES: &[&str] = &["ec2", "elasticfilesystem", "s3", "sagemaker"];

/// The services through which only the `data` key is used, besides [`VIA_SERVICES`]: CodeArtifact
/// encrypts the package repository's domain with it (the engine's grant when it creates the
/// domain, the roles' reads of packages).
pub const DATA_KEY_VIA_SERVICES: &[&str] = &["codeartifact"];

/// The services through which the roles use a key of `purpose`, sorted.
pub fn via_services(purpose: KeyPurpose) -> Vec<&'static str> {
    let mut services = VIA_SERVICES.to_vec();
    if purpose == KeyPurpose::Data {
        services.extend(DATA_KEY_VIA_SERVICES);
    }
    services.sort_unstable();
    services
}

/// The personas whose roles use a key of `purpose`: every one for the data key (the launch role's
/// stacks read and write the buckets); the people and the execution role, whose Studio apps and
/// jobs run on the volumes and home directories, for the others.
pub fn key_users(purpose: KeyPurpose) -> &'static [Persona] {
    match purpose {
        KeyPurpose::Data => &Persona::ALL,
        // The launch role creates the team's notebook instances, whose volumes use the ebs key.
        KeyPurpose::Ebs => &[
            Persona::DataScientist,
            Persona::TeamAdmin,
            Persona::Execution,
            Persona::ScLaunch,
        ],
        KeyPurpose::Studio => &[
            Persona::DataScientist,
            Persona::TeamAdmin,
            Persona::Execution,
        ],
    }
}

/// What CloudWatch Logs does with the `data` key for an encrypted log group. `kms:DescribeKey` is
/// left out: it carries no encryption context, so under the statement's
/// `kms:EncryptionContext:aws:logs:arn` condition it could never be allowed anyway.
pub const CLOUDWATCH_LOGS_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];

/// Managing the grants AWS services create to use the key for a resource.
pub const GRANT_ACTIONS: &[&str] = &["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/// The key policy of `key`, usable by `user_role_arns` (the environment's persona and execution
/// roles, and whatever creates resources encrypted with it).
///
/// With no roles the key is administered but unusable (IAM rejects a principal list that is
/// empty, so the usage statements are left out rather than written empty).
pub fn key_policy(facts: &EnvironmentFacts, key: KeyPurpose, user_role_arns: &[String]) -> Value {
    let mut roles = user_role_arns.to_vec();
    roles.sort();
    roles.dedup();

    // In a key policy `Resource: "*"` means this key and nothing else.
    let mut statements = vec![json!({
        "Sid": SID_KEY_ADMINISTRATION,
        "Effect": "Allow",
        "Principal": { "AWS": facts.account_root_arn() },
        "Action": ADMINISTRATION_ACTIONS,
        "Resource": "*"
    })];

    if !roles.is_empty() {
        // Only through the AWS services that store the environment's data (kms:ViaService): a
        // role's credentials used outside them cannot decrypt or encrypt with the key directly.
        let via: Vec<String> = via_services(key)
            .iter()
            .map(|s| format!("{s}.{}.amazonaws.com", facts.region))
            .collect();
        statements.push(json!({
            "Sid": SID_KEY_USE,
            "Effect": "Allow",
            "Principal": { "AWS": roles },
            "Action": USAGE_ACTIONS,
            "Resource": "*",
            "Condition": { "StringEquals": { "kms:ViaService": via } }
        }));
        // Grants let a service keep using the key after the call that created the resource
        // (EBS re-attaching a volume, EFS mounting the home directory). Only services may ask
        // for them, so a role cannot hand key use to an arbitrary principal through a grant.
        statements.push(json!({
            "Sid": SID_GRANTS_FOR_AWS_RESOURCES,
            "Effect": "Allow",
            "Principal": { "AWS": roles },
            "Action": GRANT_ACTIONS,
            "Resource": "*",
            "Condition": { "Bool": { "kms:GrantIsForAWSResource": "true" } }
        }));
    }

    if key == KeyPurpose::Data {
        // The MLOps build role is made by another resource, later, or never: a key policy may
        // not name a principal that does not exist, so the account is the principal and the
        // role's exact ARN the condition (the role's own policy must allow it too). Only
        // through S3: CodePipeline and CodeBuild encrypt the artifacts they store there.
        let build_role = super::roles::environment_role_arn(
            &facts.partition,
            &facts.account_id,
            &super::mlops::mlops_role_name(
                &format!("{}-{}", facts.name, facts.stage),
                crate::ids::MlopsRoleKind::Build,
            ),
        );
        statements.push(json!({
            "Sid": SID_MLOPS_BUILD,
            "Effect": "Allow",
            "Principal": { "AWS": facts.account_root_arn() },
            "Action": USAGE_ACTIONS,
            "Resource": "*",
            "Condition": {
                "ArnEquals": { "aws:PrincipalArn": build_role },
                "StringEquals": { "kms:ViaService": format!("s3.{}.amazonaws.com", facts.region) }
            }
        }));
    }

    if !roles.is_empty() && matches!(key, KeyPurpose::Data | KeyPurpose::Ebs) {
        // The model-deploy pipeline's endpoints, deployed by CloudFormation as the MLOps deploy
        // role: SageMaker encrypts their volumes with the ebs key and their captured data with
        // the data key, through grants it asks for as that role. Nothing else: the role never
        // reads data with the key. Named by condition for the reason the build role is.
        let deploy_role = super::roles::environment_role_arn(
            &facts.partition,
            &facts.account_id,
            &super::mlops::mlops_role_name(
                &format!("{}-{}", facts.name, facts.stage),
                crate::ids::MlopsRoleKind::Deploy,
            ),
        );
        statements.push(json!({
            "Sid": SID_MLOPS_DEPLOY,
            "Effect": "Allow",
            "Principal": { "AWS": facts.account_root_arn() },
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {
                "ArnEquals": { "aws:PrincipalArn": deploy_role },
                "StringEquals": { "kms:ViaService": format!("sagemaker.{}.amazonaws.com", facts.region) },
                "Bool": { "kms:GrantIsForAWSResource": "true" }
            }
        }));
        // CloudFormation's endpoint configuration handler reads the key before it asks.
        statements.push(json!({
            "Sid": SID_MLOPS_DEPLOY_DESCRIBE,
            "Effect": "Allow",
            "Principal": { "AWS": facts.account_root_arn() },
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": { "ArnEquals": { "aws:PrincipalArn": deploy_role } }
        }));
    }

    if key == KeyPurpose::Data {
        // CloudWatch Logs calls KMS as its regional service principal and puts the log group's
        // ARN in the encryption context; matching that ARN against the environment's prefix
        // keeps other log groups of the account from using the key. This is the shape CloudWatch
        // Logs documents for encrypted log groups, its actions narrowed from wildcards. The
        // encryption context is a string-typed key (IAM's KMS reference), so a string operator:
        // with the pattern's single trailing `*` it matches what `ArnLike` matched.
        statements.push(json!({
            "Sid": SID_CLOUDWATCH_LOGS,
            "Effect": "Allow",
            "Principal": { "Service": format!("logs.{}.amazonaws.com", facts.region) },
            "Action": CLOUDWATCH_LOGS_ACTIONS,
            "Resource": "*",
            "Condition": {
                "StringLike": { "kms:EncryptionContext:aws:logs:arn": facts.log_group_arn_pattern() }
            }
        }));
    }

    document(statements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::*;

    fn roles() -> Vec<String> {
        vec![
            "arn:aws:iam::123456789012:role/team-a-dev-execution".into(),
            "arn:aws:iam::123456789012:role/team-a-dev-data-scientist".into(),
        ]
    }

    const KEYS: [KeyPurpose; 3] = [KeyPurpose::Data, KeyPurpose::Ebs, KeyPurpose::Studio];

    /// Every action that lets a principal use the key's material, directly or via a grant.
    const POWERFUL: &[&str] = &[
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:GenerateDataKeyPair",
        "kms:CreateGrant",
    ];

    #[test]
    fn every_key_policy_is_well_formed() {
        for key in KEYS {
            let doc = key_policy(&facts(), key, &roles());
            assert_well_formed(&doc);
            for s in statements(&doc) {
                assert_eq!(s["Effect"], "Allow");
                assert_eq!(s["Resource"], "*");
            }
        }
    }

    #[test]
    fn account_administers_but_cannot_use_the_key() {
        for key in KEYS {
            let doc = key_policy(&facts(), key, &roles());
            let admin = statement(&doc, SID_KEY_ADMINISTRATION);
            assert_eq!(
                admin["Principal"],
                json!({ "AWS": "arn:aws:iam::123456789012:root" })
            );
            let actions = strings(&admin["Action"]);
            for needed in [
                "kms:PutKeyPolicy",
                "kms:GetKeyPolicy",
                "kms:DescribeKey",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
                "kms:EnableKeyRotation",
                "kms:CreateAlias",
                "kms:TagResource",
            ] {
                assert!(
                    actions.iter().any(|a| action_matches(a, needed)),
                    "{needed}"
                );
            }
            for pattern in &actions {
                for p in POWERFUL {
                    assert!(!action_matches(pattern, p), "{pattern} grants {p}");
                }
            }
            // Nowhere does the account principal get more than administration, but for the
            // MLOps build role's use (one role's exact ARN, through S3 only) and the deploy role's
            // grants for SageMaker's endpoints.
            for s in statements(&doc) {
                if s["Sid"] == SID_MLOPS_BUILD {
                    assert_mlops_build_only(s);
                } else if s["Sid"] == SID_MLOPS_DEPLOY || s["Sid"] == SID_MLOPS_DEPLOY_DESCRIBE {
                    assert_mlops_deploy_only(s);
                } else if s["Sid"] != SID_KEY_ADMINISTRATION {
                    assert!(!s["Principal"].to_string().contains(":root"), "{s}");
                }
            }
        }
    }

    /// The MLOps deploy role's statements: that role only; grants only for AWS resources,
    /// through SageMaker; no use of the key's material.
    fn assert_mlops_deploy_only(s: &Value) {
        assert_eq!(
            s["Condition"]["ArnEquals"]["aws:PrincipalArn"],
            "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-mlops-deploy"
        );
        if s["Sid"] == SID_MLOPS_DEPLOY {
            assert_eq!(s["Action"], "kms:CreateGrant");
            assert_eq!(
                s["Condition"]["StringEquals"]["kms:ViaService"],
                "sagemaker.eu-west-1.amazonaws.com"
            );
            assert_eq!(s["Condition"]["Bool"]["kms:GrantIsForAWSResource"], "true");
        } else {
            assert_eq!(s["Action"], "kms:DescribeKey");
        }
    }

    /// The MLOps build role's statement: the data key only, that role only, through S3 only.
    fn assert_mlops_build_only(s: &Value) {
        assert_eq!(
            s["Condition"],
            json!({
                "ArnEquals": {
                    "aws:PrincipalArn": "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-mlops-build"
                },
                "StringEquals": { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }
            })
        );
        assert_eq!(s["Action"], json!(USAGE_ACTIONS));
    }

    #[test]
    fn only_the_data_key_admits_the_mlops_build_role() {
        for key in KEYS {
            let doc = key_policy(&facts(), key, &roles());
            assert_eq!(
                sids(&doc).contains(&SID_MLOPS_BUILD),
                key == KeyPurpose::Data,
                "{key:?}"
            );
        }
    }

    #[test]
    fn the_launch_role_uses_the_data_and_ebs_keys_only() {
        assert!(key_users(KeyPurpose::Data).contains(&Persona::ScLaunch));
        // Team notebook instances' volumes.
        assert!(key_users(KeyPurpose::Ebs).contains(&Persona::ScLaunch));
        assert!(!key_users(KeyPurpose::Studio).contains(&Persona::ScLaunch));
        for purpose in [KeyPurpose::Ebs, KeyPurpose::Studio] {
            assert!(
                key_users(purpose).contains(&Persona::Execution),
                "{purpose:?}"
            );
        }
    }

    #[test]
    fn only_the_given_roles_use_the_key() {
        let expected = json!({ "AWS": [
            "arn:aws:iam::123456789012:role/team-a-dev-data-scientist",
            "arn:aws:iam::123456789012:role/team-a-dev-execution"
        ] });
        for key in KEYS {
            let doc = key_policy(&facts(), key, &roles());
            let usage = statement(&doc, SID_KEY_USE);
            assert_eq!(usage["Principal"], expected);
            assert_eq!(usage["Action"], json!(USAGE_ACTIONS));
            // Only through the services that store the data.
            let mut via: Vec<&str> = (key == KeyPurpose::Data)
                .then_some("codeartifact.eu-west-1.amazonaws.com")
                .into_iter()
                .collect();
            via.extend([
                "ec2.eu-west-1.amazonaws.com",
                "elasticfilesystem.eu-west-1.amazonaws.com",
                "s3.eu-west-1.amazonaws.com",
                "sagemaker.eu-west-1.amazonaws.com",
            ]);
            assert_eq!(
                usage["Condition"],
                json!({ "StringEquals": { "kms:ViaService": via } })
            );
            // Whatever else may use the key is a service, never another AWS principal.
            for s in statements(&doc) {
                let uses = strings(&s["Action"])
                    .iter()
                    .any(|a| POWERFUL.iter().any(|p| action_matches(a, p)));
                if s["Sid"] == SID_MLOPS_BUILD {
                    assert_mlops_build_only(s);
                } else if s["Sid"] == SID_MLOPS_DEPLOY || s["Sid"] == SID_MLOPS_DEPLOY_DESCRIBE {
                    assert_mlops_deploy_only(s);
                } else if uses && s["Principal"].get("AWS").is_some() {
                    assert_eq!(s["Principal"], expected, "{}", s["Sid"]);
                }
            }
        }
    }

    #[test]
    fn grants_are_only_for_aws_resources() {
        for key in KEYS {
            let doc = key_policy(&facts(), key, &roles());
            let grants = statement(&doc, SID_GRANTS_FOR_AWS_RESOURCES);
            assert_eq!(
                grants["Action"],
                json!(["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"])
            );
            assert_eq!(
                grants["Condition"],
                json!({ "Bool": { "kms:GrantIsForAWSResource": "true" } })
            );
            // No other statement may allow creating grants unconditionally: the deploy role's
            // are for AWS resources too, and through SageMaker.
            for s in statements(&doc) {
                if s["Sid"] == SID_MLOPS_DEPLOY {
                    assert_mlops_deploy_only(s);
                } else if s["Sid"] != SID_GRANTS_FOR_AWS_RESOURCES {
                    for a in strings(&s["Action"]) {
                        assert!(!action_matches(a, "kms:CreateGrant"), "{} {a}", s["Sid"]);
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_data_key_serves_cloudwatch_logs_and_only_for_the_environment() {
        let doc = key_policy(&facts(), KeyPurpose::Data, &roles());
        let logs = statement(&doc, SID_CLOUDWATCH_LOGS);
        assert_eq!(
            logs["Principal"],
            json!({ "Service": "logs.eu-west-1.amazonaws.com" })
        );
        assert_eq!(logs["Action"], json!(CLOUDWATCH_LOGS_ACTIONS));
        let pattern = logs["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
            .as_str()
            .unwrap();
        let own =
            "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-a/dev/vpc-flow-logs";
        assert!(glob_matches(pattern, own));
        for other in [
            "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-b/dev/vpc-flow-logs",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-a/prod/x",
            "arn:aws:logs:eu-west-1:999999999999:log-group:/secure-mlops/team-a/dev/x",
            "arn:aws:logs:eu-west-1:123456789012:log-group:other",
        ] {
            assert!(!glob_matches(pattern, other), "{other}");
        }
        for key in [KeyPurpose::Ebs, KeyPurpose::Studio] {
            let doc = key_policy(&facts(), key, &roles());
            assert!(!sids(&doc).contains(&SID_CLOUDWATCH_LOGS), "{}", key.key());
            assert!(!doc.to_string().contains("\"Service\""), "{}", key.key());
        }
    }

    #[test]
    fn administration_names_key_actions_only() {
        for a in ADMINISTRATION_ACTIONS {
            assert!(
                !a.contains('*'),
                "{a}: a wildcard also matches account-level calls"
            );
        }
        // Calls on the account or a custom key store, which no key policy can grant.
        for account_level in [
            "kms:ListKeys",
            "kms:ListAliases",
            "kms:ListRetirableGrants",
            "kms:CreateKey",
            "kms:DescribeCustomKeyStores",
            "kms:DeleteCustomKeyStore",
            "kms:UpdateCustomKeyStore",
        ] {
            assert!(
                !ADMINISTRATION_ACTIONS.contains(&account_level),
                "{account_level}"
            );
        }
    }

    #[test]
    fn no_roles_leaves_an_administered_unusable_key() {
        let doc = key_policy(&facts(), KeyPurpose::Ebs, &[]);
        assert_well_formed(&doc);
        assert_eq!(sids(&doc), [SID_KEY_ADMINISTRATION]);
    }
}
