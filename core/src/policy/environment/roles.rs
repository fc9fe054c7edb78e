//! Trust and permission policies of the environment's persona roles.
//!
//! * `data_scientist`, `team_admin`: assumed from the account (`arn:<partition>:iam::<account>:root`):
//!   which people may assume them is decided where the company decides it (SSO permission sets,
//!   IAM policies of its users), not here. SageMaker may assume them too: a person's Studio user
//!   profile runs their apps as their persona role.
//! * `execution`: assumed by SageMaker for Studio apps, jobs and pipelines.
//! * `sc_launch`: assumed by Service Catalog to launch the team's products.
//!
//! The inline permission policies are least privilege for what each persona does, and name the
//! environment's resources: its two buckets by ARN, its keys through `kms:ResourceAliases`
//! (aliases under [`alias_prefix`]). Keys cannot be named by ARN: their key policies name these
//! roles, so the keys are made after the roles and the roles cannot know the key ARNs.
//! SageMaker resources are limited to the environment's account and region: their names are the
//! user's choice, so no tighter pattern holds for all of them.
//!
//! Every statement has a stable `Sid` (the `SID_*` constants), so drift reports can name it.

use serde_json::{json, Value};

use super::packages::{package_read_statements, PackageRepositoryNames};
use super::{document, EnvironmentFacts};
use crate::ids::ENVIRONMENT_TAG;
use crate::ids::USER_TAG;
use crate::ids::{LogicalId, Persona, TeamProductKind, COMPONENT_TAG};

/// Sid of the trust statement letting the account's principals assume a people role.
pub const SID_TRUST_ACCOUNT: &str = "AllowAssumeRoleFromAccount";
/// Sid of the trust statement letting SageMaker assume a role (the execution role, and the people
/// roles that Studio user profiles run as).
pub const SID_TRUST_SAGEMAKER: &str = "AllowAssumeRoleBySageMaker";
/// Sid of the trust statement letting Service Catalog assume the launch role.
pub const SID_TRUST_SERVICE_CATALOG: &str = "AllowAssumeRoleByServiceCatalog";

/// Sid: describe SageMaker resources of the account and region.
pub const SID_SAGEMAKER_DESCRIBE: &str = "DescribeSageMakerResources";
/// Sid: list and search SageMaker resources (these calls take no resource).
pub const SID_SAGEMAKER_LIST: &str = "ListSageMakerResources";
/// Sid: describe the environment's Studio apps and spaces (Studio's own UI reads them).
pub const SID_STUDIO_DESCRIBE: &str = "DescribeStudioAppsAndSpaces";
/// Sid: open Studio (presigned domain URLs), only one's own profile of this environment.
pub const SID_STUDIO_SIGN_IN: &str = "OpenOwnStudioProfile";
/// Sid: create and delete the Studio apps of one's own profile.
pub const SID_STUDIO_APPS: &str = "ManageOwnStudioApps";
/// Sid: create, change and delete one's own Studio spaces and their apps.
pub const SID_STUDIO_SPACES: &str = "ManageOwnStudioSpaces";
/// Sid: tag SageMaker resources as part of creating them (not afterwards).
pub const SID_TAG_ON_CREATE: &str = "TagSageMakerResourcesOnCreate";
/// Sid: create jobs, models, pipelines and experiments tagged as the environment's.
pub const SID_SAGEMAKER_CREATE: &str = "CreateEnvironmentSageMakerResources";
/// Sid: run, change and delete the environment's jobs, models, pipelines and experiments.
pub const SID_SAGEMAKER_WORK: &str = "RunSageMakerJobsPipelinesAndExperiments";
/// Sid (deny): add the environment or user tag to a resource that already belongs to an
/// environment.
pub const SID_DENY_RETAGGING: &str = "DenyChangingEnvironmentTags";
/// Sid (deny): remove the environment or user tag.
pub const SID_DENY_UNTAGGING: &str = "DenyRemovingEnvironmentTags";
/// Sid (deny, data scientist and execution role): approve a model package.
pub const SID_DENY_MODEL_APPROVAL: &str = "DenyApprovingModelPackages";
/// Sid (deny, people): open Studio from outside the environment's VPC and allowed ranges.
pub const SID_DENY_SIGN_IN_ELSEWHERE: &str = "DenyStudioSignInFromElsewhere";
/// Sid (deny, the studio scope policy): Studio profiles, apps and spaces of other domains.
pub const SID_DENY_OTHER_DOMAINS: &str = "DenyStudioOfOtherDomains";
/// Name of the inline policy keeping a role's Studio actions in the environment's domain (put
/// on the roles once the domain exists: its id is in the ARNs).
pub const STUDIO_SCOPE_POLICY_NAME: &str = "secure-mlops-studio-scope";
/// The Studio actions that name one profile, app or space of one domain.
pub const STUDIO_DOMAIN_ACTIONS: &[&str] = &[
    "sagemaker:CreateApp",
    "sagemaker:CreatePresignedDomainUrl",
    "sagemaker:CreateSpace",
    "sagemaker:CreateUserProfile",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteSpace",
    "sagemaker:DeleteUserProfile",
    "sagemaker:UpdateSpace",
    "sagemaker:UpdateUserProfile",
];
/// Sid: hand the environment's execution role to SageMaker.
pub const SID_PASS_EXECUTION_ROLE: &str = "PassExecutionRoleToSageMaker";
/// Sid: list the environment's buckets.
pub const SID_BUCKETS_LIST: &str = "ListEnvironmentBuckets";
/// Sid: read and write objects of the environment's buckets.
pub const SID_BUCKETS_OBJECTS: &str = "ReadWriteEnvironmentBucketObjects";
/// Sid: use the environment's keys.
pub const SID_KMS_USE: &str = "UseEnvironmentKeys";
/// Sid: let AWS services use the environment's keys for resources they create.
pub const SID_KMS_GRANTS: &str = "GrantEnvironmentKeysToAwsServices";
/// Sid: read the environment's log groups.
pub const SID_LOGS_READ: &str = "ReadEnvironmentLogs";
/// Sid: read the log streams of the environment's SageMaker jobs.
pub const SID_LOGS_READ_JOBS: &str = "ReadEnvironmentJobLogStreams";
/// Sid (team admin): create user profiles tagged as the environment's.
pub const SID_CREATE_USER_PROFILES: &str = "CreateEnvironmentUserProfiles";
/// Sid (team admin): change and delete user profiles tagged as the environment's.
pub const SID_CHANGE_USER_PROFILES: &str = "ChangeEnvironmentUserProfiles";
/// Sid (execution): get an ECR authorization token.
pub const SID_ECR_AUTH: &str = "GetEcrAuthorizationToken";
/// Sid (execution): pull container images.
pub const SID_ECR_PULL: &str = "PullContainerImages";
/// Sid (execution): write SageMaker's log groups.
pub const SID_LOGS_WRITE: &str = "WriteSageMakerLogs";
/// Sid (execution): publish SageMaker metrics.
pub const SID_METRICS: &str = "PutSageMakerMetrics";
/// Sid (execution): describe the network SageMaker attaches to.
pub const SID_VPC_DESCRIBE: &str = "DescribeVpcResources";
/// Sid (execution): create and delete the network interfaces of VPC-attached compute.
pub const SID_VPC_INTERFACES: &str = "ManageNetworkInterfacesForVpcCompute";
/// Sid (execution): remove network-interface permissions (a call that takes no resource).
pub const SID_VPC_INTERFACE_PERMISSIONS: &str = "DeleteNetworkInterfacePermissionsForVpcCompute";
/// Sid (launch): manage the stacks Service Catalog launches.
pub const SID_CFN_STACKS: &str = "ManageServiceCatalogStacks";
/// Sid (launch): validate templates (these calls take no resource).
pub const SID_CFN_TEMPLATES: &str = "ValidateTemplates";
/// Sid (launch): read product templates Service Catalog stores.
pub const SID_PRODUCT_TEMPLATES: &str = "ReadProductTemplates";
/// Sid (launch): manage the SageMaker resources project templates make.
pub const SID_PROJECT_RESOURCES: &str = "ManageSageMakerProjectResources";
/// Sid: the launch role makes the team's notebook instances (tagged for the environment).
pub const SID_LAUNCH_NOTEBOOKS: &str = "LaunchTeamNotebookInstances";
/// Sid: the launch role changes and removes the team's notebook instances.
pub const SID_CHANGE_NOTEBOOKS: &str = "ChangeTeamNotebookInstances";
/// Sid: the launch role manages notebook lifecycle configurations (they carry no tags).
pub const SID_NOTEBOOK_LIFECYCLE: &str = "ManageNotebookLifecycleConfigs";
/// Sid: the launch role adds people's Studio profiles (tagged for the environment).
pub const SID_LAUNCH_PROFILES: &str = "LaunchTeamUserProfiles";
/// Sid: the launch role changes and removes them.
pub const SID_CHANGE_PROFILES: &str = "ChangeTeamUserProfiles";
/// Sid: the IAM Identity Center users the user profile handler reads.
pub const SID_PROFILE_READS: &str = "ReadIdentityCenterUsers";
/// Sid: the custom images the user profile handler reads.
pub const SID_PROFILE_IMAGES: &str = "DescribeStudioImages";
/// Sid: the launch role passes the people's roles to the profiles it makes.
pub const SID_PASS_PEOPLE_ROLES: &str = "PassPeopleRolesToStudioProfiles";
/// Sid: the people browse and launch the team portfolio's products.
pub const SID_CATALOG_BROWSE: &str = "BrowseServiceCatalogProducts";
/// Sid: the people launch the team products meant for them.
pub const SID_CATALOG_LAUNCH: &str = "LaunchTeamProducts";
/// Sid: the people change and terminate what they launched themselves.
pub const SID_CATALOG_OWN: &str = "ManageOwnProvisionedProducts";
/// Sid: creating SageMaker projects from the MLOps project templates and changing or deleting
/// them (what a project makes is launched by Service Catalog as the MLOps launch role, not as the
/// person).
pub const SID_PROJECTS: &str = "UseSageMakerProjects";
/// Sid: a project's own code in the MLOps bucket (`projects/`), uploaded from inside the VPC.
pub const SID_PROJECT_CODE: &str = "ReadWriteProjectCode";

