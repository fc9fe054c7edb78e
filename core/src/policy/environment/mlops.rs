//! The documents of the MLOps project templates (`sagemaker_mlops_project_templates`): the
//! roles the projects' pipelines and Service Catalog run as, and the MLOps bucket's name.
//!
//! * The **build** role is what each project's CodePipeline and CodeBuild run as: it reads and
//!   writes the pipeline's artifacts in the MLOps bucket (encrypted with the `data` key),
//!   starts the project's build, lets CodeBuild make its network interfaces in the
//!   environment's subnets only, creates, updates and starts the project's SageMaker Pipeline
//!   (tagged for the environment) and passes the environment's execution role to SageMaker for
//!   it, and reads the source (a CodeConnections connection or a CodeCommit repository, only the
//!   one configured). The pipeline's jobs run as the execution role, under the environment's
//!   guardrails.
//! * The **launch** role is what Service Catalog launches a project template as: CloudFormation
//!   stacks `SC-*`, and exactly what CloudFormation's handlers need for the template's resource
//!   types (`tests/security/launch-role.py` compares them with the registry schemas), each
//!   limited to the project resources' names; its only IAM actions are passing the build role to
//!   CodeBuild and CodePipeline and the events role to EventBridge.
//! * The **events** role is what EventBridge starts a model-deploy project's pipeline as, when a
//!   model is approved: it may start the projects' deploy pipelines and nothing else.
//! * The **deploy** role is what CloudFormation deploys a model-deploy project's endpoints as:
//!   the projects' models, endpoint configurations and endpoints, the execution role passed to
//!   SageMaker for them, and grants on the `ebs` and `data` keys for SageMaker (their key
//!   policies name it too). The build role (the deploy pipeline's role) passes it to
//!   CloudFormation, reads the approved model versions and tests the staging endpoint.

use serde_json::{json, Value};

use super::packages::{package_read_statements, PackageRepositoryNames};
use super::{document, EnvironmentFacts};
use crate::ids::{MlopsRoleKind, ENVIRONMENT_TAG};
use crate::spec::{SourceKind, SourceSpec};

/// Sid: the pipeline's artifacts in the MLOps bucket.
pub const SID_ARTIFACTS: &str = "ReadWritePipelineArtifacts";
/// Sid: the bucket's own settings CodePipeline checks.
pub const SID_ARTIFACT_BUCKET: &str = "ReadArtifactBucketSettings";
/// Sid: the pipeline code the SageMaker Python SDK uploads to the model bucket.
pub const SID_PIPELINE_CODE: &str = "ReadWritePipelineCodeInModelBucket";
/// Sid: the `data` key, through S3.
pub const SID_DATA_KEY: &str = "UseDataKeyThroughS3";
/// Sid: CodePipeline starting and following the project's build.
pub const SID_BUILDS: &str = "RunProjectBuilds";
/// Sid: the build's log.
pub const SID_BUILD_LOGS: &str = "WriteBuildLogs";
/// Sid: what CodeBuild reads of the VPC.
pub const SID_VPC_DESCRIBE: &str = "DescribeVpcForBuilds";
/// Sid: CodeBuild's network interfaces.
pub const SID_VPC_INTERFACES: &str = "BuildNetworkInterfaces";
/// Sid: CodeBuild's permission on its interfaces, in the environment's subnets only.
pub const SID_VPC_INTERFACE_PERMISSION: &str =
    "BuildNetworkInterfacePermissionInEnvironmentSubnets";
/// Sid: creating the project's SageMaker Pipeline, tagged for the environment.
pub const SID_CREATE_PIPELINE: &str = "CreateEnvironmentPipelines";
/// Sid: updating, starting and following it.
pub const SID_RUN_PIPELINE: &str = "RunEnvironmentPipelines";
/// Sid: passing the execution role to SageMaker for the pipeline.
pub const SID_PASS_EXECUTION_ROLE: &str = "PassExecutionRoleToSageMaker";
/// Sid: reading the source through the connection.
pub const SID_USE_CONNECTION: &str = "UseSourceConnection";
/// Sid: reading the CodeCommit repository.
pub const SID_CODECOMMIT: &str = "ReadSourceRepository";
/// Sid: the deploy pipeline's CloudFormation stacks of endpoints.
pub const SID_DEPLOY_STACKS: &str = "DeployEndpointStacks";
/// Sid: passing the deploy role to CloudFormation for them.
pub const SID_PASS_DEPLOY_ROLE: &str = "PassDeployRoleToCloudFormation";
/// Sid: reading the model versions a deploy picks from.
pub const SID_READ_MODEL_PACKAGES: &str = "ReadModelVersions";
/// Sid: listing them (an action of no resource).
pub const SID_LIST_MODEL_PACKAGES: &str = "ListModelVersions";
/// Sid: the deploy pipeline's endpoint test.
pub const SID_TEST_ENDPOINTS: &str = "TestProjectEndpoints";

