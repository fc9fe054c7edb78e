//! Input for a secure data-science team environment (`sagemaker_secure_ds_environment`).
//!
//! Every check here runs before any AWS call. Defaults are filled by [`EnvironmentSpec::resolved`]
//! so the graph never sees an omitted value: subnet CIDRs are sliced from the VPC CIDR the way
//! the reference layout does (private /19s from the bottom, public /20s from the middle of a /16).

use std::collections::{BTreeMap, BTreeSet};

mod checks;
mod network;
mod packages;
mod replacement;
mod studio;
#[cfg(test)]
mod tests;

use super::choice::{AuthMode, EfsRetention, ProfilePersona, Stage, TrafficType};
use super::cidr::Cidr;
use super::ValidationErrors;

pub use checks::bucket_name_problem;

/// The environment name checks, for inputs that name an environment by its id.
pub(crate) fn check_environment_name(name: &str, errors: &mut ValidationErrors) {
    checks::check_name(name, errors);
}

/// The user tag checks (no reserved prefix, AWS's lengths), for the other resources' tags.
pub(crate) fn check_user_tags(tags: &BTreeMap<String, String>, errors: &mut ValidationErrors) {
    checks::check_tags(tags, errors);
}
pub use packages::{PackagesSpec, PACKAGE_ENDPOINTS};
pub use studio::{
    default_hidden_apps, ecr_image_account_region, CustomImageSpec, DefaultSpaceSpec,
    IdleShutdownSpec, LifecycleConfigSpec, APP_TYPES, DEFAULT_HIDDEN_APPS, IMAGE_GID,
    IMAGE_MOUNT_PATH, IMAGE_UID, MAX_IDLE_MINUTES, MAX_LIFECYCLE_CONFIG_BYTES,
    MAX_SPACE_STORAGE_GB, MIN_IDLE_MINUTES, MIN_SPACE_STORAGE_GB,
};

/// Longest environment name: every derived AWS name must fit, the tightest being the bucket
/// `<name>-<stage>-<region>-<account>-models` (63 characters, with the longest region names).
pub const MAX_NAME_LEN: usize = 20;
/// Default VPC CIDR.
pub const DEFAULT_VPC_CIDR: &str = "10.0.0.0/16";
/// Most availability zones an environment spans.
pub const MAX_AZS: usize = 4;
/// Retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// Interface endpoints created by default: every AWS API Studio, training, pipelines and
/// SageMaker Projects call from inside a VPC without an internet path.
pub const DEFAULT_INTERFACE_ENDPOINTS: &[&str] = &[
    "codebuild",
    "codecommit",
    "codepipeline",
    "ecr.api",
    "ecr.dkr",
    "git-codecommit",
    "kms",
    "logs",
    "monitoring",
    "notebook",
    "sagemaker.api",
    "sagemaker.featurestore-runtime",
    "sagemaker.runtime",
    "servicecatalog",
    "ssm",
    "studio",
    "sts",
];

/// VPC flow logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLogsSpec {
    /// On by default.
    pub enabled: bool,
    /// `REJECT` by default.
    pub traffic_type: TrafficType,
    /// Log retention in days (default 14).
    pub retention_days: i64,
}

impl Default for FlowLogsSpec {
    fn default() -> Self {
        FlowLogsSpec {
            enabled: true,
            traffic_type: TrafficType::Reject,
            retention_days: 14,
        }
    }
}

/// The `network` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSpec {
    /// An existing VPC to use (bring your own); `None` creates one.
    pub vpc_id: Option<String>,
    /// The VPC CIDR (default 10.0.0.0/16 for a new VPC; for an existing VPC, its CIDR if new
    /// subnets are to be sliced from it).
    pub vpc_cidr: Option<String>,
    /// 1-4 availability zones. `None`: not written; [`complete`](crate::environment::complete)
    /// fills the region's first two (or, with existing subnets, their zones). An empty list is
    /// an error, not a request for the default.
    pub availability_zones: Option<Vec<String>>,
    /// One private subnet CIDR per zone; default slices of the VPC CIDR.
    pub private_subnet_cidrs: Option<Vec<String>>,
    /// Existing private subnets to use instead of creating them.
    pub existing_private_subnet_ids: Option<Vec<String>>,
    /// NAT gateways (one per zone, in public subnets). Off by default: then there is no
    /// internet gateway at all.
    pub create_nat_gateways: bool,
    /// One public subnet CIDR per zone when NAT is on; default slices of the VPC CIDR.
    pub public_subnet_cidrs: Option<Vec<String>>,
    /// Interface endpoint service names (`sts`, `sagemaker.api`); `None` means the default set.
    pub interface_endpoints: Option<BTreeSet<String>>,
    /// An existing S3 gateway endpoint to use instead of creating one.
    pub existing_s3_endpoint_id: Option<String>,
    /// Flow logs.
    pub flow_logs: FlowLogsSpec,
}