/// Decrypting, encrypting and generating data keys: what S3, EBS and EFS ask of a caller.
pub const KMS_USE_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/// Object actions on the environment's buckets.
pub const BUCKET_OBJECT_ACTIONS: &[&str] = &[
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
];

/// Bucket-level read actions on the environment's buckets.
pub const BUCKET_LIST_ACTIONS: &[&str] = &[
    "s3:GetBucketLocation",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
];

/// Studio apps of a user profile.
pub const STUDIO_APP_ACTIONS: &[&str] = &["sagemaker:CreateApp", "sagemaker:DeleteApp"];

/// Studio spaces and the apps in them.
pub const STUDIO_SPACE_ACTIONS: &[&str] = &[
    "sagemaker:CreateApp",
    "sagemaker:CreateSpace",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteSpace",
    "sagemaker:UpdateSpace",
];

/// Jobs, models, pipelines, experiments and model registry.
///
/// The `Create*` calls among them are allowed only with the environment's tag in the request
/// ([`SID_SAGEMAKER_CREATE`]), every other call only on resources carrying it.
pub const SAGEMAKER_WORK_ACTIONS: &[&str] = &[
    "sagemaker:AddAssociation",
    "sagemaker:AssociateTrialComponent",
    "sagemaker:BatchPutMetrics",
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateExperiment",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateModelPackage",
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:CreatePipeline",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
    "sagemaker:CreateTrial",
    "sagemaker:CreateTrialComponent",
    "sagemaker:DeleteExperiment",
    "sagemaker:DeleteModel",
    "sagemaker:DeletePipeline",
    "sagemaker:DeleteTrial",
    "sagemaker:DeleteTrialComponent",
    "sagemaker:DisassociateTrialComponent",
    "sagemaker:RetryPipelineExecution",
    "sagemaker:SendPipelineExecutionStepFailure",
    "sagemaker:SendPipelineExecutionStepSuccess",
    "sagemaker:StartPipelineExecution",
    "sagemaker:StopAutoMLJob",
    "sagemaker:StopHyperParameterTuningJob",
    "sagemaker:StopPipelineExecution",
    "sagemaker:StopProcessingJob",
    "sagemaker:StopTrainingJob",
    "sagemaker:StopTransformJob",
    "sagemaker:UpdateExperiment",
    "sagemaker:UpdateModelPackage",
    "sagemaker:UpdatePipeline",
    "sagemaker:UpdatePipelineExecution",
    "sagemaker:UpdateTrial",
    "sagemaker:UpdateTrialComponent",
];

/// SageMaker resource types [`SAGEMAKER_WORK_ACTIONS`] act on (ARN resource prefixes).
///
/// `action`, `artifact` and `context` are lineage entities: `sagemaker:AddAssociation` links them
/// (and trial components) and is checked on them.
pub const SAGEMAKER_WORK_RESOURCE_TYPES: &[&str] = &[
    "action",
    "artifact",
    "automl-job",
    "context",
    "experiment",
    "experiment-trial",
    "experiment-trial-component",
    "hyper-parameter-tuning-job",
    "model",
    "model-package",
    "model-package-group",
    "pipeline",
    "processing-job",
    "training-job",
    "transform-job",
];

/// The role name of `persona` in environment `env_id`: `<env_id>-<persona key with '-'>`.
pub fn persona_role_name(env_id: &str, persona: Persona) -> String {
    format!("{env_id}-{}", persona.key().replace('_', "-"))
}

/// The environment id, `<name>-<stage>`.
fn env_id(facts: &EnvironmentFacts) -> String {
    format!("{}-{}", facts.name, facts.stage)
}

/// The prefix of every KMS alias of the environment, `alias/secure-mlops/<env_id>/`.
pub fn alias_prefix(facts: &EnvironmentFacts) -> String {
    format!("alias/secure-mlops/{}/", env_id(facts))
}

/// The IAM path of every role and managed policy the environment creates. The engine's own
/// permissions (`cfn/custom-resource.yaml`, `examples/iam/`) allow creating roles only under it.
pub const IAM_PATH: &str = "/secure-mlops/";

/// The ARN of the role `name` the environment creates (under [`IAM_PATH`]).
pub fn environment_role_arn(partition: &str, account_id: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:role{IAM_PATH}{name}")
}

/// The ARN of the managed policy `name` the environment creates (under [`IAM_PATH`]).
pub fn environment_policy_arn(partition: &str, account_id: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:policy{IAM_PATH}{name}")
}

/// The ARN of the environment's own execution role.
///
/// The permission policies name this role for `iam:PassRole`. An environment that brings its own
/// execution role passes that one instead, which these policies do not allow.
pub fn execution_role_arn(facts: &EnvironmentFacts) -> String {
    environment_role_arn(
        &facts.partition,
        &facts.account_id,
        &persona_role_name(&env_id(facts), Persona::Execution),
    )
}

/// Sid of the trust statement letting a person tag their session with their own user (the
/// `secure-mlops:user` tag Studio sign-in and app ownership compare), never another's.
pub const SID_TRUST_OWN_USER_TAG: &str = "AllowTaggingSessionsWithOwnUser";
/// Sid of the trust statement letting a person pass session tags other than the user tag.
pub const SID_TRUST_OTHER_TAGS: &str = "AllowSessionTagsOtherThanUser";
/// Sid of the trust statement letting a person set their own user, or keep the one their
/// session already has, as source identity.
pub const SID_TRUST_SOURCE_IDENTITY: &str = "AllowOwnSourceIdentity";

/// What SageMaker may do on the roles it assumes: assume them and, with the domain's
/// `ExecutionRoleIdentityConfig = USER_PROFILE_NAME`, set the profile name as source identity.
pub const SAGEMAKER_TRUST_ACTIONS: &[&str] = &["sts:AssumeRole", "sts:SetSourceIdentity"];

/// Who may assume the role of `persona`.
///
/// SageMaker is trusted only on behalf of this account (`aws:SourceAccount`), the confused-deputy
/// protection AWS documents for service roles: a SageMaker resource of another account cannot be
/// made to run as these roles.
pub fn trust_policy(facts: &EnvironmentFacts, persona: Persona) -> Value {
    let sagemaker = json!({
        "Sid": SID_TRUST_SAGEMAKER,
        "Effect": "Allow",
        "Principal": { "Service": "sagemaker.amazonaws.com" },
        "Action": SAGEMAKER_TRUST_ACTIONS,
        "Condition": { "StringEquals": { "aws:SourceAccount": facts.account_id } }
    });
    let statements = match persona {
        // A separate statement, not a second principal in the account one, so that drift names
        // which of the two changed.
        // Whoever may assume a people role may tag the session and set its source identity
        // only with their own user: both are what Studio sign-in and app ownership compare, so
        // a free choice would let anyone who may assume the role be any user of it.
        Persona::DataScientist | Persona::TeamAdmin => {
            let principals = people_principals(facts);
            let user_tag = format!("aws:RequestTag/{USER_TAG}");
            let own_user = format!("${{aws:PrincipalTag/{USER_TAG}}}");
            vec![
                json!({
                    "Sid": SID_TRUST_ACCOUNT,
                    "Effect": "Allow",
                    "Principal": { "AWS": principals.clone() },
                    "Action": "sts:AssumeRole"
                }),
                json!({
                    "Sid": SID_TRUST_OWN_USER_TAG,
                    "Effect": "Allow",
                    "Principal": { "AWS": principals.clone() },
                    "Action": "sts:TagSession",
                    "Condition": { "StringEquals": { user_tag.clone(): own_user.clone() } }
                }),
                json!({
                    "Sid": SID_TRUST_OTHER_TAGS,
                    "Effect": "Allow",
                    "Principal": { "AWS": principals.clone() },
                    "Action": "sts:TagSession",
                    "Condition": { "Null": { user_tag: "true" } }
                }),
                json!({
                    "Sid": SID_TRUST_SOURCE_IDENTITY,
                    "Effect": "Allow",
                    "Principal": { "AWS": principals },
                    "Action": "sts:SetSourceIdentity",
                    "Condition": { "StringEquals": {
                        "sts:SourceIdentity": [own_user, "${aws:SourceIdentity}"]
                    } }
                }),
                sagemaker,
            ]
        }
        Persona::Execution => vec![sagemaker],
        Persona::ScLaunch => vec![json!({
            "Sid": SID_TRUST_SERVICE_CATALOG,
            "Effect": "Allow",
            "Principal": { "Service": "servicecatalog.amazonaws.com" },
            "Action": "sts:AssumeRole"
        })],
    };
    document(statements)
}

