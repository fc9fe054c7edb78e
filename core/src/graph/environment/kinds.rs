//! The kinds of child an environment has, each with the settings its node carries.
//!
//! [`Child`] has one variant per kind and each variant holds a struct of its own, so the driver
//! can hand each kind to the code that knows it (the `ChildKind` trait in `children::kind`):
//! adding a variant here fails to compile until that code is written for it.

use std::collections::BTreeSet;

use crate::ids::{
    BucketPurpose, KeyPurpose, MlopsRoleKind, MlopsTemplateKind, Persona, TeamProductKind,
};
use crate::policy::environment::packages::PackageRepositoryNames;
use crate::spec::{
    AuthMode, Cidr, PackageUpstream, SourceSpec, StudioAccessSpec, StudioAppType, TrafficType,
};

/// A VPC with DNS support and hostnames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    /// Its CIDR.
    pub cidr: Cidr,
}

/// A VPC the user brought: read, never changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingVpc {
    /// Its id.
    pub vpc_id: String,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    /// Zone.
    pub zone: String,
    /// CIDR.
    pub cidr: Cidr,
    /// Public (NAT) or private (workloads).
    pub public: bool,
}

/// A subnet the user brought: read, never changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingSubnet {
    /// Its id.
    pub subnet_id: String,
}

/// The internet gateway, only with NAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternetGateway;

/// The Elastic IP of a NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatAddress {
    /// Zone.
    pub zone: String,
}

/// A NAT gateway in a public subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatGateway {
    /// Zone.
    pub zone: String,
}

/// A route table; private ones route to the zone's NAT gateway when there is one and to
/// nothing outside the VPC otherwise; the public one routes to the internet gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    /// Zone for private tables, `None` for the public table.
    pub zone: Option<String>,
    /// Public or private.
    pub public: bool,
}

/// The SageMaker security group: ingress only from itself; egress to itself, the endpoints
/// and S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SageMakerSecurityGroup {
    /// HTTPS to anywhere too: the environment has NAT gateways.
    pub internet_https: bool,
}

/// The endpoint security group: TCP 443 from the SageMaker group and the private subnets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSecurityGroup;

/// The S3 gateway endpoint on the private route tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3GatewayEndpoint;

/// An S3 gateway endpoint the user brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingS3Endpoint {
    /// Its id.
    pub endpoint_id: String,
}

/// An interface endpoint with private DNS in every private subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceEndpoint {
    /// Service name after `com.amazonaws.<region>.` (`sts`, `sagemaker.api`).
    pub service: String,
}

/// A KMS key with rotation on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKey {
    /// What it encrypts.
    pub purpose: KeyPurpose,
}

/// A bucket: SSE-KMS with the data key, public access blocked, versioning, TLS-only and
/// endpoint-only policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// What it holds.
    pub purpose: BucketPurpose,
    /// Its name, when the user chose one (else derived from name, stage, region, account).
    pub name: Option<String>,
    /// Empty it on destroy.
    pub force_destroy: bool,
}

/// A persona or service role created by the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Which one.
    pub persona: Persona,
    /// Where its people may open Studio from (default, no limit, for the services' roles).
    pub studio_access: StudioAccessSpec,
    /// The package repository it reads from (the people and the execution role, with packages).
    pub packages: Option<PackageRepositoryNames>,
}

/// A role the user brought for a persona: read, never changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingRole {
    /// Which one.
    pub persona: Persona,
    /// Its ARN.
    pub arn: String,
}

/// The guardrail policy attached to the persona and execution roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardrailPolicy;

/// The permissions boundary policy every role the environment creates carries, when the spec
/// names none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundaryPolicy;

/// The KMS-encrypted log group for flow logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLogGroup {
    /// Retention in days.
    pub retention_days: i64,
}

/// The role VPC flow logs deliver with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLogRole;

/// The VPC flow log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLog {
    /// Which traffic it records.
    pub traffic_type: TrafficType,
}

/// The platform settings every user and space of the domain gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioPlatform {
    /// Minutes before an idle JupyterLab or Code Editor app stops; `None`: idle apps run on.
    pub idle_minutes: Option<u32>,
    /// A new space's EBS volume, in GB.
    pub storage_gb: u32,
    /// The largest volume a user may give a space, in GB.
    pub max_storage_gb: u32,
    /// App types the web portal does not show.
    pub hidden_apps: BTreeSet<String>,
    /// Whether apps may run Docker.
    pub docker_access: bool,
}

