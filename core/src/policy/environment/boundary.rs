//! The permissions boundary of the roles an environment creates, when the spec names none
//! (`iam.permissions_boundary_arn`): the same document as `examples/iam/secure-mlops-boundary.json`
//! and the `EnvironmentRoleBoundary` of `cfn/custom-resource.yaml`, for this account and
//! partition. It grants nothing by itself: it is the most the environment's roles may ever do,
//! whatever policy the engine writes into them.

use serde_json::{json, Value};

use super::roles::environment_role_arn;
use super::{EnvironmentFacts, POLICY_VERSION};

/// Sid of what environment roles may ever do.
pub const SID_ALLOW: &str = "WhatEnvironmentRolesMayEverDo";
/// Sid of the only `iam:PassRole` the boundary lets through.
pub const SID_PASS_ROLE: &str = "PassOnlyEnvironmentRolesToSageMaker";
/// Sid of the statement letting the MLOps launch role pass the MLOps build role to CodeBuild and
/// CodePipeline (`sagemaker_mlops_project_templates`).
pub const SID_PASS_BUILD_ROLE: &str = "PassOnlyMlopsBuildRolesToBuildServices";
/// Sid of the statement letting the MLOps launch role pass the MLOps events role to EventBridge
/// (the model-deploy template's rule).
pub const SID_PASS_EVENTS_ROLE: &str = "PassOnlyMlopsEventsRolesToEventBridge";
/// Sid of the statement letting the MLOps build role pass the MLOps deploy role to
/// CloudFormation (the model-deploy pipeline's deploy actions).
pub const SID_PASS_DEPLOY_ROLE: &str = "PassOnlyMlopsDeployRolesToCloudFormation";
/// Sid of the deny of IAM writes, Organizations and account changes.
pub const SID_DENY_IAM: &str = "NoIamOrOrganizationsChanges";
/// Sid of the package repository reads.
pub const SID_PACKAGES: &str = "ReadPackageRepositoriesOfTheAccount";
/// Sid of the STS bearer tokens, for CodeArtifact only.
pub const SID_BEARER_TOKENS: &str = "BearerTokensForCodeArtifactOnly";

