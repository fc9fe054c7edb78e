//! How the children of an environment are named: the tag keys every child carries, the personas,
//! key and bucket purposes that tell children of one kind apart, and [`LogicalId`], the stable
//! id of every child in the graph, the ledger, the outputs and the front ends.
//!
//! This module depends on nothing else in the crate, so every layer (spec, policy, graph,
//! children, engine) can use it without a circle.

use std::fmt;
use std::str::FromStr;

/// Tag key naming which part of a deployment a child is (its logical id).
pub const COMPONENT_TAG: &str = "secure-mlops:component";
/// Tag key naming the environment (`<name>-<stage>`) a child belongs to.
pub const ENVIRONMENT_TAG: &str = "secure-mlops:environment";
/// Tag key naming the person a Studio user profile belongs to (value: the profile's name).
///
/// The same key is expected as a session tag (`aws:PrincipalTag`) on the people roles, passed by
/// the company's identity provider; Studio sign-in compares the two.
pub const USER_TAG: &str = "secure-mlops:user";

/// Which persona a role serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Persona {
    /// Data scientists (Studio users).
    DataScientist,
    /// The team's administrator.
    TeamAdmin,
    /// SageMaker's execution role for Studio, jobs and pipelines.
    Execution,
    /// Service Catalog's launch role for the team's products.
    ScLaunch,
}

impl Persona {
    /// Every persona, in a fixed order.
    pub const ALL: [Persona; 4] = [
        Persona::DataScientist,
        Persona::TeamAdmin,
        Persona::Execution,
        Persona::ScLaunch,
    ];

    /// The personas a person's Studio user profile may run as.
    pub const PEOPLE: [Persona; 2] = [Persona::DataScientist, Persona::TeamAdmin];

    /// The key used in the `role_arns` map and in user input (`data_scientist`).
    pub fn key(&self) -> &'static str {
        match self {
            Persona::DataScientist => "data_scientist",
            Persona::TeamAdmin => "team_admin",
            Persona::Execution => "execution",
            Persona::ScLaunch => "sc_launch",
        }
    }

    /// The persona whose [`key`](Self::key) is `text`.
    pub fn from_key(text: &str) -> Option<Persona> {
        Persona::ALL.into_iter().find(|p| p.key() == text)
    }
}

/// What a KMS key encrypts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPurpose {
    /// S3 data and model buckets, flow-log group.
    Data,
    /// Volumes of training, processing and notebook instances.
    Ebs,
    /// Studio's home file system and volumes.
    Studio,
}

impl KeyPurpose {
    /// Every purpose.
    pub const ALL: [KeyPurpose; 3] = [KeyPurpose::Data, KeyPurpose::Ebs, KeyPurpose::Studio];

    /// The key used in ids and in the `kms_key_arns` map.
    pub fn key(&self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::Ebs => "ebs",
            KeyPurpose::Studio => "studio",
        }
    }
}

/// What a bucket holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BucketPurpose {
    /// The team's data.
    Data,
    /// Model artifacts.
    Models,
}

impl BucketPurpose {
    /// Both purposes, data first.
    pub const ALL: [BucketPurpose; 2] = [BucketPurpose::Data, BucketPurpose::Models];

    /// The word used in ids and default bucket names (`data`, `models`).
    pub fn key(&self) -> &'static str {
        match self {
            BucketPurpose::Data => "data",
            BucketPurpose::Models => "models",
        }
    }
}