/// The `iam` block: roles given are used as they are (separation of duties); the others are
/// created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IamSpec {
    /// Data scientist persona role.
    pub data_scientist_role_arn: Option<String>,
    /// Team administrator persona role.
    pub team_admin_role_arn: Option<String>,
    /// SageMaker execution role.
    pub execution_role_arn: Option<String>,
    /// Service Catalog launch role.
    pub sc_launch_role_arn: Option<String>,
    /// The permissions boundary every role the environment creates carries (an IAM managed
    /// policy ARN). `None`: the environment creates its own boundary policy.
    pub permissions_boundary_arn: Option<String>,
    /// Who may assume the data scientist and team admin roles the environment creates (accounts,
    /// roles or users). Empty: any principal of the account whose IAM policies allow it.
    pub trusted_principal_arns: BTreeSet<String>,
    /// Roles (path and name, `*` and `?` as in IAM ARNs) the engine's administrator lets any
    /// environment bring without tagging them for it. Not user input: the custom resource sets
    /// it from its stack's `ExistingRoleNamePattern`; Terraform leaves it `None` (a brought role
    /// must then be tagged for the environment).
    pub allowed_brought_roles: Option<String>,
}

/// The `storage` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageSpec {
    /// Data bucket name; default `<name>-<stage>-<region>-<account>-data`.
    pub data_bucket_name: Option<String>,
    /// Model bucket name; default `<name>-<stage>-<region>-<account>-models`.
    pub model_bucket_name: Option<String>,
    /// Delete the buckets' objects on destroy.
    pub force_destroy: bool,
}

/// The `guardrails` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardrailSpec {
    /// Deny compute without VPC subnets, and separately without security groups.
    pub require_vpc: bool,
    /// Deny compute without a volume KMS key, and jobs without an output KMS key.
    pub require_kms: bool,
    /// Deny notebook instances with root access.
    pub deny_root_access: bool,
    /// Deny notebook instances with direct internet access.
    pub deny_direct_internet: bool,
    /// Deny jobs and models whose containers may reach the network (`EnableNetworkIsolation`
    /// not true). Off by default: most training needs the VPC (S3 through the endpoint).
    pub require_network_isolation: bool,
    /// Deny distributed jobs without inter-container traffic encryption. Off by default: it
    /// slows distributed training.
    pub require_inter_container_encryption: bool,
    /// When not empty, deny instance types outside this list.
    pub allowed_instance_types: Vec<String>,
    /// Deploy the AWS Config managed rules matching the audit's checks (the account and region
    /// must have a configuration recorder). Off by default.
    pub managed_config_rules: bool,
}

impl Default for GuardrailSpec {
    fn default() -> Self {
        GuardrailSpec {
            require_vpc: true,
            require_kms: true,
            deny_root_access: true,
            deny_direct_internet: true,
            require_network_isolation: false,
            require_inter_container_encryption: false,
            allowed_instance_types: Vec::new(),
            managed_config_rules: false,
        }
    }
}

/// The `studio.user_profile "<name>"` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfileSpec {
    /// Which persona role the profile runs as.
    pub persona: ProfilePersona,
    /// The IAM Identity Center user the profile belongs to (its user name); required when the
    /// domain signs in through IAM Identity Center, not allowed otherwise.
    pub sso_user_name: Option<String>,
    /// The profile's own idle timeout, instead of `studio.idle_shutdown.idle_minutes`.
    pub idle_minutes: Option<u32>,
    /// The `studio.lifecycle_config` block the profile's apps of its app type run by default,
    /// instead of the domain's default.
    pub default_lifecycle_config: Option<String>,
}

/// The `studio.access` block: where people may open Studio from. Both unset: anywhere their
/// IAM permissions allow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudioAccessSpec {
    /// Studio opens only through the environment's VPC (its `sagemaker.api` interface endpoint),
    /// or from `allowed_source_cidrs`.
    pub source_vpc_endpoint_only: bool,
    /// Public address ranges Studio may be opened from (IPv4 CIDRs).
    pub allowed_source_cidrs: BTreeSet<String>,
}