/// Sid: EventBridge starting a deploy pipeline.
pub const SID_START_DEPLOY: &str = "StartProjectDeployPipelines";

/// Sid: the projects' models, endpoint configurations and endpoints.
pub const SID_DEPLOY_ENDPOINTS: &str = "ManageProjectEndpoints";
/// Sid: passing the execution role to SageMaker for the endpoints.
pub const SID_DEPLOY_PASS_EXECUTION_ROLE: &str = "PassExecutionRoleToEndpoints";
/// Sid: SageMaker's grants on the `ebs` and `data` keys for the endpoints.
pub const SID_DEPLOY_KEY_GRANTS: &str = "KeyGrantsForEndpoints";
/// Sid: reading those keys' metadata.
pub const SID_DEPLOY_DESCRIBE_KEYS: &str = "DescribeEndpointKeys";

/// The Sids of the deploy role's statements, which `tests/security/launch-role.py` holds to the
/// handlers of the endpoint template's resource types.
pub const DEPLOY_SIDS: &[&str] = &[
    SID_DEPLOY_ENDPOINTS,
    SID_DEPLOY_PASS_EXECUTION_ROLE,
    SID_DEPLOY_KEY_GRANTS,
    SID_DEPLOY_DESCRIBE_KEYS,
];

/// Sid: Service Catalog's stacks.
pub const SID_LAUNCH_STACKS: &str = "ManageProjectStacks";
/// Sid: reading templates Service Catalog stored.
pub const SID_LAUNCH_TEMPLATES: &str = "ReadProductTemplates";
/// Sid: template checks.
pub const SID_LAUNCH_VALIDATE: &str = "ValidateTemplates";
/// Sid: the project's model package group.
pub const SID_LAUNCH_MODEL_PACKAGE_GROUPS: &str = "ManageProjectModelPackageGroups";
/// Sid: the project's build log group.
pub const SID_LAUNCH_LOG_GROUPS: &str = "ManageProjectLogGroups";
/// Sid: finding log groups (an account-level list).
pub const SID_LAUNCH_DESCRIBE_LOG_GROUPS: &str = "DescribeLogGroups";
/// Sid: the project's CodeBuild project.
pub const SID_LAUNCH_BUILD_PROJECTS: &str = "ManageProjectBuilds";
/// Sid: what CodeBuild checks of the VPC settings.
pub const SID_LAUNCH_VPC_DESCRIBE: &str = "DescribeVpcForProjectBuilds";
/// Sid: the project's CodePipeline.
pub const SID_LAUNCH_PIPELINES: &str = "ManageProjectPipelines";
/// Sid: passing the build role to CodeBuild and CodePipeline.
pub const SID_LAUNCH_PASS_BUILD_ROLE: &str = "PassBuildRole";
/// Sid: CloudFormation reading the role it passes.
pub const SID_LAUNCH_GET_BUILD_ROLE: &str = "GetBuildRole";
/// Sid: the model-deploy project's EventBridge rule.
pub const SID_LAUNCH_RULES: &str = "ManageProjectRules";
/// Sid: passing the events role to EventBridge.
pub const SID_LAUNCH_PASS_EVENTS_ROLE: &str = "PassEventsRole";
/// Sid: passing the connection to CodePipeline.
pub const SID_LAUNCH_PASS_CONNECTION: &str = "PassSourceConnection";
/// Sid: the same under the service's former name.
pub const SID_LAUNCH_PASS_CONNECTION_FORMER: &str = "PassSourceConnectionFormerName";