/// The stable id of a child of an environment. Its text form (`subnet-private-0`) keys the
/// ledger, becomes the child's [`COMPONENT_TAG`] and must never change for an existing child:
/// ledgers and tags written by earlier versions are read with [`FromStr`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogicalId {
    /// The VPC (created or brought).
    Vpc,
    /// A private subnet (created or brought), by zone position.
    PrivateSubnet(usize),
    /// A public subnet (NAT only), by zone position.
    PublicSubnet(usize),
    /// The route table of a private subnet, by zone position.
    PrivateRouteTable(usize),
    /// The public route table (NAT only).
    PublicRouteTable,
    /// The internet gateway (NAT only).
    InternetGateway,
    /// The Elastic IP of a zone's NAT gateway.
    NatAddress(usize),
    /// A zone's NAT gateway.
    NatGateway(usize),
    /// The SageMaker security group.
    SageMakerSecurityGroup,
    /// The interface endpoints' security group.
    EndpointSecurityGroup,
    /// The S3 gateway endpoint (created or brought).
    S3Endpoint,
    /// An interface endpoint, by service name (`sagemaker.api`).
    InterfaceEndpoint(String),
    /// A KMS key.
    KmsKey(KeyPurpose),
    /// A persona role (created or brought).
    Role(Persona),
    /// The guardrail policy.
    GuardrailPolicy,
    /// The permissions boundary policy the environment creates for its roles.
    BoundaryPolicy,
    /// The inline policy keeping the roles' Studio actions in the environment's domain.
    StudioScope,
    /// A bucket.
    Bucket(BucketPurpose),
    /// The flow-log group.
    FlowLogGroup,
    /// The role flow logs deliver with.
    FlowLogRole,
    /// The VPC flow log.
    FlowLog,
    /// The Studio domain.
    StudioDomain,
    /// A Studio user profile, by name.
    UserProfile(String),
    /// A Studio custom image (with its version and app image config), by name.
    CustomImage(String),
    /// A Studio lifecycle configuration, by `<name>-<version>`: a new script is a new child
    /// (AWS cannot change one), made before the domain switches to it and the old one goes.
    LifecycleConfig(String),
    /// The CodeArtifact domain holding the package repository.
    PackageDomain,
    /// The CodeArtifact repository Studio and jobs install Python packages from.
    PackageRepository,
    /// The AWS Config managed rules matching the audit's checks.
    ConfigRules,
    /// The bucket the team products' templates are uploaded to for Service Catalog.
    CatalogBucket,
    /// The team's Service Catalog portfolio, shared with the people's roles.
    TeamPortfolio,
    /// A product of the team portfolio.
    TeamProduct(TeamProductKind),
    /// The MLOps bucket (`sagemaker_mlops_project_templates`): seed code, templates and the
    /// projects' pipeline artifacts.
    MlopsBucket,
    /// The seed code of a project template, zipped into the MLOps bucket.
    MlopsSeedCode(MlopsTemplateKind),
    /// A role the MLOps project templates run as.
    MlopsRole(MlopsRoleKind),
    /// The Service Catalog portfolio of the project templates, which Studio shows.
    MlopsPortfolio,
    /// A project template, a Service Catalog product of the MLOps portfolio.
    MlopsTemplate(MlopsTemplateKind),
}

const PRIVATE_SUBNET: &str = "subnet-private-";
const PUBLIC_SUBNET: &str = "subnet-public-";
const PRIVATE_ROUTE_TABLE: &str = "route-table-private-";
const NAT_ADDRESS: &str = "nat-address-";
const NAT_GATEWAY: &str = "nat-gateway-";
const ENDPOINT: &str = "endpoint-";
const KMS_KEY: &str = "kms-key-";
const ROLE: &str = "role-";
const BUCKET: &str = "bucket-";
const USER_PROFILE: &str = "studio-user-";
const LIFECYCLE_CONFIG: &str = "studio-lifecycle-config-";
const CUSTOM_IMAGE: &str = "studio-custom-image-";
const TEAM_PRODUCT: &str = "team-product-";
const MLOPS_SEED_CODE: &str = "mlops-seed-code-";
const MLOPS_ROLE: &str = "mlops-role-";
const MLOPS_TEMPLATE: &str = "mlops-template-";

/// A SageMaker project template of `sagemaker_mlops_project_templates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MlopsTemplateKind {
    /// Model build and train: CodePipeline and CodeBuild in the environment's VPC running a
    /// SageMaker Pipeline that registers models pending approval.
    ModelBuildTrain,
    /// Model deploy: an approval in a model package group starts a CodePipeline that deploys
    /// the model to a staging endpoint, tests it, waits for a person's approval, then deploys
    /// it to production.
    ModelDeploy,
}

impl MlopsTemplateKind {
    /// Every template.
    pub const ALL: [MlopsTemplateKind; 2] = [
        MlopsTemplateKind::ModelBuildTrain,
        MlopsTemplateKind::ModelDeploy,
    ];