impl StudioPlatform {
    /// The settings `studio` asks for.
    pub fn of(studio: &crate::spec::StudioSpec) -> Self {
        StudioPlatform {
            idle_minutes: studio
                .idle_shutdown
                .enabled
                .then_some(studio.idle_shutdown.idle_minutes),
            storage_gb: studio.default_space.storage_gb,
            max_storage_gb: studio.default_space.max_storage_gb,
            hidden_apps: studio.hidden_apps.clone(),
            docker_access: studio.docker_access,
        }
    }
}

/// The Studio domain: VPC-only, in the private subnets, encrypted with the `studio` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioDomain {
    /// Its name.
    pub name: String,
    /// How users sign in.
    pub auth_mode: AuthMode,
    /// Idle shutdown, spaces' storage, the web portal's apps, Docker.
    pub platform: StudioPlatform,
}

/// A Studio user profile running as a persona role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioUserProfile {
    /// Its name.
    pub name: String,
    /// The persona whose role it runs as.
    pub persona: Persona,
    /// Its IAM Identity Center user name (domains that sign in through IAM Identity Center).
    pub sso_user_name: Option<String>,
    /// Minutes before its idle apps stop (its own, else the domain's); `None`: never.
    pub idle_minutes: Option<u32>,
    /// The lifecycle configuration its apps run by default instead of the domain's (its
    /// logical id and app type).
    pub default_lifecycle_config: Option<(String, StudioAppType)>,
}

/// A Studio lifecycle configuration: a script JupyterLab or Code Editor runs when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioLifecycleConfig {
    /// Its name in AWS (`<env id>-<name>-<version>`).
    pub aws_name: String,
    /// The app it runs in.
    pub app_type: StudioAppType,
    /// The script.
    pub content: String,
    /// Whether apps run it unless the user picks another.
    pub default: bool,
}

/// A Studio custom image from this account's ECR, its newest version and its app image config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioCustomImage {
    /// Its name in AWS (`<env id>-<name>`), the image's and the app image config's.
    pub aws_name: String,
    /// The ECR image.
    pub ecr_image_uri: String,
    /// The app it runs as.
    pub app_type: StudioAppType,
    /// The user id apps run as.
    pub uid: u32,
    /// The group id apps run as.
    pub gid: u32,
    /// Where the home directory is mounted.
    pub mount_path: String,
}

/// The CodeArtifact domain of the package repository, encrypted with the `data` key, with a
/// policy refusing other accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDomain {
    /// Its name.
    pub name: String,
}

/// The package repository, reading through to its upstream's public registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRepository {
    /// The domain it is in.
    pub domain: String,
    /// Its name.
    pub name: String,
    /// Where its packages come from.
    pub upstream: PackageUpstream,
}

/// The AWS Config managed rules that check, continuously, what the audit checks on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRules {
    /// Also the rule for models' network isolation (the guardrails require it).
    pub network_isolation: bool,
}

/// The bucket Service Catalog reads the team products' templates from: only this account,
/// only TLS, public access blocked; the templates hold no data, only the environment's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogBucket;

/// The team's Service Catalog portfolio, shared with the people's roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamPortfolio;

/// A product of the team portfolio: its template (from `cfn/products/team/`, with the
/// environment's values written in), its association with the portfolio and its launch
/// constraint on the `sc_launch` role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamProduct {
    /// Which product.
    pub kind: TeamProductKind,
    /// The instance types the guardrails allow (globs; empty: any).
    pub allowed_instance_types: Vec<String>,
    /// The package repository notebooks point pip at (domain, repository), if any.
    pub packages: Option<(String, String)>,
}

/// What the MLOps children use of the environment they serve, found by its tags and names
/// before their graph is made (`mlops::complete`): the environment is another resource, so
/// none of this is an input record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MlopsEnvironment {
    /// Its VPC.
    pub vpc_id: String,
    /// Its private subnets, in zone order.
    pub subnet_ids: Vec<String>,
    /// Its SageMaker security group.
    pub security_group_id: String,
    /// Its `data` key.
    pub data_key_arn: String,
    /// Its `ebs` key.
    pub ebs_key_arn: String,
    /// Its model bucket.
    pub models_bucket: String,
    /// Its execution role, which the projects' SageMaker pipelines run as.
    pub execution_role_arn: String,
    /// Its people's roles (data scientists, team admins), which Studio shows the templates to.
    pub people_role_arns: Vec<String>,
    /// Its package repository (domain, repository), when it has one.
    pub packages: Option<(String, String)>,
}

/// The MLOps bucket: the templates, their seed code and the projects' pipeline artifacts.
/// Versioned (CodePipeline's S3 source needs it), this account only, TLS only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsBucket;