/// Where people may open Studio from (`studio.access`): the environment's VPC (calls through its
/// `sagemaker.api` endpoint carry `aws:SourceVpc`) and public ranges (`aws:SourceIp`). Neither
/// set: no limit beyond the identity checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInSources {
    /// The environment's VPC, when sign-in must come through it.
    pub vpc_id: Option<String>,
    /// Public IPv4 ranges sign-in may come from.
    pub cidrs: Vec<String>,
}

/// Denies `CreatePresignedDomainUrl` unless the call comes through the environment's VPC or from
/// an allowed range (the conditions of one statement must all hold for the deny: a call is
/// refused only when it matches neither source). Negated operators match when the key is
/// absent: a call from the internet has no `aws:SourceVpc`, a call through an endpoint no
/// `aws:SourceIp`.
fn deny_sign_in_elsewhere(facts: &EnvironmentFacts, sources: &SignInSources) -> Option<Value> {
    let mut condition = serde_json::Map::new();
    if let Some(vpc) = &sources.vpc_id {
        condition.insert("StringNotEquals".into(), json!({ "aws:SourceVpc": vpc }));
    }
    if !sources.cidrs.is_empty() {
        let mut cidrs = sources.cidrs.clone();
        cidrs.sort();
        cidrs.dedup();
        condition.insert("NotIpAddress".into(), json!({ "aws:SourceIp": cidrs }));
    }
    if condition.is_empty() {
        return None;
    }
    Some(json!({
        "Sid": SID_DENY_SIGN_IN_ELSEWHERE,
        "Effect": "Deny",
        "Action": "sagemaker:CreatePresignedDomainUrl",
        "Resource": sagemaker_arn(facts, "user-profile/*/*"),
        "Condition": condition
    }))
}

/// The studio scope policy: the Studio actions of [`STUDIO_DOMAIN_ACTIONS`] are denied on every
/// profile, app and space that is not of the environment's domain `domain_id`. Profile ARNs
/// carry the domain id (`user-profile/<domain>/<name>`) and no condition key names the domain,
/// so this can only be written once the domain exists; the permission policies, written before,
/// allow these actions by tag and user, which a profile made in another domain could carry.
pub fn studio_scope_policy(facts: &EnvironmentFacts, domain_id: &str) -> Value {
    let own: Vec<String> = ["user-profile", "app", "space"]
        .iter()
        .map(|kind| sagemaker_arn(facts, &format!("{kind}/{domain_id}/*")))
        .collect();
    document(vec![json!({
        "Sid": SID_DENY_OTHER_DOMAINS,
        "Effect": "Deny",
        "Action": STUDIO_DOMAIN_ACTIONS,
        "NotResource": own
    })])
}

/// Who may assume the people's roles: the principals `iam.trusted_principal_arns` names (one
/// ARN as a string, several as a sorted list, as IAM writes them back), else the account (whose
/// IAM policies then decide).
fn people_principals(facts: &EnvironmentFacts) -> Value {
    let mut arns = facts.trusted_principal_arns.clone();
    arns.sort();
    arns.dedup();
    match arns.as_slice() {
        [] => json!(facts.account_root_arn()),
        [one] => json!(one),
        many => json!(many),
    }
}

/// The inline permission policy of `persona`, for an environment whose buckets are
/// `bucket_names`. With no bucket names the bucket statements are left out (IAM rejects an empty
/// `Resource`).
pub fn permissions_policy(
    facts: &EnvironmentFacts,
    persona: Persona,
    bucket_names: &[String],
) -> Value {
    persona_permissions_policy(
        facts,
        persona,
        bucket_names,
        &SignInSources::default(),
        None,
    )
}

/// [`permissions_policy`], with Studio sign-in limited to `sign_in` for the people's roles, and
/// reading the package repository `packages` for the people and the execution role.
pub fn persona_permissions_policy(
    facts: &EnvironmentFacts,
    persona: Persona,
    bucket_names: &[String],
    sign_in: &SignInSources,
    packages: Option<&PackageRepositoryNames>,
) -> Value {
    let mut statements = Vec::new();
    match persona {
        Persona::DataScientist => {
            statements.extend(sagemaker_user(facts));
            statements.push(deny_model_approval());
            statements.push(studio_sign_in(facts));
            statements.extend(deny_sign_in_elsewhere(facts, sign_in));
            statements.extend(logs_read(facts));
            statements.extend(team_products_use(facts, persona));
        }
        Persona::TeamAdmin => {
            statements.extend(sagemaker_user(facts));
            statements.push(studio_sign_in(facts));
            statements.extend(deny_sign_in_elsewhere(facts, sign_in));
            statements.extend(logs_read(facts));
            statements.extend(user_profile_management(facts));
            statements.extend(team_products_use(facts, persona));
        }
        Persona::Execution => {
            statements.extend(sagemaker_user(facts));
            statements.push(deny_model_approval());
            statements.extend(execution_runtime(facts));
        }
        Persona::ScLaunch => {
            statements.extend(launch(facts));
            statements.extend(team_products_launch(facts));
            statements.push(pass_execution_role(facts));
        }
    }
    if let Some(names) = packages.filter(|_| persona != Persona::ScLaunch) {
        statements.extend(package_read_statements(facts, names));
    }
    statements.extend(buckets(facts, bucket_names));
    // Grants too for the launch role: a notebook instance's volume key is granted to SageMaker by
    // whoever creates the instance.
    statements.extend(keys(facts, true));
    document(statements)
}

fn ec2_arn(facts: &EnvironmentFacts, resource: &str) -> String {
    format!(
        "arn:{}:ec2:{}:{}:{resource}",
        facts.partition, facts.region, facts.account_id
    )
}

fn sagemaker_arn(facts: &EnvironmentFacts, resource: &str) -> String {
    format!(
        "arn:{}:sagemaker:{}:{}:{resource}",
        facts.partition, facts.region, facts.account_id
    )
}

fn log_groups_arn(facts: &EnvironmentFacts) -> String {
    // `*` also matches `:log-stream:<name>`, so streams of these groups are covered.
    format!(
        "arn:{}:logs:{}:{}:log-group:/aws/sagemaker/*",
        facts.partition, facts.region, facts.account_id
    )
}

/// What anyone working in the environment's SageMaker needs: read, Studio apps, jobs and
/// pipelines, and passing the execution role to them.
///
/// **The environment boundary is the environment tag** ([`ENVIRONMENT_TAG`] = `<name>-<stage>`):
/// SageMaker resource names are the user's choice and domain ids are only known after these
/// roles exist, so no ARN pattern tells environments apart. Creates must carry the tag
/// (`aws:RequestTag`), every other call needs it on the resource (`aws:ResourceTag`), tags can
/// only be written as part of a create (`sagemaker:TaggingAction`), and nobody may add the tag to
/// a resource that already has one or remove it ([`SID_DENY_RETAGGING`], [`SID_DENY_UNTAGGING`]).
/// So a resource of another environment can neither be read, changed nor adopted. Callers (the
/// SageMaker SDK, pipelines) pass the tag on every create.
///
/// **Apps and spaces belong to a person**: a profile's apps are named by the profile in their ARN
/// (`app/<domain>/<profile>/...`) and a private space's owner is `sagemaker:OwnerUserProfileArn`.
/// The profile is the caller's own when its name is the caller's [`USER_TAG`] session tag (signed
/// in from outside) or the session's source identity (inside Studio, with the domain's
/// `ExecutionRoleIdentityConfig = USER_PROFILE_NAME`). Domain ids are not known here, so a
/// person with profiles of the same name in two domains of the account reaches both.
fn sagemaker_user(facts: &EnvironmentFacts) -> Vec<Value> {
    let env = env_id(facts);
    let work_resources: Vec<String> = SAGEMAKER_WORK_RESOURCE_TYPES
        .iter()
        .map(|t| sagemaker_arn(facts, &format!("{t}/*")))
        .collect();
    let creates: Vec<&str> = SAGEMAKER_WORK_ACTIONS
        .iter()
        .copied()
        .filter(|a| a.starts_with("sagemaker:Create"))
        .collect();
    let others: Vec<&str> = SAGEMAKER_WORK_ACTIONS
        .iter()
        .copied()
        .filter(|a| !a.starts_with("sagemaker:Create"))
        .collect();
    let own_profiles: Vec<String> = OWN_PROFILE_VARIABLES
        .iter()
        .map(|v| sagemaker_arn(facts, &format!("user-profile/*/{v}")))
        .collect();
    let own_apps: Vec<String> = OWN_PROFILE_VARIABLES
        .iter()
        .map(|v| sagemaker_arn(facts, &format!("app/*/{v}/*")))
        .collect();
    let environment_tag = format!("aws:ResourceTag/{ENVIRONMENT_TAG}");
    vec![
        json!({
            "Sid": SID_SAGEMAKER_DESCRIBE,
            "Effect": "Allow",
            "Action": ["sagemaker:Describe*", "sagemaker:Get*", "sagemaker:BatchDescribe*"],
            "Resource": sagemaker_arn(facts, "*"),
            "Condition": { "StringEquals": { environment_tag.clone(): env } }
        }),
        json!({
            "Sid": SID_STUDIO_DESCRIBE,
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeApp", "sagemaker:DescribeSpace"],
            "Resource": [sagemaker_arn(facts, "app/*"), sagemaker_arn(facts, "space/*")]
        }),
        json!({
            "Sid": SID_SAGEMAKER_LIST,
            "Effect": "Allow",
            "Action": ["sagemaker:List*", "sagemaker:Search", "sagemaker:GetSearchSuggestions"],
            "Resource": "*"
        }),
        json!({
            "Sid": SID_STUDIO_APPS,
            "Effect": "Allow",
            "Action": STUDIO_APP_ACTIONS,
            "Resource": own_apps
        }),
        json!({
            "Sid": SID_STUDIO_SPACES,
            "Effect": "Allow",
            "Action": STUDIO_SPACE_ACTIONS,
            "Resource": [sagemaker_arn(facts, "app/*"), sagemaker_arn(facts, "space/*")],
            "Condition": { "ArnLike": { "sagemaker:OwnerUserProfileArn": own_profiles } }
        }),
        json!({
            "Sid": SID_TAG_ON_CREATE,
            "Effect": "Allow",
            "Action": "sagemaker:AddTags",
            "Resource": sagemaker_arn(facts, "*"),
            "Condition": { "Null": { "sagemaker:TaggingAction": "false" } }
        }),
        json!({
            "Sid": SID_SAGEMAKER_CREATE,
            "Effect": "Allow",
            "Action": creates,
            "Resource": work_resources,
            "Condition": { "StringEquals": { format!("aws:RequestTag/{ENVIRONMENT_TAG}"): env } }
        }),
        json!({
            "Sid": SID_SAGEMAKER_WORK,
            "Effect": "Allow",
            "Action": others,
            "Resource": work_resources,
            "Condition": { "StringEquals": { environment_tag: env } }
        }),
        json!({
            "Sid": SID_DENY_RETAGGING,
            "Effect": "Deny",
            "Action": "sagemaker:AddTags",
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": { "aws:TagKeys": [ENVIRONMENT_TAG, USER_TAG] },
                "Null": { format!("aws:ResourceTag/{ENVIRONMENT_TAG}"): "false" }
            }
        }),
        json!({
            "Sid": SID_DENY_UNTAGGING,
            "Effect": "Deny",
            "Action": "sagemaker:DeleteTags",
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": { "aws:TagKeys": [ENVIRONMENT_TAG, USER_TAG] }
            }
        }),
        pass_execution_role(facts),
    ]
}