    /// The word in ids, user input, product names and file names (`cfn/mlops/<key>.yaml`).
    pub fn key(&self) -> &'static str {
        match self {
            MlopsTemplateKind::ModelBuildTrain => "model-build-train",
            MlopsTemplateKind::ModelDeploy => "model-deploy",
        }
    }

    /// The template named `text` in user input.
    pub fn from_key(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == text)
    }
}

/// A role of the MLOps project templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MlopsRoleKind {
    /// What the projects' CodePipeline and CodeBuild run as.
    Build,
    /// What Service Catalog launches the templates as (its launch constraint).
    Launch,
    /// What EventBridge starts a project's deploy pipeline as, on a model's approval.
    Events,
    /// What CloudFormation deploys a project's endpoints as, for its deploy pipeline.
    Deploy,
}

impl MlopsRoleKind {
    /// Every role.
    pub const ALL: [MlopsRoleKind; 4] = [
        MlopsRoleKind::Build,
        MlopsRoleKind::Launch,
        MlopsRoleKind::Events,
        MlopsRoleKind::Deploy,
    ];

    /// The word in ids and role names.
    pub fn key(&self) -> &'static str {
        match self {
            MlopsRoleKind::Build => "build",
            MlopsRoleKind::Launch => "launch",
            MlopsRoleKind::Events => "events",
            MlopsRoleKind::Deploy => "deploy",
        }
    }
}

/// A product of the team portfolio (`studio.team_portfolio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TeamProductKind {
    /// A notebook instance inside the environment.
    NotebookInstance,
    /// A person's Studio user profile in the environment's domain.
    StudioUserProfile,
}

impl TeamProductKind {
    /// Both products.
    pub const ALL: [TeamProductKind; 2] = [
        TeamProductKind::NotebookInstance,
        TeamProductKind::StudioUserProfile,
    ];

    /// The word in ids, product names and template file names.
    pub fn key(&self) -> &'static str {
        match self {
            TeamProductKind::NotebookInstance => "notebook-instance",
            TeamProductKind::StudioUserProfile => "studio-user-profile",
        }
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogicalId::Vpc => f.write_str("vpc"),
            LogicalId::PrivateSubnet(i) => write!(f, "{PRIVATE_SUBNET}{i}"),
            LogicalId::PublicSubnet(i) => write!(f, "{PUBLIC_SUBNET}{i}"),
            LogicalId::PrivateRouteTable(i) => write!(f, "{PRIVATE_ROUTE_TABLE}{i}"),
            LogicalId::PublicRouteTable => f.write_str("route-table-public"),
            LogicalId::InternetGateway => f.write_str("internet-gateway"),
            LogicalId::NatAddress(i) => write!(f, "{NAT_ADDRESS}{i}"),
            LogicalId::NatGateway(i) => write!(f, "{NAT_GATEWAY}{i}"),
            LogicalId::SageMakerSecurityGroup => f.write_str("security-group-sagemaker"),
            LogicalId::EndpointSecurityGroup => f.write_str("security-group-endpoints"),
            LogicalId::S3Endpoint => f.write_str("endpoint-s3"),
            // Dots are not welcome in tag-derived names; `sagemaker.api` -> `endpoint-sagemaker-api`.
            LogicalId::InterfaceEndpoint(service) => {
                write!(f, "{ENDPOINT}{}", service.replace('.', "-"))
            }
            LogicalId::KmsKey(purpose) => write!(f, "{KMS_KEY}{}", purpose.key()),
            LogicalId::Role(persona) => write!(f, "{ROLE}{}", persona.key().replace('_', "-")),
            LogicalId::GuardrailPolicy => f.write_str("policy-guardrails"),
            LogicalId::BoundaryPolicy => f.write_str("policy-boundary"),
            LogicalId::StudioScope => f.write_str("policy-studio-scope"),
            LogicalId::Bucket(purpose) => write!(f, "{BUCKET}{}", purpose.key()),
            LogicalId::FlowLogGroup => f.write_str("flow-log-group"),
            LogicalId::FlowLogRole => f.write_str("flow-log-role"),
            LogicalId::FlowLog => f.write_str("flow-log"),
            LogicalId::StudioDomain => f.write_str("studio-domain"),
            LogicalId::UserProfile(name) => write!(f, "{USER_PROFILE}{name}"),
            LogicalId::LifecycleConfig(key) => write!(f, "{LIFECYCLE_CONFIG}{key}"),
            LogicalId::CustomImage(name) => write!(f, "{CUSTOM_IMAGE}{name}"),
            LogicalId::PackageDomain => f.write_str("package-domain"),
            LogicalId::PackageRepository => f.write_str("package-repository"),
            LogicalId::ConfigRules => f.write_str("config-rules"),
            LogicalId::CatalogBucket => f.write_str("catalog-bucket"),
            LogicalId::TeamPortfolio => f.write_str("team-portfolio"),
            LogicalId::TeamProduct(kind) => write!(f, "{TEAM_PRODUCT}{}", kind.key()),
            LogicalId::MlopsBucket => f.write_str("mlops-bucket"),
            LogicalId::MlopsSeedCode(kind) => write!(f, "{MLOPS_SEED_CODE}{}", kind.key()),
            LogicalId::MlopsRole(kind) => write!(f, "{MLOPS_ROLE}{}", kind.key()),
            LogicalId::MlopsPortfolio => f.write_str("mlops-portfolio"),
            LogicalId::MlopsTemplate(kind) => write!(f, "{MLOPS_TEMPLATE}{}", kind.key()),
        }
    }
}