impl StudioAccessSpec {
    /// Whether any limit is set.
    pub fn is_limited(&self) -> bool {
        self.source_vpc_endpoint_only || !self.allowed_source_cidrs.is_empty()
    }
}

/// The `studio` block: a VPC-only Studio domain in the private subnets, encrypted with the
/// `studio` key, and its user profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioSpec {
    /// Whether the environment has a Studio domain. Off in the engine's default (front ends
    /// choose their own).
    pub enabled: bool,
    /// The domain's name; default `<name>-<stage>`.
    pub domain_name: Option<String>,
    /// How users sign in (IAM by default).
    pub auth_mode: AuthMode,
    /// What happens to the home file system when the domain goes (kept by default).
    pub efs_retention: EfsRetention,
    /// User profiles by name.
    pub user_profiles: BTreeMap<String, UserProfileSpec>,
    /// Where people may open Studio from.
    pub access: StudioAccessSpec,
    /// When idle apps stop.
    pub idle_shutdown: IdleShutdownSpec,
    /// The storage of users' spaces.
    pub default_space: DefaultSpaceSpec,
    /// The app types the Studio web portal does not show.
    pub hidden_apps: BTreeSet<String>,
    /// Whether apps may build and run Docker containers (off by default; on, only images of
    /// the environment's own account).
    pub docker_access: bool,
    /// Lifecycle configurations (scripts apps run when they start), by name.
    pub lifecycle_configs: BTreeMap<String, LifecycleConfigSpec>,
    /// Custom images from this account's ECR, by name.
    pub custom_images: BTreeMap<String, CustomImageSpec>,
    /// The private Python package repository (on by default).
    pub packages: PackagesSpec,
    /// The team's own Service Catalog portfolio (off by default): a notebook instance product
    /// and a Studio user profile product, shared with the people's roles.
    pub team_portfolio: bool,
}

impl Default for StudioSpec {
    fn default() -> Self {
        StudioSpec {
            enabled: false,
            domain_name: None,
            auth_mode: AuthMode::default(),
            efs_retention: EfsRetention::default(),
            user_profiles: BTreeMap::new(),
            access: StudioAccessSpec::default(),
            idle_shutdown: IdleShutdownSpec::default(),
            default_space: DefaultSpaceSpec::default(),
            hidden_apps: default_hidden_apps(),
            docker_access: false,
            lifecycle_configs: BTreeMap::new(),
            custom_images: BTreeMap::new(),
            packages: PackagesSpec::default(),
            team_portfolio: false,
        }
    }
}

/// A team environment as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSpec {
    /// Lowercase name, starting with a letter.
    pub name: String,
    /// The stage.
    pub stage: Stage,
    /// Tags for every child (the provider's default tags are added by the front end).
    pub tags: BTreeMap<String, String>,
    /// Network settings.
    pub network: NetworkSpec,
    /// IAM settings.
    pub iam: IamSpec,
    /// Storage settings.
    pub storage: StorageSpec,
    /// Guardrails.
    pub guardrails: GuardrailSpec,
    /// Studio.
    pub studio: StudioSpec,
}

/// Subnet CIDRs after defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSubnets {
    /// The VPC CIDR, when known.
    pub vpc_cidr: Option<Cidr>,
    /// Private subnet CIDRs to create, one per zone (empty with existing subnets).
    pub private: Vec<Cidr>,
    /// Public subnet CIDRs to create, one per zone (empty without NAT).
    pub public: Vec<Cidr>,
}

impl EnvironmentSpec {
    /// An environment known only by its name and stage (an import id, a delete without usable
    /// properties), every other setting the default: enough to find its tagged children and
    /// default-named buckets.
    pub fn named(name: &str, stage: Stage) -> Self {
        EnvironmentSpec {
            name: name.to_string(),
            stage,
            tags: BTreeMap::new(),
            network: NetworkSpec::default(),
            iam: IamSpec::default(),
            storage: StorageSpec::default(),
            guardrails: GuardrailSpec::default(),
            studio: StudioSpec::default(),
        }
    }

    /// `<name>-<stage>`, the value of the `secure-mlops:environment` tag.
    pub fn environment_id(&self) -> String {
        format!("{}-{}", self.name, self.stage.as_str())
    }

    /// The Studio domain's name: the spec's, or `<name>-<stage>`.
    pub fn domain_name(&self) -> String {
        self.studio
            .domain_name
            .clone()
            .unwrap_or_else(|| self.environment_id())
    }