/// The Sids of the launch role's statements for the templates' resources, which
/// `tests/security/launch-role.py` holds to the handlers' lists.
pub const LAUNCH_TEMPLATE_SIDS: &[&str] = &[
    SID_LAUNCH_MODEL_PACKAGE_GROUPS,
    SID_LAUNCH_LOG_GROUPS,
    SID_LAUNCH_DESCRIBE_LOG_GROUPS,
    SID_LAUNCH_BUILD_PROJECTS,
    SID_LAUNCH_VPC_DESCRIBE,
    SID_LAUNCH_PIPELINES,
    SID_LAUNCH_PASS_BUILD_ROLE,
    SID_LAUNCH_GET_BUILD_ROLE,
    SID_LAUNCH_RULES,
    SID_LAUNCH_PASS_EVENTS_ROLE,
    SID_LAUNCH_PASS_CONNECTION,
    SID_LAUNCH_PASS_CONNECTION_FORMER,
];

/// What the templates name their resources after: SageMaker's project ids start with `p-`.
const PROJECT_RESOURCE_PREFIX: &str = "sagemaker-p-";

/// The name of an MLOps role: `<env id>-mlops-<kind>`.
pub fn mlops_role_name(env_id: &str, kind: MlopsRoleKind) -> String {
    format!("{env_id}-mlops-{}", kind.key())
}

/// The MLOps bucket's name: `<env id>-<region>-<account>-mlops`, no longer than the model
/// bucket's default name (environment validation keeps that within 63 characters).
pub fn mlops_bucket_name(facts: &EnvironmentFacts) -> String {
    format!(
        "{}-{}-{}-{}-mlops",
        facts.name, facts.stage, facts.region, facts.account_id
    )
}

/// What an MLOps role's documents are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsRoleInput {
    /// The environment's private subnets.
    pub subnet_ids: Vec<String>,
    /// Its `data` key.
    pub data_key_arn: String,
    /// Its `ebs` key.
    pub ebs_key_arn: String,
    /// Its model bucket.
    pub models_bucket: String,
    /// Its execution role.
    pub execution_role_arn: String,
    /// Its package repository, when it has one.
    pub packages: Option<PackageRepositoryNames>,
    /// Where the projects' code comes from.
    pub source: SourceSpec,
}

/// Who may assume an MLOps role: for the build role CodeBuild and CodePipeline, for the launch
/// role Service Catalog, for the events role EventBridge, for the deploy role CloudFormation,
/// each only on behalf of this account.
pub fn mlops_trust_policy(facts: &EnvironmentFacts, kind: MlopsRoleKind) -> Value {
    let services: Vec<&str> = match kind {
        MlopsRoleKind::Build => vec!["codebuild.amazonaws.com", "codepipeline.amazonaws.com"],
        MlopsRoleKind::Launch => vec!["servicecatalog.amazonaws.com"],
        MlopsRoleKind::Events => vec!["events.amazonaws.com"],
        MlopsRoleKind::Deploy => vec!["cloudformation.amazonaws.com"],
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": services },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": facts.account_id } }
        }]
    })
}

/// The inline policy of an MLOps role.
pub fn mlops_permissions_policy(
    facts: &EnvironmentFacts,
    kind: MlopsRoleKind,
    input: &MlopsRoleInput,
) -> Value {
    match kind {
        MlopsRoleKind::Build => document(build_statements(facts, input)),
        MlopsRoleKind::Launch => document(launch_statements(facts, input)),
        MlopsRoleKind::Events => document(vec![json!({
            "Sid": SID_START_DEPLOY,
            "Effect": "Allow",
            "Action": "codepipeline:StartPipelineExecution",
            "Resource": arn(facts, "codepipeline", &format!("{PROJECT_RESOURCE_PREFIX}*-deploy"))
        })]),
        MlopsRoleKind::Deploy => document(deploy_statements(facts, input)),
    }
}

fn arn(facts: &EnvironmentFacts, service: &str, resource: &str) -> String {
    format!(
        "arn:{}:{service}:{}:{}:{resource}",
        facts.partition, facts.region, facts.account_id
    )
}

fn env_id(facts: &EnvironmentFacts) -> String {
    format!("{}-{}", facts.name, facts.stage)
}

fn role_arn(facts: &EnvironmentFacts, kind: MlopsRoleKind) -> String {
    super::roles::environment_role_arn(
        &facts.partition,
        &facts.account_id,
        &mlops_role_name(&env_id(facts), kind),
    )
}