/// The policy variables naming the caller's own profile: the session tag the identity provider
/// passes when a person assumes a people role, and the source identity SageMaker sets on the
/// sessions of Studio apps.
const OWN_PROFILE_VARIABLES: &[&str] = &[
    "${aws:PrincipalTag/secure-mlops:user}",
    "${aws:SourceIdentity}",
];

/// Only the team admin approves models: a data scientist or a pipeline running as the execution
/// role cannot create or change a model package to `Approved`, which deployments act on.
fn deny_model_approval() -> Value {
    json!({
        "Sid": SID_DENY_MODEL_APPROVAL,
        "Effect": "Deny",
        "Action": ["sagemaker:CreateModelPackage", "sagemaker:UpdateModelPackage"],
        "Resource": "*",
        "Condition": { "StringEquals": { "sagemaker:ModelApprovalStatus": "Approved" } }
    })
}

fn pass_execution_role(facts: &EnvironmentFacts) -> Value {
    // Only to SageMaker: passing it to another service (a Lambda function, EC2) would run code
    // with the environment's data access outside SageMaker's guardrails.
    json!({
        "Sid": SID_PASS_EXECUTION_ROLE,
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": execution_role_arn(facts),
        "Condition": { "StringEquals": { "iam:PassedToService": "sagemaker.amazonaws.com" } }
    })
}

/// Studio sign-in: only to one's own profile of this environment.
///
/// AWS's documented pattern for per-user Studio access: the profile carries the person's
/// identity as a tag ([`USER_TAG`] = the profile name; the engine sets it on every profile it
/// creates) and the caller's session carries the same key as a session tag from the identity
/// provider (SAML/OIDC attribute `https://aws.amazon.com/SAML/Attributes/PrincipalTag:secure-mlops:user`,
/// or IAM Identity Center's attributes for access control). A session without the tag matches
/// no profile. The profile must also carry the environment's tag, so another environment's
/// profile (of the same user name) is not reachable with this role.
fn studio_sign_in(facts: &EnvironmentFacts) -> Value {
    json!({
        "Sid": SID_STUDIO_SIGN_IN,
        "Effect": "Allow",
        "Action": "sagemaker:CreatePresignedDomainUrl",
        "Resource": sagemaker_arn(facts, "user-profile/*/*"),
        "Condition": { "StringEquals": {
            format!("aws:ResourceTag/{ENVIRONMENT_TAG}"): env_id(facts),
            format!("aws:ResourceTag/{USER_TAG}"): format!("${{aws:PrincipalTag/{USER_TAG}}}")
        } }
    })
}

/// Reading logs: the environment's own log groups, and the streams SageMaker writes for the
/// environment's jobs in its shared groups (`/aws/sagemaker/TrainingJobs`, ...), which are named
/// after the job, so only for jobs whose name starts with the environment id. Whole SageMaker
/// groups are not searchable (`FilterLogEvents` works on a group, the group is shared by every
/// environment of the account).
fn logs_read(facts: &EnvironmentFacts) -> Vec<Value> {
    vec![
        json!({
            "Sid": SID_LOGS_READ,
            "Effect": "Allow",
            "Action": ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"],
            "Resource": facts.log_group_arn_pattern()
        }),
        json!({
            "Sid": SID_LOGS_READ_JOBS,
            "Effect": "Allow",
            "Action": "logs:GetLogEvents",
            "Resource": format!(
                "arn:{}:logs:{}:{}:log-group:/aws/sagemaker/*:log-stream:{}-*",
                facts.partition, facts.region, facts.account_id, env_id(facts)
            )
        }),
    ]
}

/// The team admin manages user profiles, but only the environment's: a new profile must carry
/// the environment's tag, and only profiles carrying it can be changed. The engine tags every
/// profile it creates so.
fn user_profile_management(facts: &EnvironmentFacts) -> Vec<Value> {
    let tag_key = ENVIRONMENT_TAG;
    let env = env_id(facts);
    vec![
        json!({
            // Tags go on with the create (TagSageMakerResourcesOnCreate): a standalone AddTags
            // could adopt an untagged profile of any domain.
            "Sid": SID_CREATE_USER_PROFILES,
            "Effect": "Allow",
            "Action": "sagemaker:CreateUserProfile",
            "Resource": sagemaker_arn(facts, "user-profile/*"),
            "Condition": { "StringEquals": { format!("aws:RequestTag/{tag_key}"): env } }
        }),
        json!({
            "Sid": SID_CHANGE_USER_PROFILES,
            "Effect": "Allow",
            "Action": ["sagemaker:DeleteUserProfile", "sagemaker:UpdateUserProfile"],
            "Resource": sagemaker_arn(facts, "user-profile/*"),
            "Condition": { "StringEquals": { format!("aws:ResourceTag/{tag_key}"): env } }
        }),
    ]
}