/// A text that is not the logical id of any environment child.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not the logical id of an environment child")]
pub struct UnknownLogicalId(pub String);

impl FromStr for LogicalId {
    type Err = UnknownLogicalId;

    /// Parses the text form. An interface endpoint's id loses the dots of its service name, so
    /// it parses to the dashed form (`endpoint-sagemaker-api` -> `sagemaker-api`); compare
    /// endpoint ids by their text.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownLogicalId(text.to_string());
        let index = |rest: &str| rest.parse::<usize>().map_err(|_| unknown());
        let fixed = [
            LogicalId::Vpc,
            LogicalId::PublicRouteTable,
            LogicalId::InternetGateway,
            LogicalId::SageMakerSecurityGroup,
            LogicalId::EndpointSecurityGroup,
            LogicalId::S3Endpoint,
            LogicalId::GuardrailPolicy,
            LogicalId::BoundaryPolicy,
            LogicalId::StudioScope,
            LogicalId::FlowLogGroup,
            LogicalId::FlowLogRole,
            LogicalId::FlowLog,
            LogicalId::StudioDomain,
            LogicalId::PackageDomain,
            LogicalId::PackageRepository,
            LogicalId::ConfigRules,
            LogicalId::CatalogBucket,
            LogicalId::TeamPortfolio,
            LogicalId::MlopsBucket,
            LogicalId::MlopsPortfolio,
        ];
        if let Some(id) = fixed.into_iter().find(|id| id.to_string().as_str() == text) {
            return Ok(id);
        }
        let keyed = KeyPurpose::ALL
            .into_iter()
            .map(LogicalId::KmsKey)
            .chain(Persona::ALL.into_iter().map(LogicalId::Role))
            .chain(BucketPurpose::ALL.into_iter().map(LogicalId::Bucket))
            .chain(TeamProductKind::ALL.into_iter().map(LogicalId::TeamProduct))
            .chain(
                MlopsTemplateKind::ALL
                    .into_iter()
                    .map(LogicalId::MlopsSeedCode),
            )
            .chain(
                MlopsTemplateKind::ALL
                    .into_iter()
                    .map(LogicalId::MlopsTemplate),
            )
            .chain(MlopsRoleKind::ALL.into_iter().map(LogicalId::MlopsRole));
        if let Some(id) = keyed.into_iter().find(|id| id.to_string().as_str() == text) {
            return Ok(id);
        }
        if let Some(rest) = text.strip_prefix(PRIVATE_SUBNET) {
            return index(rest).map(LogicalId::PrivateSubnet);
        }
        if let Some(rest) = text.strip_prefix(PUBLIC_SUBNET) {
            return index(rest).map(LogicalId::PublicSubnet);
        }
        if let Some(rest) = text.strip_prefix(PRIVATE_ROUTE_TABLE) {
            return index(rest).map(LogicalId::PrivateRouteTable);
        }
        if let Some(rest) = text.strip_prefix(NAT_ADDRESS) {
            return index(rest).map(LogicalId::NatAddress);
        }
        if let Some(rest) = text.strip_prefix(NAT_GATEWAY) {
            return index(rest).map(LogicalId::NatGateway);
        }
        if let Some(key) = text
            .strip_prefix(LIFECYCLE_CONFIG)
            .filter(|k| !k.is_empty())
        {
            return Ok(LogicalId::LifecycleConfig(key.to_string()));
        }
        if let Some(name) = text.strip_prefix(CUSTOM_IMAGE).filter(|n| !n.is_empty()) {
            return Ok(LogicalId::CustomImage(name.to_string()));
        }
        if let Some(name) = text.strip_prefix(USER_PROFILE).filter(|n| !n.is_empty()) {
            return Ok(LogicalId::UserProfile(name.to_string()));
        }
        if let Some(service) = text.strip_prefix(ENDPOINT).filter(|s| !s.is_empty()) {
            return Ok(LogicalId::InterfaceEndpoint(service.to_string()));
        }
        Err(unknown())
    }
}