/// What CloudFormation needs, as the deploy role, for the endpoint template of the model-deploy
/// seed code (`mlops/seed-code/deploy/endpoint.yaml`): its resource types' handler lists, on
/// the projects' names only.
fn deploy_statements(facts: &EnvironmentFacts, input: &MlopsRoleInput) -> Vec<Value> {
    let named = |kind: &str| {
        arn(
            facts,
            "sagemaker",
            &format!("{kind}/{PROJECT_RESOURCE_PREFIX}*"),
        )
    };
    let keys = [input.ebs_key_arn.clone(), input.data_key_arn.clone()];
    vec![
        json!({
            "Sid": SID_DEPLOY_ENDPOINTS,
            "Effect": "Allow",
            "Action": [
                "sagemaker:AddTags",
                "sagemaker:CreateEndpoint",
                "sagemaker:CreateEndpointConfig",
                "sagemaker:CreateModel",
                "sagemaker:DeleteEndpoint",
                "sagemaker:DeleteEndpointConfig",
                "sagemaker:DeleteModel",
                "sagemaker:DeleteTags",
                "sagemaker:DescribeEndpoint",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:DescribeModel",
                "sagemaker:ListTags",
                "sagemaker:UpdateEndpoint"
            ],
            "Resource": [named("model"), named("endpoint-config"), named("endpoint")]
        }),
        json!({
            "Sid": SID_DEPLOY_PASS_EXECUTION_ROLE,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": input.execution_role_arn,
            "Condition": { "StringEquals": { "iam:PassedToService": "sagemaker.amazonaws.com" } }
        }),
        json!({
            "Sid": SID_DEPLOY_KEY_GRANTS,
            "Effect": "Allow",
            "Action": "kms:CreateGrant",
            "Resource": keys,
            "Condition": {
                "StringEquals": { "kms:ViaService": format!("sagemaker.{}.amazonaws.com", facts.region) },
                "Bool": { "kms:GrantIsForAWSResource": "true" }
            }
        }),
        json!({
            "Sid": SID_DEPLOY_DESCRIBE_KEYS,
            "Effect": "Allow",
            "Action": "kms:DescribeKey",
            "Resource": keys
        }),
    ]
}