/// What SageMaker jobs and Studio apps need at run time as the execution role.
fn execution_runtime(facts: &EnvironmentFacts) -> Vec<Value> {
    let vpc_interface_resources: Vec<String> =
        ["network-interface/*", "security-group/*", "subnet/*"]
            .iter()
            .map(|r| ec2_arn(facts, r))
            .collect();
    vec![
        json!({
            "Sid": SID_ECR_AUTH,
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*"
        }),
        // Any account: SageMaker's own framework images live in AWS-owned accounts.
        json!({
            "Sid": SID_ECR_PULL,
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer"
            ],
            "Resource": format!("arn:{}:ecr:{}:*:repository/*", facts.partition, facts.region)
        }),
        json!({
            "Sid": SID_LOGS_WRITE,
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
                "logs:PutLogEvents"
            ],
            "Resource": log_groups_arn(facts)
        }),
        json!({
            "Sid": SID_METRICS,
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": { "StringLike": { "cloudwatch:namespace": "/aws/sagemaker/*" } }
        }),
        json!({
            "Sid": SID_VPC_DESCRIBE,
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs"
            ],
            "Resource": "*"
        }),
        // The subnets and groups are the environment's, but SageMaker may create the interface
        // before the request names them in a way IAM can match; the guardrail policy is what
        // keeps compute in the environment's VPC. The interfaces, subnets and groups are this
        // account's in this region (SageMaker creates the interface in the customer's VPC).
        json!({
            "Sid": SID_VPC_INTERFACES,
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface"
            ],
            "Resource": vpc_interface_resources
        }),
        // The call names a permission id; IAM authorizes it on the interface the permission
        // belongs to (the service authorization reference lists `network-interface`), so it is
        // limited to this account and region's interfaces, not "*" (cloudsplaining counted "*"
        // as resource exposure). Deleting a permission can only take access away.
        json!({
            "Sid": SID_VPC_INTERFACE_PERMISSIONS,
            "Effect": "Allow",
            "Action": "ec2:DeleteNetworkInterfacePermission",
            "Resource": ec2_arn(facts, "network-interface/*")
        }),
    ]
}

/// What Service Catalog needs to launch the team's products (CloudFormation stacks making
/// SageMaker project resources).
fn launch(facts: &EnvironmentFacts) -> Vec<Value> {
    let project_resources: Vec<String> = ["model-package-group/*", "pipeline/*", "project/*"]
        .iter()
        .map(|r| sagemaker_arn(facts, r))
        .collect();
    vec![
        // Service Catalog names the stacks it launches `SC-<account>-pp-<id>`.
        json!({
            "Sid": SID_CFN_STACKS,
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
            "Resource": format!(
                "arn:{}:cloudformation:{}:{}:stack/SC-*",
                facts.partition, facts.region, facts.account_id
            )
        }),
        json!({
            "Sid": SID_CFN_TEMPLATES,
            "Effect": "Allow",
            "Action": ["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"],
            "Resource": "*"
        }),
        // Service Catalog tags the template objects it stores so; other objects stay unreadable.
        json!({
            "Sid": SID_PRODUCT_TEMPLATES,
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "StringEquals": { "s3:ExistingObjectTag/servicecatalog:provisioning": "true" }
            }
        }),
        json!({
            "Sid": SID_PROJECT_RESOURCES,
            "Effect": "Allow",
            "Action": [
                "sagemaker:AddTags",
                "sagemaker:CreateModelPackageGroup",
                "sagemaker:CreatePipeline",
                "sagemaker:DeleteModelPackageGroup",
                "sagemaker:DeletePipeline",
                "sagemaker:DeleteTags",
                "sagemaker:DescribeModelPackageGroup",
                "sagemaker:DescribePipeline",
                "sagemaker:DescribeProject",
                "sagemaker:ListTags",
                "sagemaker:UpdatePipeline"
            ],
            "Resource": project_resources
        }),
    ]
}

/// What launching, changing and terminating the team products takes
/// (`cfn/products/team/`): the permissions CloudFormation's handlers for
/// `AWS::SageMaker::NotebookInstance`, `NotebookInstanceLifecycleConfig` and `UserProfile` list
/// (a packaging test compares them with the registry schemas), each limited to the
/// environment's tagged resources where SageMaker can tell. The guardrail policy on this role
/// still refuses a notebook outside the VPC, without the key, with root access or on a
/// forbidden instance type.
fn team_products_launch(facts: &EnvironmentFacts) -> Vec<Value> {
    let env = env_id(facts);
    let request_tag = json!({ format!("aws:RequestTag/{ENVIRONMENT_TAG}"): env });
    let resource_tag = json!({ format!("aws:ResourceTag/{ENVIRONMENT_TAG}"): env });
    let people_roles: Vec<String> = [Persona::DataScientist, Persona::TeamAdmin]
        .iter()
        .map(|p| {
            environment_role_arn(
                &facts.partition,
                &facts.account_id,
                &persona_role_name(&env, *p),
            )
        })
        .collect();
    let interfaces: Vec<String> = ["network-interface/*", "security-group/*", "subnet/*"]
        .iter()
        .map(|r| ec2_arn(facts, r))
        .collect();
    vec![
        json!({
            "Sid": SID_LAUNCH_NOTEBOOKS,
            "Effect": "Allow",
            "Action": ["sagemaker:AddTags", "sagemaker:CreateNotebookInstance"],
            "Resource": sagemaker_arn(facts, "notebook-instance/*"),
            "Condition": { "StringEquals": request_tag.clone() }
        }),
        json!({
            "Sid": SID_CHANGE_NOTEBOOKS,
            "Effect": "Allow",
            "Action": [
                "sagemaker:DeleteNotebookInstance",
                "sagemaker:DescribeNotebookInstance",
                "sagemaker:ListTags",
                "sagemaker:StartNotebookInstance",
                "sagemaker:StopNotebookInstance",
                "sagemaker:UpdateNotebookInstance"
            ],
            "Resource": sagemaker_arn(facts, "notebook-instance/*"),
            "Condition": { "StringEquals": resource_tag.clone() }
        }),
        json!({
            "Sid": SID_NOTEBOOK_LIFECYCLE,
            "Effect": "Allow",
            "Action": [
                "sagemaker:AddTags",
                "sagemaker:CreateNotebookInstanceLifecycleConfig",
                "sagemaker:DeleteNotebookInstanceLifecycleConfig",
                "sagemaker:DeleteTags",
                "sagemaker:DescribeNotebookInstanceLifecycleConfig",
                "sagemaker:ListTags",
                "sagemaker:UpdateNotebookInstanceLifecycleConfig"
            ],
            "Resource": sagemaker_arn(facts, "notebook-instance-lifecycle-config/*")
        }),
        json!({
            "Sid": SID_LAUNCH_PROFILES,
            "Effect": "Allow",
            "Action": ["sagemaker:AddTags", "sagemaker:CreateUserProfile"],
            "Resource": sagemaker_arn(facts, "user-profile/*"),
            "Condition": { "StringEquals": request_tag }
        }),
        json!({
            "Sid": SID_CHANGE_PROFILES,
            "Effect": "Allow",
            "Action": [
                "sagemaker:DeleteTags",
                "sagemaker:DeleteUserProfile",
                "sagemaker:DescribeUserProfile",
                "sagemaker:ListTags",
                "sagemaker:UpdateUserProfile"
            ],
            "Resource": sagemaker_arn(facts, "user-profile/*"),
            "Condition": { "StringEquals": resource_tag }
        }),
        json!({
            "Sid": SID_PROFILE_READS,
            "Effect": "Allow",
            "Action": [
                "identitystore:DescribeUser",
                "identitystore:ListUsers",
                "sso:DescribeInstance",
                "sso:ListInstances"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": SID_PROFILE_IMAGES,
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeImage", "sagemaker:DescribeImageVersion"],
            "Resource": [sagemaker_arn(facts, "image/*"), sagemaker_arn(facts, "image-version/*")]
        }),
        json!({
            "Sid": SID_PASS_PEOPLE_ROLES,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": people_roles,
            "Condition": { "StringEquals": { "iam:PassedToService": "sagemaker.amazonaws.com" } }
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
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission"
            ],
            "Resource": interfaces
        }),
    ]
}

/// What a person needs to browse and launch the team portfolio's products. Service Catalog
/// shows a person only the portfolios shared with their role; launching is limited to products
/// tagged for the environment, and the Studio user profile product to team administrators
/// (by its component tag). What someone launched only they can change or terminate
/// (`servicecatalog:userLevel`).
fn team_products_use(facts: &EnvironmentFacts, persona: Persona) -> Vec<Value> {
    let env = env_id(facts);
    let products = format!(
        "arn:{}:catalog:{}:{}:product/*",
        facts.partition, facts.region, facts.account_id
    );
    let mut launch_condition = json!({
        "StringEquals": { format!("aws:ResourceTag/{ENVIRONMENT_TAG}"): env }
    });
    if persona != Persona::TeamAdmin {
        // The notebook instance and the MLOps project templates; not the user profile product.
        launch_condition["StringLike"] = json!({
            format!("aws:ResourceTag/{COMPONENT_TAG}"): [
                LogicalId::TeamProduct(TeamProductKind::NotebookInstance).to_string(),
                "mlops-template-*"
            ]
        });
    }
    vec![
        json!({
            "Sid": SID_CATALOG_BROWSE,
            "Effect": "Allow",
            "Action": [
                "servicecatalog:DescribeProduct",
                "servicecatalog:DescribeProductView",
                "servicecatalog:DescribeProvisioningParameters",
                "servicecatalog:DescribeRecord",
                "servicecatalog:ListLaunchPaths",
                "servicecatalog:ListRecordHistory",
                "servicecatalog:ScanProvisionedProducts",
                "servicecatalog:SearchProducts",
                "servicecatalog:SearchProvisionedProducts"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": SID_CATALOG_LAUNCH,
            "Effect": "Allow",
            "Action": "servicecatalog:ProvisionProduct",
            "Resource": products,
            "Condition": launch_condition
        }),
        json!({
            "Sid": SID_CATALOG_OWN,
            "Effect": "Allow",
            "Action": [
                "servicecatalog:DescribeProvisionedProduct",
                "servicecatalog:GetProvisionedProductOutputs",
                "servicecatalog:TerminateProvisionedProduct",
                "servicecatalog:UpdateProvisionedProduct"
            ],
            "Resource": format!(
                "arn:{}:servicecatalog:{}:{}:stack/*/pp-*",
                facts.partition, facts.region, facts.account_id
            ),
            "Condition": { "StringEquals": { "servicecatalog:userLevel": "self" } }
        }),
        json!({
            "Sid": SID_PROJECTS,
            "Effect": "Allow",
            "Action": [
                "sagemaker:CreateProject",
                "sagemaker:DeleteProject",
                "sagemaker:DescribeProject",
                "sagemaker:UpdateProject"
            ],
            "Resource": sagemaker_arn(facts, "project/*")
        }),
        json!({
            "Sid": SID_PROJECT_CODE,
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": format!(
                "{}/projects/*",
                facts.bucket_arn(&super::mlops::mlops_bucket_name(facts))
            )
        }),
    ]
}

fn buckets(facts: &EnvironmentFacts, bucket_names: &[String]) -> Vec<Value> {
    let mut names = bucket_names.to_vec();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Vec::new();
    }
    let bucket_arns: Vec<String> = names.iter().map(|b| facts.bucket_arn(b)).collect();
    let object_arns: Vec<String> = bucket_arns.iter().map(|b| format!("{b}/*")).collect();
    vec![
        json!({
            "Sid": SID_BUCKETS_LIST,
            "Effect": "Allow",
            "Action": BUCKET_LIST_ACTIONS,
            "Resource": bucket_arns
        }),
        json!({
            "Sid": SID_BUCKETS_OBJECTS,
            "Effect": "Allow",
            "Action": BUCKET_OBJECT_ACTIONS,
            "Resource": object_arns
        }),
    ]
}