/// A template's seed code, zipped into the MLOps bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsSeedCode {
    /// Whose.
    pub template: MlopsTemplateKind,
}

/// A role of the MLOps project templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsRole {
    /// Which.
    pub kind: MlopsRoleKind,
    /// The environment it works in.
    pub environment: MlopsEnvironment,
    /// Where the projects' code comes from.
    pub source: SourceSpec,
}

/// The portfolio of the project templates, shared with the environment's people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsPortfolio {
    /// The role ARNs it is shared with.
    pub principals: Vec<String>,
}

/// A project template: a Service Catalog product Studio shows, launched through a constraint
/// on the MLOps launch role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsTemplate {
    /// Which.
    pub template: MlopsTemplateKind,
    /// The environment it builds in.
    pub environment: MlopsEnvironment,
    /// Where the projects' code comes from.
    pub source: SourceSpec,
}

/// The studio scope: an inline policy keeping the created people and execution roles' Studio
/// actions in the environment's domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioScope {
    /// The personas whose (created) roles carry it.
    pub personas: Vec<Persona>,
}

/// One child of an environment and its desired settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Child {
    /// See [`Vpc`].
    Vpc(Vpc),
    /// See [`ExistingVpc`].
    ExistingVpc(ExistingVpc),
    /// See [`Subnet`].
    Subnet(Subnet),
    /// See [`ExistingSubnet`].
    ExistingSubnet(ExistingSubnet),
    /// See [`InternetGateway`].
    InternetGateway(InternetGateway),
    /// See [`NatAddress`].
    NatAddress(NatAddress),
    /// See [`NatGateway`].
    NatGateway(NatGateway),
    /// See [`RouteTable`].
    RouteTable(RouteTable),
    /// See [`SageMakerSecurityGroup`].
    SageMakerSecurityGroup(SageMakerSecurityGroup),
    /// See [`EndpointSecurityGroup`].
    EndpointSecurityGroup(EndpointSecurityGroup),
    /// See [`S3GatewayEndpoint`].
    S3GatewayEndpoint(S3GatewayEndpoint),
    /// See [`ExistingS3Endpoint`].
    ExistingS3Endpoint(ExistingS3Endpoint),
    /// See [`InterfaceEndpoint`].
    InterfaceEndpoint(InterfaceEndpoint),
    /// See [`KmsKey`].
    KmsKey(KmsKey),
    /// See [`Bucket`].
    Bucket(Bucket),
    /// See [`Role`].
    Role(Role),
    /// See [`ExistingRole`].
    ExistingRole(ExistingRole),
    /// See [`GuardrailPolicy`].
    GuardrailPolicy(GuardrailPolicy),
    /// See [`BoundaryPolicy`].
    BoundaryPolicy(BoundaryPolicy),
    /// See [`FlowLogGroup`].
    FlowLogGroup(FlowLogGroup),
    /// See [`FlowLogRole`].
    FlowLogRole(FlowLogRole),
    /// See [`FlowLog`].
    FlowLog(FlowLog),
    /// See [`StudioDomain`].
    StudioDomain(StudioDomain),
    /// See [`StudioUserProfile`].
    StudioUserProfile(StudioUserProfile),
    /// See [`StudioScope`].
    StudioScope(StudioScope),
    /// See [`StudioLifecycleConfig`].
    StudioLifecycleConfig(StudioLifecycleConfig),
    /// See [`StudioCustomImage`].
    StudioCustomImage(StudioCustomImage),
    /// See [`PackageDomain`].
    PackageDomain(PackageDomain),
    /// See [`PackageRepository`].
    PackageRepository(PackageRepository),
    /// See [`ConfigRules`].
    ConfigRules(ConfigRules),
    /// See [`CatalogBucket`].
    CatalogBucket(CatalogBucket),
    /// See [`TeamPortfolio`].
    TeamPortfolio(TeamPortfolio),
    /// See [`TeamProduct`].
    TeamProduct(TeamProduct),
    /// See [`MlopsBucket`].
    MlopsBucket(MlopsBucket),
    /// See [`MlopsSeedCode`].
    MlopsSeedCode(MlopsSeedCode),
    /// See [`MlopsRole`].
    MlopsRole(MlopsRole),
    /// See [`MlopsPortfolio`].
    MlopsPortfolio(MlopsPortfolio),
    /// See [`MlopsTemplate`].
    MlopsTemplate(MlopsTemplate),
}