fn build_statements(facts: &EnvironmentFacts, input: &MlopsRoleInput) -> Vec<Value> {
    let bucket = facts.bucket_arn(&mlops_bucket_name(facts));
    let models = facts.bucket_arn(&input.models_bucket);
    let env = env_id(facts);
    let subnets: Vec<String> = input
        .subnet_ids
        .iter()
        .map(|s| arn(facts, "ec2", &format!("subnet/{s}")))
        .collect();
    let mut statements = vec![
        json!({
            "Sid": SID_ARTIFACTS,
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            // CodePipeline keeps each pipeline's artifacts under the first 20 characters of
            // its name, `sagemaker-p-<id>`.
            "Resource": [
                format!("{bucket}/projects/*"),
                format!("{bucket}/seed-code/*"),
                format!("{bucket}/{PROJECT_RESOURCE_PREFIX}*")
            ]
        }),
        json!({
            "Sid": SID_ARTIFACT_BUCKET,
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:ListBucket"],
            "Resource": bucket
        }),
        json!({
            "Sid": SID_PIPELINE_CODE,
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": format!("{models}/mlops/*")
        }),
        json!({
            "Sid": SID_DATA_KEY,
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": input.data_key_arn,
            "Condition": { "StringEquals": {
                "kms:ViaService": format!("s3.{}.amazonaws.com", facts.region)
            } }
        }),
        json!({
            "Sid": SID_BUILDS,
            "Effect": "Allow",
            "Action": ["codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"],
            "Resource": arn(facts, "codebuild", &format!("project/{PROJECT_RESOURCE_PREFIX}*"))
        }),
        json!({
            "Sid": SID_BUILD_LOGS,
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": arn(facts, "logs", &format!("log-group:/aws/codebuild/{PROJECT_RESOURCE_PREFIX}*"))
        }),
        json!({
            "Sid": SID_VPC_DESCRIBE,
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": SID_VPC_INTERFACES,
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
            "Resource": [
                arn(facts, "ec2", "network-interface/*"),
                arn(facts, "ec2", "security-group/*"),
                arn(facts, "ec2", "subnet/*")
            ]
        }),
        json!({
            "Sid": SID_VPC_INTERFACE_PERMISSION,
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterfacePermission",
            "Resource": arn(facts, "ec2", "network-interface/*"),
            "Condition": {
                "StringEquals": { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
                "ArnEquals": { "ec2:Subnet": subnets }
            }
        }),
        json!({
            "Sid": SID_CREATE_PIPELINE,
            "Effect": "Allow",
            "Action": ["sagemaker:AddTags", "sagemaker:CreatePipeline"],
            "Resource": arn(facts, "sagemaker", "pipeline/*"),
            "Condition": { "StringEquals": { format!("aws:RequestTag/{ENVIRONMENT_TAG}"): env } }
        }),
        json!({
            "Sid": SID_RUN_PIPELINE,
            "Effect": "Allow",
            "Action": [
                "sagemaker:DescribePipeline",
                "sagemaker:DescribePipelineExecution",
                "sagemaker:ListPipelineExecutionSteps",
                "sagemaker:StartPipelineExecution",
                "sagemaker:UpdatePipeline"
            ],
            "Resource": [
                arn(facts, "sagemaker", "pipeline/*"),
                arn(facts, "sagemaker", "pipeline-execution/*")
            ],
            "Condition": { "StringEquals": { format!("aws:ResourceTag/{ENVIRONMENT_TAG}"): env } }
        }),
        json!({
            "Sid": SID_PASS_EXECUTION_ROLE,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": input.execution_role_arn,
            "Condition": { "StringEquals": { "iam:PassedToService": "sagemaker.amazonaws.com" } }
        }),
        json!({
            "Sid": SID_DEPLOY_STACKS,
            "Effect": "Allow",
            "Action": [
                "cloudformation:CreateStack",
                "cloudformation:DeleteStack",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:UpdateStack"
            ],
            "Resource": arn(facts, "cloudformation", &format!("stack/{PROJECT_RESOURCE_PREFIX}*-deploy-*/*"))
        }),
        json!({
            "Sid": SID_PASS_DEPLOY_ROLE,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role_arn(facts, MlopsRoleKind::Deploy),
            "Condition": { "StringEquals": { "iam:PassedToService": "cloudformation.amazonaws.com" } }
        }),
        json!({
            "Sid": SID_READ_MODEL_PACKAGES,
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup"],
            "Resource": [
                arn(facts, "sagemaker", "model-package/*"),
                arn(facts, "sagemaker", "model-package-group/*")
            ]
        }),
        json!({
            "Sid": SID_LIST_MODEL_PACKAGES,
            "Effect": "Allow",
            "Action": "sagemaker:ListModelPackages",
            "Resource": "*"
        }),
        json!({
            "Sid": SID_TEST_ENDPOINTS,
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"],
            "Resource": arn(facts, "sagemaker", &format!("endpoint/{PROJECT_RESOURCE_PREFIX}*"))
        }),
    ];
    match input.source.kind {
        SourceKind::S3 => {}
        SourceKind::CodeConnections => {
            if let Some(connection) = &input.source.connection_arn {
                statements.push(json!({
                    "Sid": SID_USE_CONNECTION,
                    "Effect": "Allow",
                    "Action": ["codeconnections:UseConnection", "codestar-connections:UseConnection"],
                    "Resource": connection_arns(connection)
                }));
            }
        }
        SourceKind::CodeCommit => {
            if let Some(repository) = &input.source.repository {
                statements.push(json!({
                    "Sid": SID_CODECOMMIT,
                    "Effect": "Allow",
                    "Action": [
                        "codecommit:CancelUploadArchive",
                        "codecommit:GetBranch",
                        "codecommit:GetCommit",
                        "codecommit:GetUploadArchiveStatus",
                        "codecommit:GitPull",
                        "codecommit:UploadArchive"
                    ],
                    "Resource": arn(facts, "codecommit", repository)
                }));
            }
        }
    }
    if let Some(names) = &input.packages {
        statements.extend(package_read_statements(facts, names));
    }
    statements
}