/// Use of the environment's keys, matched by alias. `grants`: also let AWS services (EBS, EFS,
/// SageMaker) use them for resources the role creates.
fn keys(facts: &EnvironmentFacts, grants: bool) -> Vec<Value> {
    let any_key = format!(
        "arn:{}:kms:{}:{}:key/*",
        facts.partition, facts.region, facts.account_id
    );
    // `ForAnyValue`: a key has a list of aliases, and one under the prefix is enough. The key
    // policies already limit use to the environment's roles; this keeps these roles off other
    // keys whose policies trust the account.
    let aliased = json!({ "kms:ResourceAliases": format!("{}*", alias_prefix(facts)) });
    let mut statements = vec![json!({
        "Sid": SID_KMS_USE,
        "Effect": "Allow",
        "Action": KMS_USE_ACTIONS,
        "Resource": any_key,
        "Condition": { "ForAnyValue:StringLike": aliased }
    })];
    if grants {
        statements.push(json!({
            "Sid": SID_KMS_GRANTS,
            "Effect": "Allow",
            "Action": "kms:CreateGrant",
            "Resource": any_key,
            "Condition": {
                "ForAnyValue:StringLike": aliased,
                "Bool": { "kms:GrantIsForAWSResource": "true" }
            }
        }));
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::*;

    fn bucket_names() -> Vec<String> {
        vec!["team-a-dev-data".into(), "team-a-dev-models".into()]
    }

    /// Every Allow statement of `doc` whose actions match `action` (IAM wildcards).
    fn allowing<'a>(doc: &'a Value, action: &str) -> Vec<&'a Value> {
        statements(doc)
            .iter()
            .filter(|s| s["Effect"] == "Allow")
            .filter(|s| {
                strings(&s["Action"])
                    .iter()
                    .any(|a| action_matches(a, action))
            })
            .collect()
    }

    #[test]
    fn role_names_follow_the_persona_key() {
        assert_eq!(
            persona_role_name("team-a-dev", Persona::DataScientist),
            "team-a-dev-data-scientist"
        );
        assert_eq!(
            persona_role_name("team-a-dev", Persona::ScLaunch),
            "team-a-dev-sc-launch"
        );
        assert_eq!(
            execution_role_arn(&facts()),
            "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-execution"
        );
        assert_eq!(alias_prefix(&facts()), "alias/secure-mlops/team-a-dev/");
    }

    #[test]
    fn trust_policies_name_the_right_principal() {
        let f = facts();
        for persona in [Persona::DataScientist, Persona::TeamAdmin] {
            let doc = trust_policy(&f, persona);
            assert_well_formed(&doc);
            assert_eq!(
                sids(&doc),
                [
                    SID_TRUST_ACCOUNT,
                    SID_TRUST_OWN_USER_TAG,
                    SID_TRUST_OTHER_TAGS,
                    SID_TRUST_SOURCE_IDENTITY,
                    SID_TRUST_SAGEMAKER
                ]
            );
            assert_eq!(
                statement(&doc, SID_TRUST_ACCOUNT)["Principal"],
                json!({ "AWS": "arn:aws:iam::123456789012:root" })
            );
            // Studio user profiles run as these roles.
            assert_eq!(
                statement(&doc, SID_TRUST_SAGEMAKER)["Principal"],
                json!({ "Service": "sagemaker.amazonaws.com" })
            );
        }
        let exec = trust_policy(&f, Persona::Execution);
        assert_eq!(sids(&exec), [SID_TRUST_SAGEMAKER]);
        assert_eq!(
            statement(&exec, SID_TRUST_SAGEMAKER)["Principal"],
            json!({ "Service": "sagemaker.amazonaws.com" })
        );
        let launch = trust_policy(&f, Persona::ScLaunch);
        assert_eq!(sids(&launch), [SID_TRUST_SERVICE_CATALOG]);
        assert_eq!(
            statement(&launch, SID_TRUST_SERVICE_CATALOG)["Principal"],
            json!({ "Service": "servicecatalog.amazonaws.com" })
        );
        for persona in Persona::ALL {
            let doc = trust_policy(&f, persona);
            assert_well_formed(&doc);
            let assumes = statements(&doc)
                .iter()
                .filter(|s| strings(&s["Action"]).contains(&"sts:AssumeRole"))
                .count();
            assert!(assumes >= 1, "{persona:?}");
        }
    }

    #[test]
    fn the_studio_scope_denies_other_domains_only() {
        let doc = studio_scope_policy(&facts(), "d-abc");
        assert_eq!(sids(&doc), [SID_DENY_OTHER_DOMAINS]);
        let s = statement(&doc, SID_DENY_OTHER_DOMAINS);
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(
            s["NotResource"],
            json!([
                "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abc/*",
                "arn:aws:sagemaker:eu-west-1:123456789012:app/d-abc/*",
                "arn:aws:sagemaker:eu-west-1:123456789012:space/d-abc/*"
            ])
        );
        assert!(strings(&s["Action"]).contains(&"sagemaker:CreatePresignedDomainUrl"));
    }

    #[test]
    fn studio_sign_in_is_refused_outside_the_vpc_and_the_allowed_ranges() {
        let f = facts();
        let buckets = ["b".to_string()];
        let open = permissions_policy(&f, Persona::DataScientist, &buckets);
        assert!(!sids(&open).contains(&SID_DENY_SIGN_IN_ELSEWHERE));
        let both = SignInSources {
            vpc_id: Some("vpc-1".into()),
            cidrs: vec!["203.0.113.0/24".into()],
        };
        for persona in [Persona::DataScientist, Persona::TeamAdmin] {
            let doc = persona_permissions_policy(&f, persona, &buckets, &both, None);
            assert_well_formed(&doc);
            let deny = statement(&doc, SID_DENY_SIGN_IN_ELSEWHERE);
            assert_eq!(deny["Effect"], "Deny");
            assert_eq!(
                deny["Condition"],
                json!({
                    "StringNotEquals": { "aws:SourceVpc": "vpc-1" },
                    "NotIpAddress": { "aws:SourceIp": ["203.0.113.0/24"] }
                })
            );
        }
        // Services never sign in to Studio.
        let exec = persona_permissions_policy(&f, Persona::Execution, &buckets, &both, None);
        assert!(!sids(&exec).contains(&SID_DENY_SIGN_IN_ELSEWHERE));
        let vpc_only = SignInSources {
            vpc_id: Some("vpc-1".into()),
            cidrs: Vec::new(),
        };
        let doc = persona_permissions_policy(&f, Persona::DataScientist, &buckets, &vpc_only, None);
        assert_eq!(
            statement(&doc, SID_DENY_SIGN_IN_ELSEWHERE)["Condition"],
            json!({ "StringNotEquals": { "aws:SourceVpc": "vpc-1" } })
        );
    }

    #[test]
    fn people_roles_trust_only_the_principals_named_when_some_are() {
        let mut f = facts();
        f.trusted_principal_arns = vec![
            "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/Team-A".into(),
            "arn:aws:iam::123456789012:role/ci".into(),
            "arn:aws:iam::123456789012:role/ci".into(),
        ];
        for persona in [Persona::DataScientist, Persona::TeamAdmin] {
            let doc = trust_policy(&f, persona);
            assert_eq!(
                statement(&doc, SID_TRUST_ACCOUNT)["Principal"]["AWS"],
                json!([
                    "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/Team-A",
                    "arn:aws:iam::123456789012:role/ci"
                ])
            );
        }
        f.trusted_principal_arns.truncate(1);
        let doc = trust_policy(&f, Persona::DataScientist);
        assert_eq!(
            statement(&doc, SID_TRUST_ACCOUNT)["Principal"]["AWS"],
            json!("arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/Team-A")
        );
        // The services' roles do not change.
        assert_eq!(
            trust_policy(&f, Persona::Execution),
            trust_policy(&facts(), Persona::Execution)
        );
    }

    #[test]
    fn people_sessions_carry_source_identity_and_services_act_only_for_this_account() {
        let f = facts();
        for persona in [Persona::DataScientist, Persona::TeamAdmin] {
            let doc = trust_policy(&f, persona);
            // Only one's own user, as tag and as source identity.
            assert_eq!(
                statement(&doc, SID_TRUST_OWN_USER_TAG)["Condition"],
                json!({ "StringEquals": {
                    "aws:RequestTag/secure-mlops:user": "${aws:PrincipalTag/secure-mlops:user}"
                } })
            );
            assert_eq!(
                statement(&doc, SID_TRUST_OTHER_TAGS)["Condition"],
                json!({ "Null": { "aws:RequestTag/secure-mlops:user": "true" } })
            );
            assert_eq!(
                statement(&doc, SID_TRUST_SOURCE_IDENTITY)["Condition"],
                json!({ "StringEquals": { "sts:SourceIdentity": [
                    "${aws:PrincipalTag/secure-mlops:user}",
                    "${aws:SourceIdentity}"
                ] } })
            );
            assert_eq!(
                statement(&doc, SID_TRUST_ACCOUNT)["Action"],
                "sts:AssumeRole"
            );
        }
        for persona in Persona::ALL {
            let doc = trust_policy(&f, persona);
            let sagemaker = statements(&doc)
                .iter()
                .filter(|s| s["Principal"]["Service"] == "sagemaker.amazonaws.com");
            for s in sagemaker {
                assert_eq!(
                    s["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012",
                    "{persona:?} {}",
                    s["Sid"]
                );
            }
        }
        let exec = trust_policy(&f, Persona::Execution);
        assert!(strings(&statement(&exec, SID_TRUST_SAGEMAKER)["Action"])
            .contains(&"sts:SetSourceIdentity"));
    }

    #[test]
    fn sids_are_stable() {
        let f = facts();
        let sids_of = |p| {
            let doc = permissions_policy(&f, p, &bucket_names());
            sids(&doc).iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let user = [
            SID_SAGEMAKER_DESCRIBE,
            SID_STUDIO_DESCRIBE,
            SID_SAGEMAKER_LIST,
            SID_STUDIO_APPS,
            SID_STUDIO_SPACES,
            SID_TAG_ON_CREATE,
            SID_SAGEMAKER_CREATE,
            SID_SAGEMAKER_WORK,
            SID_DENY_RETAGGING,
            SID_DENY_UNTAGGING,
            SID_PASS_EXECUTION_ROLE,
        ];
        let data = [
            SID_BUCKETS_LIST,
            SID_BUCKETS_OBJECTS,
            SID_KMS_USE,
            SID_KMS_GRANTS,
        ];
        let mut ds: Vec<&str> = user.to_vec();
        ds.extend([
            SID_DENY_MODEL_APPROVAL,
            SID_STUDIO_SIGN_IN,
            SID_LOGS_READ,
            SID_LOGS_READ_JOBS,
            SID_CATALOG_BROWSE,
            SID_CATALOG_LAUNCH,
            SID_CATALOG_OWN,
            SID_PROJECTS,
            SID_PROJECT_CODE,
        ]);
        ds.extend(data);
        assert_eq!(sids_of(Persona::DataScientist), ds);
        let mut admin: Vec<&str> = user.to_vec();
        admin.extend([
            SID_STUDIO_SIGN_IN,
            SID_LOGS_READ,
            SID_LOGS_READ_JOBS,
            SID_CREATE_USER_PROFILES,
            SID_CHANGE_USER_PROFILES,
            SID_CATALOG_BROWSE,
            SID_CATALOG_LAUNCH,
            SID_CATALOG_OWN,
            SID_PROJECTS,
            SID_PROJECT_CODE,
        ]);
        admin.extend(data);
        assert_eq!(sids_of(Persona::TeamAdmin), admin);
        let mut exec: Vec<&str> = user.to_vec();
        exec.extend([
            SID_DENY_MODEL_APPROVAL,
            SID_ECR_AUTH,
            SID_ECR_PULL,
            SID_LOGS_WRITE,
            SID_METRICS,
            SID_VPC_DESCRIBE,
            SID_VPC_INTERFACES,
            SID_VPC_INTERFACE_PERMISSIONS,
        ]);
        exec.extend(data);
        assert_eq!(sids_of(Persona::Execution), exec);
        assert_eq!(
            sids_of(Persona::ScLaunch),
            [
                SID_CFN_STACKS,
                SID_CFN_TEMPLATES,
                SID_PRODUCT_TEMPLATES,
                SID_PROJECT_RESOURCES,
                SID_LAUNCH_NOTEBOOKS,
                SID_CHANGE_NOTEBOOKS,
                SID_NOTEBOOK_LIFECYCLE,
                SID_LAUNCH_PROFILES,
                SID_CHANGE_PROFILES,
                SID_PROFILE_READS,
                SID_PROFILE_IMAGES,
                SID_PASS_PEOPLE_ROLES,
                SID_VPC_DESCRIBE,
                SID_VPC_INTERFACES,
                SID_PASS_EXECUTION_ROLE,
                SID_BUCKETS_LIST,
                SID_BUCKETS_OBJECTS,
                SID_KMS_USE,
                SID_KMS_GRANTS,
            ]
        );
    }

    #[test]
    fn every_permission_policy_is_well_formed_and_fits_iam() {
        for persona in Persona::ALL {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            assert_well_formed(&doc);
            // IAM's limit for a role's inline policies together, counted without whitespace.
            let size = serde_json::to_string(&doc).unwrap().len();
            assert!(size < 10_240, "{persona:?}: {size} characters");
        }
    }

    #[test]
    fn object_access_is_limited_to_the_environment_buckets() {
        for persona in Persona::ALL {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            for action in ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] {
                let granting = allowing(&doc, action);
                assert!(!granting.is_empty(), "{persona:?} cannot {action}");
                for s in granting {
                    if s["Sid"] == SID_PROJECT_CODE {
                        // The people's project code in the MLOps bucket, nothing else of it.
                        assert_ne!(action, "s3:DeleteObject");
                        assert_eq!(
                            strings(&s["Resource"]),
                            ["arn:aws:s3:::team-a-dev-eu-west-1-123456789012-mlops/projects/*"]
                        );
                        continue;
                    }
                    if s["Sid"] == SID_PRODUCT_TEMPLATES {
                        // Only Service Catalog's template objects, by their tag.
                        assert_eq!(action, "s3:GetObject");
                        assert!(s["Condition"]["StringEquals"]
                            ["s3:ExistingObjectTag/servicecatalog:provisioning"]
                            .is_string());
                        continue;
                    }
                    for r in strings(&s["Resource"]) {
                        assert!(
                            r == "arn:aws:s3:::team-a-dev-data/*"
                                || r == "arn:aws:s3:::team-a-dev-models/*",
                            "{persona:?} {action} on {r}"
                        );
                    }
                }
            }
            let list = allowing(&doc, "s3:ListBucket");
            assert_eq!(list.len(), 1);
            assert_eq!(
                strings(&list[0]["Resource"]),
                [
                    "arn:aws:s3:::team-a-dev-data",
                    "arn:aws:s3:::team-a-dev-models"
                ]
            );
        }
    }

    #[test]
    fn no_bucket_names_means_no_bucket_statements() {
        let doc = permissions_policy(&facts(), Persona::DataScientist, &[]);
        assert_well_formed(&doc);
        assert!(allowing(&doc, "s3:ListBucket").is_empty());
        // Only the project code in the MLOps bucket, which is not one of the environment's.
        let reads: Vec<&Value> = allowing(&doc, "s3:GetObject");
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0]["Sid"], SID_PROJECT_CODE);
    }

    #[test]
    fn key_use_requires_an_environment_alias() {
        for persona in Persona::ALL {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            for action in ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"] {
                for s in allowing(&doc, action) {
                    assert_eq!(s["Resource"], "arn:aws:kms:eu-west-1:123456789012:key/*");
                    assert_eq!(
                        s["Condition"]["ForAnyValue:StringLike"]["kms:ResourceAliases"],
                        "alias/secure-mlops/team-a-dev/*",
                        "{persona:?} {action}"
                    );
                }
            }
            // Every role, the launch role included (notebook volumes): only for AWS resources.
            let grants = allowing(&doc, "kms:CreateGrant");
            assert_eq!(grants.len(), 1);
            assert_eq!(
                grants[0]["Condition"]["Bool"]["kms:GrantIsForAWSResource"],
                "true"
            );
        }
    }

    #[test]
    fn the_execution_role_is_passed_only_to_sagemaker() {
        for persona in Persona::ALL {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            let mut passing = allowing(&doc, "iam:PassRole");
            if persona == Persona::ScLaunch {
                // The people's roles, for the Studio profiles the launch role makes.
                let people = statement(&doc, SID_PASS_PEOPLE_ROLES);
                assert_eq!(
                    people["Resource"],
                    json!([
                        "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-data-scientist",
                        "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-team-admin"
                    ])
                );
                assert_eq!(
                    people["Condition"]["StringEquals"]["iam:PassedToService"],
                    "sagemaker.amazonaws.com"
                );
                passing.retain(|s| s["Sid"] != SID_PASS_PEOPLE_ROLES);
            }
            assert_eq!(passing.len(), 1, "{persona:?}");
            assert_eq!(
                passing[0]["Resource"],
                "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-execution"
            );
            assert_eq!(
                passing[0]["Condition"]["StringEquals"]["iam:PassedToService"],
                "sagemaker.amazonaws.com"
            );
            // No other IAM action at all: no role can change its own or others' permissions.
            for s in statements(&doc) {
                for a in strings(&s["Action"]) {
                    assert!(
                        !a.starts_with("iam:") || a == "iam:PassRole",
                        "{persona:?}: {a}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_the_team_admin_manages_user_profiles_of_its_environment() {
        let f = facts();
        // The launch role makes them for the team admins' launches of the profile product.
        for persona in [Persona::DataScientist, Persona::Execution] {
            let doc = permissions_policy(&f, persona, &bucket_names());
            assert!(allowing(&doc, "sagemaker:CreateUserProfile").is_empty());
            assert!(allowing(&doc, "sagemaker:DeleteUserProfile").is_empty());
        }
        let doc = permissions_policy(&f, Persona::TeamAdmin, &bucket_names());
        let create = statement(&doc, SID_CREATE_USER_PROFILES);
        assert_eq!(
            create["Condition"]["StringEquals"]["aws:RequestTag/secure-mlops:environment"],
            "team-a-dev"
        );
        let change = statement(&doc, SID_CHANGE_USER_PROFILES);
        assert_eq!(
            change["Condition"]["StringEquals"]["aws:ResourceTag/secure-mlops:environment"],
            "team-a-dev"
        );
    }

    #[test]
    fn execution_logs_and_images_are_scoped() {
        let doc = permissions_policy(&facts(), Persona::Execution, &bucket_names());
        for s in allowing(&doc, "logs:PutLogEvents") {
            assert_eq!(
                s["Resource"],
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/*"
            );
        }
        assert_eq!(allowing(&doc, "ecr:BatchGetImage").len(), 1);
        assert_eq!(allowing(&doc, "ec2:CreateNetworkInterface").len(), 1);
        // People roles neither write logs nor create network interfaces.
        let ds = permissions_policy(&facts(), Persona::DataScientist, &bucket_names());
        assert!(allowing(&ds, "logs:PutLogEvents").is_empty());
        assert!(allowing(&ds, "ec2:CreateNetworkInterface").is_empty());
    }

    #[test]
    fn sagemaker_resources_stay_in_the_account_and_region() {
        for persona in Persona::ALL {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            for s in statements(&doc) {
                let actions = strings(&s["Action"]);
                if !actions.iter().any(|a| a.starts_with("sagemaker:")) || s["Resource"] == "*" {
                    continue;
                }
                for r in strings(&s["Resource"]) {
                    assert!(
                        r.starts_with("arn:aws:sagemaker:eu-west-1:123456789012:"),
                        "{persona:?} {}: {r}",
                        s["Sid"]
                    );
                }
            }
            // Allow statements on every resource only hold calls that take none.
            let on_everything = statements(&doc)
                .iter()
                .filter(|s| s["Resource"] == "*" && s["Effect"] == "Allow");
            for s in on_everything {
                for a in strings(&s["Action"]) {
                    assert!(
                        a.starts_with("sagemaker:List")
                            || a.starts_with("sagemaker:Search")
                            || a == "sagemaker:GetSearchSuggestions"
                            || a.starts_with("ec2:")
                            || a == "ecr:GetAuthorizationToken"
                            || a == "cloudwatch:PutMetricData"
                            || a.starts_with("cloudformation:")
                            || a == "s3:GetObject"
                            || a.starts_with("servicecatalog:Describe")
                            || a.starts_with("servicecatalog:List")
                            || a.starts_with("servicecatalog:Scan")
                            || a.starts_with("servicecatalog:Search")
                            || a.starts_with("identitystore:")
                            || a.starts_with("sso:"),
                        "{persona:?} {}: {a} on *",
                        s["Sid"]
                    );
                }
            }
        }
    }

    #[test]
    fn studio_sign_in_is_only_to_ones_own_profile_of_this_environment() {
        for persona in [Persona::DataScientist, Persona::TeamAdmin] {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            let signing_in = allowing(&doc, "sagemaker:CreatePresignedDomainUrl");
            assert_eq!(signing_in.len(), 1, "{persona:?}");
            let s = signing_in[0];
            assert_eq!(
                s["Resource"],
                "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/*/*"
            );
            let equals = &s["Condition"]["StringEquals"];
            assert_eq!(
                equals["aws:ResourceTag/secure-mlops:user"],
                "${aws:PrincipalTag/secure-mlops:user}"
            );
            assert_eq!(
                equals["aws:ResourceTag/secure-mlops:environment"],
                "team-a-dev"
            );
            assert_eq!(s["Condition"].as_object().map(|c| c.len()), Some(1));
        }
        assert_eq!(USER_TAG, "secure-mlops:user");
        assert!(OWN_PROFILE_VARIABLES[0].contains(USER_TAG));
    }

    #[test]
    fn sagemaker_work_is_bounded_by_the_environment_tag() {
        for persona in [
            Persona::DataScientist,
            Persona::TeamAdmin,
            Persona::Execution,
        ] {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            for action in [
                "sagemaker:DescribeTrainingJob",
                "sagemaker:GetRecord",
                "sagemaker:StartPipelineExecution",
                "sagemaker:DeletePipeline",
                "sagemaker:UpdatePipeline",
            ] {
                for s in allowing(&doc, action) {
                    assert_eq!(
                        s["Condition"]["StringEquals"]["aws:ResourceTag/secure-mlops:environment"],
                        "team-a-dev",
                        "{persona:?} {action} in {}",
                        s["Sid"]
                    );
                }
                assert!(!allowing(&doc, action).is_empty(), "{persona:?} {action}");
            }
            for action in ["sagemaker:CreateTrainingJob", "sagemaker:CreatePipeline"] {
                let creating = allowing(&doc, action);
                assert_eq!(creating.len(), 1);
                assert_eq!(
                    creating[0]["Condition"]["StringEquals"]
                        ["aws:RequestTag/secure-mlops:environment"],
                    "team-a-dev"
                );
            }
            // Tags are written only with a create; the environment and user tags never change.
            for s in allowing(&doc, "sagemaker:AddTags") {
                if s["Sid"] == SID_CREATE_USER_PROFILES {
                    continue;
                }
                assert_eq!(s["Condition"]["Null"]["sagemaker:TaggingAction"], "false");
            }
            let retag = statement(&doc, SID_DENY_RETAGGING);
            assert_eq!(retag["Effect"], "Deny");
            assert_eq!(
                retag["Condition"]["ForAnyValue:StringEquals"]["aws:TagKeys"],
                json!(["secure-mlops:environment", "secure-mlops:user"])
            );
            assert_eq!(
                retag["Condition"]["Null"]["aws:ResourceTag/secure-mlops:environment"],
                "false"
            );
            let untag = statement(&doc, SID_DENY_UNTAGGING);
            assert_eq!(untag["Effect"], "Deny");
            assert_eq!(untag["Action"], "sagemaker:DeleteTags");
        }
    }

    #[test]
    fn apps_and_spaces_are_limited_to_the_callers_own_profile() {
        let doc = permissions_policy(&facts(), Persona::DataScientist, &bucket_names());
        for action in ["sagemaker:DeleteApp", "sagemaker:CreateApp"] {
            for s in allowing(&doc, action) {
                if s["Sid"] == SID_STUDIO_SPACES {
                    continue;
                }
                for r in strings(&s["Resource"]) {
                    assert!(
                        r.ends_with("/${aws:PrincipalTag/secure-mlops:user}/*")
                            || r.ends_with("/${aws:SourceIdentity}/*"),
                        "{action} on {r}"
                    );
                }
            }
        }
        for action in [
            "sagemaker:CreateSpace",
            "sagemaker:UpdateSpace",
            "sagemaker:DeleteSpace",
        ] {
            let granting = allowing(&doc, action);
            assert_eq!(granting.len(), 1, "{action}");
            assert_eq!(
                granting[0]["Condition"]["ArnLike"]["sagemaker:OwnerUserProfileArn"],
                json!([
                    "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/*/${aws:PrincipalTag/secure-mlops:user}",
                    "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/*/${aws:SourceIdentity}"
                ])
            );
        }
    }

    #[test]
    fn logs_are_read_only_from_the_environment() {
        for persona in [Persona::DataScientist, Persona::TeamAdmin] {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            assert_eq!(
                statement(&doc, SID_LOGS_READ)["Resource"],
                "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-a/dev/*"
            );
            for s in allowing(&doc, "logs:FilterLogEvents") {
                assert_eq!(s["Sid"], SID_LOGS_READ);
            }
            assert_eq!(
                statement(&doc, SID_LOGS_READ_JOBS)["Resource"],
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/*:log-stream:team-a-dev-*"
            );
        }
    }

    #[test]
    fn only_the_team_admin_approves_models() {
        for persona in [Persona::DataScientist, Persona::Execution] {
            let doc = permissions_policy(&facts(), persona, &bucket_names());
            let s = statement(&doc, SID_DENY_MODEL_APPROVAL);
            assert_eq!(s["Effect"], "Deny");
            assert!(strings(&s["Action"]).contains(&"sagemaker:UpdateModelPackage"));
            assert!(strings(&s["Action"]).contains(&"sagemaker:CreateModelPackage"));
            assert_eq!(
                s["Condition"]["StringEquals"]["sagemaker:ModelApprovalStatus"],
                "Approved"
            );
        }
        let admin = permissions_policy(&facts(), Persona::TeamAdmin, &bucket_names());
        assert!(!sids(&admin).contains(&SID_DENY_MODEL_APPROVAL));
        assert!(!allowing(&admin, "sagemaker:UpdateModelPackage").is_empty());
    }

    #[test]
    fn documents_follow_the_partition() {
        let mut f = facts();
        f.partition = "aws-cn".into();
        f.region = "cn-north-1".into();
        for persona in Persona::ALL {
            let text = permissions_policy(&f, persona, &bucket_names()).to_string();
            assert!(!text.contains("arn:aws:"), "{persona:?}: {text}");
            let trust = trust_policy(&f, persona).to_string();
            assert!(!trust.contains("arn:aws:"), "{trust}");
        }
    }

    #[test]
    fn the_package_repository_is_read_by_people_and_jobs_only() {
        let names = PackageRepositoryNames {
            domain: "team-a-dev".into(),
            repository: "pypi".into(),
        };
        for persona in Persona::ALL {
            let doc = persona_permissions_policy(
                &facts(),
                persona,
                &bucket_names(),
                &SignInSources::default(),
                Some(&names),
            );
            let reads = !allowing(&doc, "codeartifact:ReadFromRepository").is_empty();
            assert_eq!(reads, persona != Persona::ScLaunch, "{persona:?}");
            assert!(allowing(&doc, "codeartifact:PublishPackageVersion").is_empty());
            let without = permissions_policy(&facts(), persona, &bucket_names());
            assert!(allowing(&without, "codeartifact:ReadFromRepository").is_empty());
        }
    }
}