impl Child {
    /// The kind's name in logs, as the ledger writes the kind of its record (`vpc`,
    /// `interface-endpoint`, `studio-domain`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Child::Vpc(_) => "vpc",
            Child::ExistingVpc(_) => "existing-vpc",
            Child::Subnet(_) => "subnet",
            Child::ExistingSubnet(_) => "existing-subnet",
            Child::InternetGateway(_) => "internet-gateway",
            Child::NatAddress(_) => "nat-address",
            Child::NatGateway(_) => "nat-gateway",
            Child::RouteTable(_) => "route-table",
            Child::SageMakerSecurityGroup(_) | Child::EndpointSecurityGroup(_) => "security-group",
            Child::S3GatewayEndpoint(_) => "s3-gateway-endpoint",
            Child::ExistingS3Endpoint(_) => "existing-s3-endpoint",
            Child::InterfaceEndpoint(_) => "interface-endpoint",
            Child::KmsKey(_) => "kms-key",
            Child::Bucket(_) => "bucket",
            Child::Role(_) => "role",
            Child::ExistingRole(_) => "existing-role",
            Child::GuardrailPolicy(_) => "guardrail-policy",
            Child::BoundaryPolicy(_) => "boundary-policy",
            Child::FlowLogGroup(_) => "flow-log-group",
            Child::FlowLogRole(_) => "flow-log-role",
            Child::FlowLog(_) => "flow-log",
            Child::StudioDomain(_) => "studio-domain",
            Child::StudioUserProfile(_) => "studio-user-profile",
            Child::StudioScope(_) => "studio-scope-policy",
            Child::StudioLifecycleConfig(_) => "studio-lifecycle-config",
            Child::StudioCustomImage(_) => "studio-custom-image",
            Child::PackageDomain(_) => "package-domain",
            Child::PackageRepository(_) => "package-repository",
            Child::ConfigRules(_) => "config-rules",
            Child::CatalogBucket(_) => "catalog-bucket",
            Child::TeamPortfolio(_) => "team-portfolio",
            Child::TeamProduct(_) => "team-product",
            Child::MlopsBucket(_) => "mlops-bucket",
            Child::MlopsSeedCode(_) => "mlops-seed-code",
            Child::MlopsRole(_) => "mlops-role",
            Child::MlopsPortfolio(_) => "mlops-portfolio",
            Child::MlopsTemplate(_) => "mlops-template",
        }
    }

    /// How long this kind usually takes to be usable on AWS (the middle of the public reports
    /// the project's emulator's latency profile cites): the executor starts the longest chains
    /// first, and benchmarks compute the critical path from the same numbers.
    pub fn expected_duration(&self) -> std::time::Duration {
        let seconds = match self {
            // Studio domain Pending -> InService: 5-8 minutes; a user profile about one.
            Child::StudioDomain(_) => 390,
            Child::StudioUserProfile(_) => 60,
            // NAT gateway pending -> available: 1-3 minutes.
            Child::NatGateway(_) => 120,
            // Interface endpoint pending -> available: 2-4 minutes.
            Child::InterfaceEndpoint(_) => 180,
            // IAM: a role must propagate before SageMaker can assume it (seconds).
            Child::Role(_) | Child::MlopsRole(_) => 8,
            Child::Vpc(_)
            | Child::ExistingVpc(_)
            | Child::Subnet(_)
            | Child::ExistingSubnet(_)
            | Child::InternetGateway(_)
            | Child::NatAddress(_)
            | Child::RouteTable(_)
            | Child::SageMakerSecurityGroup(_)
            | Child::EndpointSecurityGroup(_)
            | Child::S3GatewayEndpoint(_)
            | Child::ExistingS3Endpoint(_)
            | Child::KmsKey(_)
            | Child::Bucket(_)
            | Child::ExistingRole(_)
            | Child::GuardrailPolicy(_)
            | Child::BoundaryPolicy(_)
            | Child::StudioScope(_)
            | Child::StudioLifecycleConfig(_)
            | Child::StudioCustomImage(_)
            | Child::PackageDomain(_)
            | Child::PackageRepository(_)
            | Child::ConfigRules(_)
            | Child::CatalogBucket(_)
            | Child::TeamPortfolio(_)
            | Child::TeamProduct(_)
            | Child::MlopsBucket(_)
            | Child::MlopsSeedCode(_)
            | Child::MlopsPortfolio(_)
            | Child::MlopsTemplate(_)
            | Child::FlowLogGroup(_)
            | Child::FlowLogRole(_)
            | Child::FlowLog(_) => 1,
        };
        std::time::Duration::from_secs(seconds)
    }
}