fn launch_statements(facts: &EnvironmentFacts, input: &MlopsRoleInput) -> Vec<Value> {
    let build_role = role_arn(facts, MlopsRoleKind::Build);
    let mut statements = vec![
        // Service Catalog names the stacks it launches `SC-<account>-pp-<id>`.
        json!({
            "Sid": SID_LAUNCH_STACKS,
            "Effect": "Allow",
            "Action": [
                "cloudformation:CreateStack",
                "cloudformation:DeleteStack",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:GetTemplate",
                "cloudformation:SetStackPolicy",
                "cloudformation:TagResource",
                "cloudformation:UntagResource",
                "cloudformation:UpdateStack"
            ],
            "Resource": arn(facts, "cloudformation", "stack/SC-*")
        }),
        json!({
            "Sid": SID_LAUNCH_VALIDATE,
            "Effect": "Allow",
            "Action": ["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"],
            "Resource": "*"
        }),
        // Service Catalog tags the template objects it stores so; other objects stay unreadable.
        json!({
            "Sid": SID_LAUNCH_TEMPLATES,
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "StringEquals": { "s3:ExistingObjectTag/servicecatalog:provisioning": "true" }
            }
        }),
        json!({
            "Sid": SID_LAUNCH_MODEL_PACKAGE_GROUPS,
            "Effect": "Allow",
            "Action": [
                "sagemaker:AddTags",
                "sagemaker:CreateModelPackageGroup",
                "sagemaker:DeleteModelPackageGroup",
                "sagemaker:DeleteModelPackageGroupPolicy",
                "sagemaker:DeleteTags",
                "sagemaker:DescribeModelPackageGroup",
                "sagemaker:GetModelPackageGroupPolicy",
                "sagemaker:ListTags",
                "sagemaker:PutModelPackageGroupPolicy"
            ],
            "Resource": arn(facts, "sagemaker", "model-package-group/*")
        }),
        // The log group handlers' list, less what serves properties the template does not set
        // (deletion protection, bearer-token auth, and the account-level delivery, index and
        // resource policies: tests/security/launch-role.py lists them).
        json!({
            "Sid": SID_LAUNCH_LOG_GROUPS,
            "Effect": "Allow",
            "Action": [
                "logs:AssociateKmsKey",
                "logs:CreateLogGroup",
                "logs:DeleteDataProtectionPolicy",
                "logs:DeleteLogGroup",
                "logs:DeleteRetentionPolicy",
                "logs:DisassociateKmsKey",
                "logs:GetDataProtectionPolicy",
                "logs:ListTagsForResource",
                "logs:PutDataProtectionPolicy",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource"
            ],
            "Resource": arn(facts, "logs", &format!("log-group:/aws/codebuild/{PROJECT_RESOURCE_PREFIX}*"))
        }),
        json!({
            "Sid": SID_LAUNCH_DESCRIBE_LOG_GROUPS,
            "Effect": "Allow",
            "Action": ["logs:DescribeLogGroups", "logs:DescribeResourcePolicies"],
            "Resource": "*"
        }),
        // CodeBuild's projects have no registry handler list: these are what its create,
        // update, read and delete calls are.
        json!({
            "Sid": SID_LAUNCH_BUILD_PROJECTS,
            "Effect": "Allow",
            "Action": [
                "codebuild:BatchGetProjects",
                "codebuild:CreateProject",
                "codebuild:DeleteProject",
                "codebuild:UpdateProject"
            ],
            "Resource": arn(facts, "codebuild", &format!("project/{PROJECT_RESOURCE_PREFIX}*"))
        }),
        json!({
            "Sid": SID_LAUNCH_VPC_DESCRIBE,
            "Effect": "Allow",
            "Action": ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"],
            "Resource": "*"
        }),
        json!({
            "Sid": SID_LAUNCH_PIPELINES,
            "Effect": "Allow",
            "Action": [
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
                "codepipeline:UpdatePipeline"
            ],
            "Resource": arn(facts, "codepipeline", &format!("{PROJECT_RESOURCE_PREFIX}*"))
        }),
        json!({
            "Sid": SID_LAUNCH_PASS_BUILD_ROLE,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": build_role,
            "Condition": { "StringEquals": { "iam:PassedToService": [
                "codebuild.amazonaws.com",
                "codepipeline.amazonaws.com"
            ] } }
        }),
        json!({
            "Sid": SID_LAUNCH_GET_BUILD_ROLE,
            "Effect": "Allow",
            "Action": "iam:GetRole",
            "Resource": build_role
        }),
        json!({
            "Sid": SID_LAUNCH_RULES,
            "Effect": "Allow",
            "Action": [
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
            "Resource": arn(facts, "events", &format!("rule/{PROJECT_RESOURCE_PREFIX}*"))
        }),
        json!({
            "Sid": SID_LAUNCH_PASS_EVENTS_ROLE,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role_arn(facts, MlopsRoleKind::Events),
            "Condition": { "StringEquals": { "iam:PassedToService": "events.amazonaws.com" } }
        }),
    ];
    if let (SourceKind::CodeConnections, Some(connection)) =
        (input.source.kind, &input.source.connection_arn)
    {
        // One statement per service name: each has its own condition key.
        let [current, former] = connection_arns(connection);
        for (sid, service, arn) in [
            (SID_LAUNCH_PASS_CONNECTION, "codeconnections", current),
            (
                SID_LAUNCH_PASS_CONNECTION_FORMER,
                "codestar-connections",
                former,
            ),
        ] {
            statements.push(json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": format!("{service}:PassConnection"),
                "Resource": arn,
                "Condition": { "StringEquals": {
                    format!("{service}:PassedToService"): "codepipeline.amazonaws.com"
                } }
            }));
        }
    }
    statements
}