/// The boundary document of an environment in `facts`' account and partition.
pub fn boundary_policy(facts: &EnvironmentFacts) -> Value {
    json!({
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": SID_ALLOW,
                "Effect": "Allow",
                "Action": [
                    "sagemaker:*",
                    "s3:*",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey*",
                    "kms:ReEncrypt*",
                    "kms:CreateGrant",
                    "kms:ListAliases",
                    "logs:*",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetAuthorizationToken",
                    "ecr:GetDownloadUrlForLayer",
                    "cloudwatch:PutMetricData",
                    "cloudwatch:GetMetricData",
                    "cloudwatch:ListMetrics",
                    "ec2:Describe*",
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                    "cloudformation:*",
                    "servicecatalog:*",
                    // The Studio user profile product's handler reads IAM Identity Center users.
                    "identitystore:DescribeUser",
                    "identitystore:ListUsers",
                    "sso:DescribeInstance",
                    "sso:ListInstances",
                    "iam:GetRole",
                    "iam:ListRoles",
                    "sts:GetCallerIdentity",
                    "codebuild:BatchGetBuilds",
                    "codebuild:BatchGetProjects",
                    "codebuild:CreateProject",
                    "codebuild:DeleteProject",
                    "codebuild:StartBuild",
                    "codebuild:StopBuild",
                    "codebuild:UpdateProject",
                    "codepipeline:CreatePipeline",
                    "codepipeline:DeletePipeline",
                    "codepipeline:DisableStageTransition",
                    "codepipeline:EnableStageTransition",
                    "codepipeline:GetPipeline",
                    "codepipeline:GetPipelineState",
                    "codepipeline:ListTagsForResource",
                    "codepipeline:StartPipelineExecution",
                    "codepipeline:TagResource",
                    "codepipeline:UntagResource",
                    "codepipeline:UpdatePipeline",
                    "codeconnections:PassConnection",
                    "codeconnections:UseConnection",
                    "codestar-connections:PassConnection",
                    "codestar-connections:UseConnection",
                    "codecommit:CancelUploadArchive",
                    "codecommit:GetBranch",
                    "codecommit:GetCommit",
                    "codecommit:GetUploadArchiveStatus",
                    "codecommit:GitPull",
                    "codecommit:UploadArchive",
                    // The model-deploy template's rule, made by the MLOps launch role.
                    "events:DeleteRule",
                    "events:DescribeRule",
                    "events:ListTagsForResource",
                    "events:ListTargetsByRule",
                    "events:PutRule",
                    "events:PutTargets",
                    "events:RemoveTargets",
                    "events:TagResource",
                    "events:UntagResource"
                ],
                "Resource": "*"
            },
            {
                "Sid": SID_PASS_BUILD_ROLE,
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": environment_role_arn(&facts.partition, &facts.account_id, "*-mlops-build"),
                "Condition": {
                    "StringEquals": { "iam:PassedToService": [
                        "codebuild.amazonaws.com",
                        "codepipeline.amazonaws.com"
                    ] }
                }
            },
            {
                "Sid": SID_PASS_EVENTS_ROLE,
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": environment_role_arn(&facts.partition, &facts.account_id, "*-mlops-events"),
                "Condition": {
                    "StringEquals": { "iam:PassedToService": "events.amazonaws.com" }
                }
            },
            {
                "Sid": SID_PASS_DEPLOY_ROLE,
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": environment_role_arn(&facts.partition, &facts.account_id, "*-mlops-deploy"),
                "Condition": {
                    "StringEquals": { "iam:PassedToService": "cloudformation.amazonaws.com" }
                }
            },
            {
                "Sid": SID_PASS_ROLE,
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": environment_role_arn(&facts.partition, &facts.account_id, "*"),
                "Condition": {
                    "StringEquals": { "iam:PassedToService": "sagemaker.amazonaws.com" }
                }
            },
            {
                "Sid": SID_DENY_IAM,
                "Effect": "Deny",
                "Action": [
                    "iam:Add*",
                    "iam:Attach*",
                    "iam:Create*",
                    "iam:Delete*",
                    "iam:Detach*",
                    "iam:Put*",
                    "iam:Remove*",
                    "iam:Set*",
                    "iam:Tag*",
                    "iam:Untag*",
                    "iam:Update*",
                    "iam:Upload*",
                    "organizations:*",
                    "account:*"
                ],
                "Resource": "*"
            },
            {
                // The package repository: tokens and reads of the account's, never publishing.
                "Sid": SID_PACKAGES,
                "Effect": "Allow",
                "Action": [
                    "codeartifact:GetAuthorizationToken",
                    "codeartifact:GetRepositoryEndpoint",
                    "codeartifact:ReadFromRepository"
                ],
                "Resource": [
                    format!("arn:{}:codeartifact:*:{}:domain/*", facts.partition, facts.account_id),
                    format!("arn:{}:codeartifact:*:{}:repository/*", facts.partition, facts.account_id)
                ]
            },
            {
                "Sid": SID_BEARER_TOKENS,
                "Effect": "Allow",
                "Action": "sts:GetServiceBearerToken",
                "Resource": "*",
                "Condition": {
                    "StringEquals": { "sts:AWSServiceName": "codeartifact.amazonaws.com" }
                }
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EnvironmentFacts {
        EnvironmentFacts {
            partition: "aws".into(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            name: "team-a".into(),
            stage: "dev".into(),
            trusted_principal_arns: Vec::new(),
        }
    }

    #[test]
    fn it_is_the_documented_example_for_this_account() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/iam/secure-mlops-boundary.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let example: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(boundary_policy(&facts()), example);
    }

    #[test]
    fn it_denies_every_iam_write_and_the_boundarys_own_deletion() {
        let doc = boundary_policy(&facts());
        let deny = doc["Statement"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["Sid"] == SID_DENY_IAM))
            .expect("the deny statement");
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(deny["Resource"], "*");
        let actions: Vec<&str> = deny["Action"]
            .as_array()
            .unwrap_or_else(|| panic!("no actions"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for needed in [
            "iam:Delete*",
            "iam:Put*",
            "iam:Create*",
            "iam:Attach*",
            "organizations:*",
            "account:*",
        ] {
            assert!(actions.contains(&needed), "{needed}");
        }
        let allowed = doc["Statement"][0]["Action"].to_string();
        assert!(!allowed.contains("\"iam:*\"") && !allowed.contains("\"*\""));
    }
}