impl From<LogicalId> for String {
    fn from(id: LogicalId) -> String {
        id.to_string()
    }
}

/// What a ledger record is, so it can be deleted without the graph that made it (the child may
/// have left the graph). Serialised as the text earlier versions wrote; a text this version does
/// not know loads as [`RecordKind::Unknown`] and is refused with a clear message on delete, so a
/// ledger from a newer version is never half understood.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(from = "String", into = "String")]
pub enum RecordKind {
    /// A VPC the environment created.
    Vpc,
    /// A VPC the user brought (never deleted).
    ExistingVpc,
    /// A subnet the environment created.
    Subnet,
    /// A subnet the user brought (never deleted).
    ExistingSubnet,
    /// A route table.
    RouteTable,
    /// A security group.
    SecurityGroup,
    /// The S3 gateway endpoint the environment created.
    S3GatewayEndpoint,
    /// An S3 gateway endpoint the user brought (never deleted).
    ExistingS3Endpoint,
    /// An interface endpoint.
    InterfaceEndpoint,
    /// The internet gateway.
    InternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// A NAT gateway's Elastic IP.
    NatAddress,
    /// A KMS key (and its alias).
    KmsKey,
    /// A role the environment created.
    Role,
    /// A role the user brought (never deleted).
    ExistingRole,
    /// The guardrail managed policy.
    GuardrailPolicy,
    /// The permissions boundary managed policy the environment created.
    BoundaryPolicy,
    /// The Studio scope inline policy on the roles the environment created.
    StudioScopePolicy,
    /// A bucket.
    Bucket,
    /// The flow-log group.
    FlowLogGroup,
    /// The flow-log delivery role.
    FlowLogRole,
    /// The VPC flow log.
    FlowLog,
    /// The Studio domain.
    StudioDomain,
    /// A Studio user profile.
    StudioUserProfile,
    /// A Studio lifecycle configuration.
    StudioLifecycleConfig,
    /// A Studio custom image, its versions and its app image config.
    StudioCustomImage,
    /// A CodeArtifact domain.
    PackageDomain,
    /// A CodeArtifact repository.
    PackageRepository,
    /// The environment's AWS Config managed rules.
    ConfigRules,
    /// The bucket of the team products' templates.
    CatalogBucket,
    /// The team's Service Catalog portfolio and its principal associations.
    TeamPortfolio,
    /// A team product, its association and its launch constraint.
    TeamProduct,
    /// The MLOps bucket.
    MlopsBucket,
    /// A template's seed code object in the MLOps bucket.
    MlopsSeedCode,
    /// A role of the MLOps project templates.
    MlopsRole,
    /// The MLOps portfolio and its principal associations.
    MlopsPortfolio,
    /// A project template product, its association and its launch constraint.
    MlopsTemplate,
    /// A kind this version does not know (written by a newer one).
    Unknown(String),
}