/// A connection's ARN under the service's current name (`codeconnections`) and its former one
/// (`codestar-connections`): IAM authorizes each name's actions on its own ARN form, and a
/// connection made before the rename is used through either.
fn connection_arns(arn: &str) -> [String; 2] {
    let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
    let mut forms = [String::new(), String::new()];
    for (form, service) in forms
        .iter_mut()
        .zip(["codeconnections", "codestar-connections"])
    {
        if parts.len() > 2 {
            parts[2] = service;
        }
        *form = parts.join(":");
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn input() -> MlopsRoleInput {
        MlopsRoleInput {
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            data_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/data".into(),
            ebs_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/ebs".into(),
            models_bucket: "team-a-dev-eu-west-1-123456789012-models".into(),
            execution_role_arn: "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-execution"
                .into(),
            packages: None,
            source: SourceSpec::default(),
        }
    }

    #[test]
    fn names_follow_the_environment() {
        assert_eq!(
            mlops_role_name("team-a-dev", MlopsRoleKind::Build),
            "team-a-dev-mlops-build"
        );
        assert_eq!(
            mlops_bucket_name(&facts()),
            "team-a-dev-eu-west-1-123456789012-mlops"
        );
    }

    #[test]
    fn each_role_trusts_only_its_services_for_this_account() {
        let build = mlops_trust_policy(&facts(), MlopsRoleKind::Build);
        let s = &statements(&build)[0];
        assert_eq!(
            strings(&s["Principal"]["Service"]),
            ["codebuild.amazonaws.com", "codepipeline.amazonaws.com"]
        );
        assert_eq!(
            s["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
        let launch = mlops_trust_policy(&facts(), MlopsRoleKind::Launch);
        assert_eq!(
            statements(&launch)[0]["Principal"]["Service"],
            json!(["servicecatalog.amazonaws.com"])
        );
    }

    #[test]
    fn the_build_role_makes_interfaces_for_codebuild_in_the_environments_subnets_only() {
        let doc = mlops_permissions_policy(&facts(), MlopsRoleKind::Build, &input());
        assert_well_formed(&doc);
        let s = statement(&doc, SID_VPC_INTERFACE_PERMISSION);
        assert_eq!(
            s["Condition"]["ArnEquals"]["ec2:Subnet"],
            json!([
                "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-a",
                "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-b"
            ])
        );
        assert_eq!(
            s["Condition"]["StringEquals"]["ec2:AuthorizedService"],
            "codebuild.amazonaws.com"
        );
    }

    #[test]
    fn the_build_role_passes_only_the_execution_role_to_sagemaker_and_the_deploy_role_to_cloudformation(
    ) {
        let doc = mlops_permissions_policy(&facts(), MlopsRoleKind::Build, &input());
        for s in statements(&doc) {
            for a in strings(&s["Action"]) {
                if action_matches(a, "iam:PassRole") {
                    assert!(
                        s["Sid"] == SID_PASS_EXECUTION_ROLE || s["Sid"] == SID_PASS_DEPLOY_ROLE,
                        "{s}"
                    );
                }
                assert!(!a.starts_with("iam:") || a == "iam:PassRole", "{a}");
            }
        }
        let pass = statement(&doc, SID_PASS_EXECUTION_ROLE);
        assert_eq!(pass["Resource"], input().execution_role_arn);
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            "sagemaker.amazonaws.com"
        );
        let deploy = statement(&doc, SID_PASS_DEPLOY_ROLE);
        assert_eq!(
            deploy["Resource"],
            "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-mlops-deploy"
        );
        assert_eq!(
            deploy["Condition"]["StringEquals"]["iam:PassedToService"],
            "cloudformation.amazonaws.com"
        );
    }

    #[test]
    fn the_events_role_only_starts_deploy_pipelines() {
        let doc = mlops_permissions_policy(&facts(), MlopsRoleKind::Events, &input());
        assert_eq!(statements(&doc).len(), 1);
        let start = statement(&doc, SID_START_DEPLOY);
        assert_eq!(start["Action"], "codepipeline:StartPipelineExecution");
        assert_eq!(
            start["Resource"],
            "arn:aws:codepipeline:eu-west-1:123456789012:sagemaker-p-*-deploy"
        );
        let trust = mlops_trust_policy(&facts(), MlopsRoleKind::Events);
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            json!(["events.amazonaws.com"])
        );
    }

    #[test]
    fn the_deploy_role_makes_only_project_endpoints_with_the_environments_keys() {
        let doc = mlops_permissions_policy(&facts(), MlopsRoleKind::Deploy, &input());
        let sids: Vec<&str> = statements(&doc)
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        assert_eq!(sids, DEPLOY_SIDS);
        for r in strings(&statement(&doc, SID_DEPLOY_ENDPOINTS)["Resource"]) {
            assert!(r.contains("/sagemaker-p-*"), "{r}");
        }
        let pass = statement(&doc, SID_DEPLOY_PASS_EXECUTION_ROLE);
        assert_eq!(pass["Resource"], input().execution_role_arn);
        let grants = statement(&doc, SID_DEPLOY_KEY_GRANTS);
        assert_eq!(
            grants["Resource"],
            json!([input().ebs_key_arn, input().data_key_arn])
        );
        assert_eq!(
            grants["Condition"]["Bool"]["kms:GrantIsForAWSResource"],
            "true"
        );
        let trust = mlops_trust_policy(&facts(), MlopsRoleKind::Deploy);
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            json!(["cloudformation.amazonaws.com"])
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
    }

    #[test]
    fn the_source_decides_which_source_statement_there_is() {
        let sids_for = |source: SourceSpec| {
            let mut i = input();
            i.source = source;
            let doc = mlops_permissions_policy(&facts(), MlopsRoleKind::Build, &i);
            sids(&doc)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let from_s3 = sids_for(SourceSpec::default());
        assert!(!from_s3
            .iter()
            .any(|s| s == SID_USE_CONNECTION || s == SID_CODECOMMIT));
        let connection = sids_for(SourceSpec {
            kind: SourceKind::CodeConnections,
            connection_arn: Some(
                "arn:aws:codeconnections:eu-west-1:123456789012:connection/x".into(),
            ),
            repository: Some("org/repo".into()),
            branch: "main".into(),
        });
        assert!(connection.iter().any(|s| s == SID_USE_CONNECTION));
        let codecommit = sids_for(SourceSpec {
            kind: SourceKind::CodeCommit,
            connection_arn: None,
            repository: Some("repo".into()),
            branch: "main".into(),
        });
        assert!(codecommit.iter().any(|s| s == SID_CODECOMMIT));
    }

    #[test]
    fn a_connection_is_named_in_both_service_forms() {
        assert_eq!(
            connection_arns("arn:aws:codestar-connections:eu-west-1:123456789012:connection/x"),
            [
                "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",
                "arn:aws:codestar-connections:eu-west-1:123456789012:connection/x"
            ]
        );
    }

    #[test]
    fn the_launch_role_passes_only_the_build_role_and_acts_on_project_resources() {
        let doc = mlops_permissions_policy(&facts(), MlopsRoleKind::Launch, &input());
        assert_well_formed(&doc);
        let pass = statement(&doc, SID_LAUNCH_PASS_BUILD_ROLE);
        assert_eq!(
            pass["Resource"],
            "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-mlops-build"
        );
        for s in statements(&doc) {
            for a in strings(&s["Action"]) {
                assert!(
                    !a.starts_with("iam:") || a == "iam:PassRole" || a == "iam:GetRole",
                    "{a}"
                );
            }
            if let Some(r) = s["Resource"].as_str() {
                if r != "*" && !r.starts_with("arn:aws:iam::") && !r.contains(":stack/") {
                    assert!(
                        r.contains("sagemaker-p-") || r.contains("model-package-group/"),
                        "{r}"
                    );
                }
            }
        }
    }
}