    /// The interface endpoints to create.
    pub fn interface_endpoints(&self) -> BTreeSet<String> {
        let mut services = self.network.interface_endpoints.clone().unwrap_or_else(|| {
            DEFAULT_INTERFACE_ENDPOINTS
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        // The package repository is reached only through its endpoints: they come with it,
        // whatever list the spec gives.
        if self.studio.has_packages() {
            services.extend(packages::PACKAGE_ENDPOINTS.iter().map(|s| s.to_string()));
        }
        services
    }

    /// Subnet CIDRs with defaults filled in. Call after [`validate`](Self::validate).
    pub fn resolved_subnets(&self) -> ResolvedSubnets {
        let net = &self.network;
        let vpc_cidr: Option<Cidr> = match (&net.vpc_id, &net.vpc_cidr) {
            (_, Some(text)) => text.parse().ok(),
            (None, None) => DEFAULT_VPC_CIDR.parse().ok(),
            (Some(_), None) => None,
        };
        let zones = net.zones().len();
        let slice = |given: &Option<Vec<String>>, extra_bits: u8, offset: u32| -> Vec<Cidr> {
            match given {
                Some(list) => list.iter().filter_map(|c| c.parse().ok()).collect(),
                None => vpc_cidr
                    .map(|vpc| {
                        (0..zones)
                            .filter_map(|i| {
                                let i = u32::try_from(i).ok()?;
                                vpc.subnet(vpc.prefix() + extra_bits, offset + i)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        };
        let private = if net.existing_private_subnet_ids.is_some() {
            Vec::new()
        } else {
            slice(&net.private_subnet_cidrs, 3, 0)
        };
        let public = if net.create_nat_gateways {
            slice(&net.public_subnet_cidrs, 4, 8)
        } else {
            Vec::new()
        };
        ResolvedSubnets {
            vpc_cidr,
            private,
            public,
        }
    }

    /// The quickstart's spec (new VPC, two zones, every default), shared by unit tests.
    #[cfg(test)]
    pub(crate) fn quickstart_example() -> Self {
        EnvironmentSpec {
            name: "team-a".into(),
            stage: Stage::Dev,
            tags: BTreeMap::new(),
            network: NetworkSpec {
                availability_zones: Some(vec!["eu-west-1a".into(), "eu-west-1b".into()]),
                flow_logs: FlowLogsSpec::default(),
                ..Default::default()
            },
            iam: IamSpec::default(),
            storage: StorageSpec::default(),
            guardrails: GuardrailSpec::default(),
            studio: StudioSpec::default(),
        }
    }

    /// The quickstart brought into an existing VPC, subnets and S3 endpoint, shared by unit tests.
    #[cfg(test)]
    pub(crate) fn byo_example() -> Self {
        let mut spec = Self::quickstart_example();
        spec.network.vpc_id = Some("vpc-0123456789abcdef0".into());
        spec.network.existing_private_subnet_ids = Some(vec![
            "subnet-0123456789abcdef0".into(),
            "subnet-0123456789abcdef1".into(),
        ]);
        spec.network.existing_s3_endpoint_id = Some("vpce-0123456789abcdef0".into());
        spec
    }

    /// Every problem with the spec, each on its attribute path. Needs no AWS call. Checks that
    /// depend on the zones run only once they are known (written, or filled by
    /// [`complete`](crate::environment::complete)).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        self.check(&mut errors);
        errors.into_result()
    }

    /// Adds every problem with the spec to `errors` (which may already hold what a front end
    /// found while parsing its input), so a user sees all mistakes at once.
    pub fn check(&self, errors: &mut ValidationErrors) {
        checks::check_name(&self.name, errors);
        checks::check_tags(&self.tags, errors);
        network::check_network(&self.network, errors);
        checks::check_iam(&self.iam, errors);
        checks::check_storage(&self.storage, errors);
        checks::check_guardrails(&self.guardrails, errors);
        checks::check_studio(&self.studio, errors);
        studio::check_platform(&self.environment_id(), &self.studio, errors);
        packages::check_packages(&self.studio, errors);
        checks::check_studio_access(
            &self.studio.access,
            &self.interface_endpoints(),
            self.network.interface_endpoints.is_some(),
            errors,
        );
    }
}

impl NetworkSpec {
    /// The zones, empty until known.
    pub fn zones(&self) -> &[String] {
        self.availability_zones.as_deref().unwrap_or_default()
    }
}