impl RecordKind {
    /// Every known kind.
    pub const KNOWN: [RecordKind; 37] = [
        RecordKind::Vpc,
        RecordKind::ExistingVpc,
        RecordKind::Subnet,
        RecordKind::ExistingSubnet,
        RecordKind::RouteTable,
        RecordKind::SecurityGroup,
        RecordKind::S3GatewayEndpoint,
        RecordKind::ExistingS3Endpoint,
        RecordKind::InterfaceEndpoint,
        RecordKind::InternetGateway,
        RecordKind::NatGateway,
        RecordKind::NatAddress,
        RecordKind::KmsKey,
        RecordKind::Role,
        RecordKind::ExistingRole,
        RecordKind::GuardrailPolicy,
        RecordKind::BoundaryPolicy,
        RecordKind::StudioScopePolicy,
        RecordKind::Bucket,
        RecordKind::FlowLogGroup,
        RecordKind::FlowLogRole,
        RecordKind::FlowLog,
        RecordKind::StudioDomain,
        RecordKind::StudioUserProfile,
        RecordKind::StudioLifecycleConfig,
        RecordKind::StudioCustomImage,
        RecordKind::PackageDomain,
        RecordKind::PackageRepository,
        RecordKind::ConfigRules,
        RecordKind::CatalogBucket,
        RecordKind::TeamPortfolio,
        RecordKind::TeamProduct,
        RecordKind::MlopsBucket,
        RecordKind::MlopsSeedCode,
        RecordKind::MlopsRole,
        RecordKind::MlopsPortfolio,
        RecordKind::MlopsTemplate,
    ];

    /// How long deleting one usually takes on AWS, waits included (the middle of the ranges
    /// the emulator's latency profile cites): destroy starts the longest chains first.
    pub fn expected_delete_duration(&self) -> std::time::Duration {
        let seconds = match self {
            // Domain Deleting: 3-5 minutes, then its EFS mount targets (about a minute).
            RecordKind::StudioDomain => 240 + 60,
            RecordKind::StudioUserProfile => 60,
            RecordKind::NatGateway => 120,
            RecordKind::InterfaceEndpoint => 90,
            // What people launched from the team portfolio is terminated first: a notebook
            // instance stops, then goes (minutes each).
            RecordKind::TeamProduct => 120,
            // SageMaker projects made from a template are deleted first (their stacks).
            RecordKind::MlopsTemplate => 120,
            _ => 0,
        };
        std::time::Duration::from_secs(seconds)
    }

    /// The text in the ledger. Never change one: ledgers of existing environments hold them.
    pub fn as_str(&self) -> &str {
        match self {
            RecordKind::Vpc => "vpc",
            RecordKind::ExistingVpc => "existing-vpc",
            RecordKind::Subnet => "subnet",
            RecordKind::ExistingSubnet => "existing-subnet",
            RecordKind::RouteTable => "route-table",
            RecordKind::SecurityGroup => "security-group",
            RecordKind::S3GatewayEndpoint => "s3-gateway-endpoint",
            RecordKind::ExistingS3Endpoint => "existing-s3-endpoint",
            RecordKind::InterfaceEndpoint => "interface-endpoint",
            RecordKind::InternetGateway => "internet-gateway",
            RecordKind::NatGateway => "nat-gateway",
            RecordKind::NatAddress => "nat-address",
            RecordKind::KmsKey => "kms-key",
            RecordKind::Role => "role",
            RecordKind::ExistingRole => "existing-role",
            RecordKind::GuardrailPolicy => "guardrail-policy",
            RecordKind::BoundaryPolicy => "boundary-policy",
            RecordKind::StudioScopePolicy => "studio-scope-policy",
            RecordKind::Bucket => "bucket",
            RecordKind::FlowLogGroup => "flow-log-group",
            RecordKind::FlowLogRole => "flow-log-role",
            RecordKind::FlowLog => "flow-log",
            RecordKind::StudioDomain => "studio-domain",
            RecordKind::StudioUserProfile => "studio-user-profile",
            RecordKind::StudioLifecycleConfig => "studio-lifecycle-config",
            RecordKind::StudioCustomImage => "studio-custom-image",
            RecordKind::PackageDomain => "package-domain",
            RecordKind::PackageRepository => "package-repository",
            RecordKind::ConfigRules => "config-rules",
            RecordKind::CatalogBucket => "catalog-bucket",
            RecordKind::TeamPortfolio => "team-portfolio",
            RecordKind::TeamProduct => "team-product",
            RecordKind::MlopsBucket => "mlops-bucket",
            RecordKind::MlopsSeedCode => "mlops-seed-code",
            RecordKind::MlopsRole => "mlops-role",
            RecordKind::MlopsPortfolio => "mlops-portfolio",
            RecordKind::MlopsTemplate => "mlops-template",
            RecordKind::Unknown(text) => text,
        }
    }

    /// True for what the user brought: the engine reads it and never deletes it.
    pub fn is_brought(&self) -> bool {
        matches!(
            self,
            RecordKind::ExistingVpc
                | RecordKind::ExistingSubnet
                | RecordKind::ExistingS3Endpoint
                | RecordKind::ExistingRole
        )
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for RecordKind {
    fn from(text: String) -> Self {
        RecordKind::KNOWN
            .into_iter()
            .find(|k| k.as_str() == text)
            .unwrap_or(RecordKind::Unknown(text))
    }
}

impl From<RecordKind> for String {
    fn from(kind: RecordKind) -> String {
        kind.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_are_the_ones_ledgers_and_tags_already_hold() {
        // These strings are in ledgers and tags of existing environments: never change them.
        let cases = [
            (LogicalId::Vpc, "vpc"),
            (LogicalId::PrivateSubnet(1), "subnet-private-1"),
            (LogicalId::PublicSubnet(0), "subnet-public-0"),
            (LogicalId::PrivateRouteTable(2), "route-table-private-2"),
            (LogicalId::PublicRouteTable, "route-table-public"),
            (LogicalId::InternetGateway, "internet-gateway"),
            (LogicalId::NatAddress(0), "nat-address-0"),
            (LogicalId::NatGateway(1), "nat-gateway-1"),
            (
                LogicalId::SageMakerSecurityGroup,
                "security-group-sagemaker",
            ),
            (LogicalId::EndpointSecurityGroup, "security-group-endpoints"),
            (LogicalId::S3Endpoint, "endpoint-s3"),
            (
                LogicalId::InterfaceEndpoint("sagemaker.api".into()),
                "endpoint-sagemaker-api",
            ),
            (LogicalId::KmsKey(KeyPurpose::Studio), "kms-key-studio"),
            (
                LogicalId::Role(Persona::DataScientist),
                "role-data-scientist",
            ),
            (LogicalId::Role(Persona::ScLaunch), "role-sc-launch"),
            (LogicalId::GuardrailPolicy, "policy-guardrails"),
            (LogicalId::BoundaryPolicy, "policy-boundary"),
            (LogicalId::StudioScope, "policy-studio-scope"),
            (LogicalId::Bucket(BucketPurpose::Models), "bucket-models"),
            (LogicalId::FlowLogGroup, "flow-log-group"),
            (LogicalId::FlowLogRole, "flow-log-role"),
            (LogicalId::FlowLog, "flow-log"),
            (LogicalId::StudioDomain, "studio-domain"),
            (LogicalId::UserProfile("alice".into()), "studio-user-alice"),
            (
                LogicalId::LifecycleConfig("pip-1a2b3c4d".into()),
                "studio-lifecycle-config-pip-1a2b3c4d",
            ),
            (
                LogicalId::CustomImage("lab".into()),
                "studio-custom-image-lab",
            ),
            (LogicalId::PackageDomain, "package-domain"),
            (LogicalId::PackageRepository, "package-repository"),
            (LogicalId::ConfigRules, "config-rules"),
            (LogicalId::CatalogBucket, "catalog-bucket"),
            (LogicalId::TeamPortfolio, "team-portfolio"),
            (
                LogicalId::TeamProduct(TeamProductKind::NotebookInstance),
                "team-product-notebook-instance",
            ),
        ];
        for (id, text) in cases {
            assert_eq!(id.to_string(), text);
            let parsed: LogicalId = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text, "{text} round-trips");
        }
        assert!("bucket-logs".parse::<LogicalId>().is_err());
        assert!("subnet-private-x".parse::<LogicalId>().is_err());
        assert!("mystery".parse::<LogicalId>().is_err());
    }

    #[test]
    fn record_kinds_read_back_what_they_write_and_keep_unknown_text() {
        for kind in RecordKind::KNOWN {
            assert_eq!(RecordKind::from(kind.as_str().to_string()), kind);
        }
        let future = RecordKind::from("codeartifact-domain".to_string());
        assert_eq!(future, RecordKind::Unknown("codeartifact-domain".into()));
        assert_eq!(future.as_str(), "codeartifact-domain");
    }

    #[test]
    fn personas_parse_from_their_keys() {
        for p in Persona::ALL {
            assert_eq!(Persona::from_key(p.key()), Some(p));
        }
        assert_eq!(Persona::from_key("admin"), None);
    }
}
