//! Input for a secure data-science team environment (`sagemaker_secure_ds_environment`).
//!
//! Every check here runs before any AWS call. Defaults are filled by [`EnvironmentSpec::resolved`]
//! so the graph never sees an omitted value: subnet CIDRs are sliced from the VPC CIDR the way
//! the reference layout does (private /19s from the bottom, public /20s from the middle of a /16).

use std::collections::{BTreeMap, BTreeSet};

use super::cidr::Cidr;
use super::{parse_iam_role_arn, AttrPath, ValidationErrors};

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

/// The deployment stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Development.
    Dev,
    /// Test.
    Test,
    /// Production.
    Prod,
}

impl Stage {
    /// Parses `dev`, `test` or `prod`.
    pub fn parse(text: &str) -> Option<Stage> {
        match text {
            "dev" => Some(Stage::Dev),
            "test" => Some(Stage::Test),
            "prod" => Some(Stage::Prod),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Dev => "dev",
            Stage::Test => "test",
            Stage::Prod => "prod",
        }
    }
}

/// VPC flow logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLogsSpec {
    /// On by default.
    pub enabled: bool,
    /// `ACCEPT`, `REJECT` (default) or `ALL`.
    pub traffic_type: String,
    /// Log retention in days (default 14).
    pub retention_days: i64,
}

impl Default for FlowLogsSpec {
    fn default() -> Self {
        FlowLogsSpec {
            enabled: true,
            traffic_type: "REJECT".to_string(),
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
    /// 1-4 availability zones.
    pub availability_zones: Vec<String>,
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
    /// When not empty, deny instance types outside this list.
    pub allowed_instance_types: Vec<String>,
}

impl Default for GuardrailSpec {
    fn default() -> Self {
        GuardrailSpec {
            require_vpc: true,
            require_kms: true,
            deny_root_access: true,
            deny_direct_internet: true,
            allowed_instance_types: Vec::new(),
        }
    }
}

/// The `studio.user_profile "<name>"` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfileSpec {
    /// `data_scientist` or `team_admin`: which persona role the profile runs as.
    pub persona: String,
}

/// The `studio` block: a VPC-only Studio domain in the private subnets, encrypted with the
/// `studio` key, and its user profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudioSpec {
    /// Whether the environment has a Studio domain. Off in the engine's default (front ends
    /// choose their own).
    pub enabled: bool,
    /// The domain's name; default `<name>-<stage>`.
    pub domain_name: Option<String>,
    /// `IAM` (default) or `SSO`.
    pub auth_mode: Option<String>,
    /// What happens to the home file system when the domain goes: `Retain` (default) or `Delete`.
    pub efs_retention: Option<String>,
    /// User profiles by name.
    pub user_profiles: BTreeMap<String, UserProfileSpec>,
}

/// Personas a user profile may take.
pub const PROFILE_PERSONAS: &[&str] = &["data_scientist", "team_admin"];

impl StudioSpec {
    /// `IAM` unless set.
    pub fn auth_mode(&self) -> &str {
        self.auth_mode.as_deref().unwrap_or("IAM")
    }

    /// `Retain` unless set.
    pub fn efs_retention(&self) -> &str {
        self.efs_retention.as_deref().unwrap_or("Retain")
    }
}

/// A team environment as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSpec {
    /// Lowercase name, starting with a letter.
    pub name: String,
    /// `dev`, `test` or `prod`.
    pub stage: String,
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
    pub fn named(name: &str, stage: &str) -> Self {
        EnvironmentSpec {
            name: name.to_string(),
            stage: stage.to_string(),
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
        format!("{}-{}", self.name, self.stage)
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
        self.network.interface_endpoints.clone().unwrap_or_else(|| {
            DEFAULT_INTERFACE_ENDPOINTS
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
    }

    /// Subnet CIDRs with defaults filled in. Call after [`validate`](Self::validate).
    pub fn resolved_subnets(&self) -> ResolvedSubnets {
        let net = &self.network;
        let vpc_cidr: Option<Cidr> = match (&net.vpc_id, &net.vpc_cidr) {
            (_, Some(text)) => text.parse().ok(),
            (None, None) => DEFAULT_VPC_CIDR.parse().ok(),
            (Some(_), None) => None,
        };
        let zones = net.availability_zones.len();
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
            stage: "dev".into(),
            tags: BTreeMap::new(),
            network: NetworkSpec {
                availability_zones: vec!["eu-west-1a".into(), "eu-west-1b".into()],
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

    /// Every problem with the spec, each on its attribute path.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_name(&self.name, &mut errors);
        if Stage::parse(&self.stage).is_none() {
            errors.push(
                AttrPath::attr("stage"),
                "Invalid Stage",
                format!(
                    "{:?} is not a stage: use \"dev\", \"test\" or \"prod\"",
                    self.stage
                ),
            );
        }
        check_tags(&self.tags, &mut errors);
        check_network(&self.network, &mut errors);
        check_iam(&self.iam, &mut errors);
        check_storage(&self.storage, &mut errors);
        check_guardrails(&self.guardrails, &mut errors);
        check_studio(&self.studio, &mut errors);
        errors.into_result()
    }
}

fn check_name(name: &str, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("name");
    let starts_with_letter = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    let charset = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !starts_with_letter || !charset || name.ends_with('-') || name.contains("--") {
        errors.push(
            path,
            "Invalid Name",
            format!("{name:?} must start with a lowercase letter and hold only lowercase letters, digits and single hyphens (not at the end)"),
        );
    } else if name.len() > MAX_NAME_LEN {
        errors.push(
            path,
            "Name Too Long",
            format!("{name:?} has {} characters; at most {MAX_NAME_LEN}, so that every derived AWS name (the longest is the bucket <name>-<stage>-<region>-<account>-models) fits", name.len()),
        );
    }
}

fn check_tags(tags: &BTreeMap<String, String>, errors: &mut ValidationErrors) {
    for (key, value) in tags {
        let path = AttrPath::attr("tags").key(key);
        if key.is_empty() || key.len() > 128 {
            errors.push(
                path.clone(),
                "Invalid Tag Key",
                "tag keys are 1-128 characters long",
            );
        } else if key.starts_with("aws:") || key.starts_with("secure-mlops:") {
            errors.push(
                path.clone(),
                "Reserved Tag Key",
                format!("{key:?} uses a reserved prefix (aws: or secure-mlops:); the environment sets those tags itself"),
            );
        }
        if value.len() > 256 {
            errors.push(
                path,
                "Invalid Tag Value",
                "tag values are at most 256 characters long",
            );
        }
    }
}

fn is_aws_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|hex| {
        (8..=17).contains(&hex.len())
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn is_zone_name(zone: &str) -> bool {
    // us-east-1a, eu-central-2b, us-gov-west-1a: a region name and one letter.
    let Some((region, letter)) = zone.split_at_checked(zone.len().saturating_sub(1)) else {
        return false;
    };
    letter.bytes().all(|b| b.is_ascii_lowercase()) && super::is_region_name(region)
}

fn parse_cidrs(
    list: &[String],
    path: &AttrPath,
    errors: &mut ValidationErrors,
) -> Vec<(AttrPath, Cidr)> {
    list.iter()
        .enumerate()
        .filter_map(|(i, text)| match text.parse::<Cidr>() {
            Ok(cidr) if (16..=28).contains(&cidr.prefix()) => Some((path.index(i), cidr)),
            Ok(cidr) => {
                errors.push(
                    path.index(i),
                    "Invalid Subnet CIDR",
                    format!(
                        "{cidr} has prefix /{}; AWS subnets are /16 to /28",
                        cidr.prefix()
                    ),
                );
                None
            }
            Err(why) => {
                errors.push(path.index(i), "Invalid CIDR", why);
                None
            }
        })
        .collect()
}

fn check_network(net: &NetworkSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("network");
    let byo = net.vpc_id.is_some();
    if let Some(vpc_id) = &net.vpc_id {
        if !is_aws_id(vpc_id, "vpc-") {
            errors.push(
                path.then("vpc_id"),
                "Invalid VPC Id",
                format!("{vpc_id:?} is not a VPC id such as \"vpc-0123456789abcdef0\""),
            );
        }
    }

    // Zones.
    let zones = &net.availability_zones;
    let zones_path = path.then("availability_zones");
    let using_existing_subnets = net.existing_private_subnet_ids.is_some();
    if zones.is_empty() && !using_existing_subnets {
        errors.push(
            zones_path.clone(),
            "Missing Availability Zones",
            format!(
                "give 1 to {MAX_AZS} availability zones (e.g. [\"eu-west-1a\", \"eu-west-1b\"])"
            ),
        );
    }
    if zones.len() > MAX_AZS {
        errors.push(
            zones_path.clone(),
            "Too Many Availability Zones",
            format!(
                "{} zones given; an environment spans 1 to {MAX_AZS}",
                zones.len()
            ),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, zone) in zones.iter().enumerate() {
        if !is_zone_name(zone) {
            errors.push(
                zones_path.index(i),
                "Invalid Availability Zone",
                format!("{zone:?} is not a zone name such as \"eu-west-1a\""),
            );
        } else if !seen.insert(zone) {
            errors.push(
                zones_path.index(i),
                "Duplicate Availability Zone",
                format!("{zone:?} is listed twice; each subnet needs its own zone"),
            );
        }
    }
    if let Some(first) = zones.first() {
        let region_of = |z: &String| z[..z.len().saturating_sub(1)].to_string();
        if let Some((i, other)) = zones
            .iter()
            .enumerate()
            .find(|(_, z)| region_of(z) != region_of(first))
        {
            errors.push(
                zones_path.index(i),
                "Zones In Different Regions",
                format!("{other:?} is not in the region of {first:?}"),
            );
        }
    }

    // VPC CIDR.
    let vpc_cidr = match &net.vpc_cidr {
        Some(text) => match text.parse::<Cidr>() {
            Ok(c) if (16..=24).contains(&c.prefix()) => Some(c),
            Ok(c) => {
                errors.push(
                    path.then("vpc_cidr"),
                    "Invalid VPC CIDR",
                    format!(
                        "{c} has prefix /{}; use /16 to /24 so the default subnets fit",
                        c.prefix()
                    ),
                );
                None
            }
            Err(why) => {
                errors.push(path.then("vpc_cidr"), "Invalid VPC CIDR", why);
                None
            }
        },
        None if byo => None,
        None => DEFAULT_VPC_CIDR.parse().ok(),
    };

    // Private subnets: existing ones or CIDRs, not both.
    let mut all_cidrs: Vec<(AttrPath, Cidr)> = Vec::new();
    match (&net.existing_private_subnet_ids, &net.private_subnet_cidrs) {
        (Some(_), Some(_)) => errors.push(
            path.then("private_subnet_cidrs"),
            "Conflicting Subnet Settings",
            "give either existing_private_subnet_ids or private_subnet_cidrs, not both",
        ),
        (Some(ids), None) => {
            let ids_path = path.then("existing_private_subnet_ids");
            if !byo {
                errors.push(ids_path.clone(), "Existing Subnets Need A VPC", "existing_private_subnet_ids needs network.vpc_id (the VPC they are in)");
            }
            if ids.is_empty() || ids.len() > MAX_AZS {
                errors.push(ids_path.clone(), "Invalid Subnet Count", format!("give 1 to {MAX_AZS} subnets"));
            }
            if !zones.is_empty() && zones.len() != ids.len() {
                errors.push(ids_path.clone(), "Subnets And Zones Differ", format!("{} subnets for {} availability zones: give one subnet per zone, or leave availability_zones empty", ids.len(), zones.len()));
            }
            let mut seen = BTreeSet::new();
            for (i, id) in ids.iter().enumerate() {
                if !is_aws_id(id, "subnet-") {
                    errors.push(ids_path.index(i), "Invalid Subnet Id", format!("{id:?} is not a subnet id such as \"subnet-0123456789abcdef0\""));
                } else if !seen.insert(id) {
                    errors.push(ids_path.index(i), "Duplicate Subnet Id", format!("{id:?} is listed twice"));
                }
            }
        }
        (None, Some(cidrs)) => {
            let p = path.then("private_subnet_cidrs");
            if cidrs.len() != zones.len() {
                errors.push(p.clone(), "Subnets And Zones Differ", format!("{} private subnet CIDRs for {} availability zones: give one per zone", cidrs.len(), zones.len()));
            }
            all_cidrs.extend(parse_cidrs(cidrs, &p, errors));
        }
        (None, None) if byo && vpc_cidr.is_none() => errors.push(
            path.then("vpc_cidr"),
            "Missing Subnet Settings",
            "with an existing VPC, give existing_private_subnet_ids, or private_subnet_cidrs, or vpc_cidr to slice them from",
        ),
        (None, None) => {
            // Default slices take part in the overlap checks against given public CIDRs.
            if let Some(vpc) = vpc_cidr {
                for i in 0..zones.len().min(MAX_AZS) {
                    if let Some(cidr) = u32::try_from(i).ok().and_then(|i| vpc.subnet(vpc.prefix() + 3, i)) {
                        all_cidrs.push((path.then("private_subnet_cidrs").index(i), cidr));
                    }
                }
            }
        }
    }

    // Public subnets: only with NAT.
    let public_path = path.then("public_subnet_cidrs");
    match (&net.public_subnet_cidrs, net.create_nat_gateways) {
        (Some(_), false) => errors.push(public_path, "Public Subnets Without NAT", "public_subnet_cidrs is only used with create_nat_gateways = true; without NAT the environment has no public subnet and no internet gateway"),
        (Some(cidrs), true) => {
            if cidrs.len() != zones.len() {
                errors.push(public_path.clone(), "Subnets And Zones Differ", format!("{} public subnet CIDRs for {} availability zones: give one per zone", cidrs.len(), zones.len()));
            }
            all_cidrs.extend(parse_cidrs(cidrs, &public_path, errors));
        }
        (None, true) if byo && vpc_cidr.is_none() => errors.push(public_path, "Missing Public Subnets", "with an existing VPC and NAT, give public_subnet_cidrs or vpc_cidr to slice them from"),
        _ => {}
    }

    // Containment and overlap, where the VPC CIDR is known.
    if let Some(vpc) = vpc_cidr {
        for (p, cidr) in &all_cidrs {
            if !vpc.contains(cidr) {
                errors.push(
                    p.clone(),
                    "Subnet Outside VPC",
                    format!("{cidr} is not inside the VPC CIDR {vpc}"),
                );
            }
        }
    }
    for (i, (p, a)) in all_cidrs.iter().enumerate() {
        if let Some((other_path, b)) = all_cidrs[..i].iter().find(|(_, b)| a.overlaps(b)) {
            errors.push(
                p.clone(),
                "Overlapping Subnets",
                format!("{a} overlaps {b} ({other_path})"),
            );
        }
    }

    // Endpoints.
    if let Some(services) = &net.interface_endpoints {
        for service in services {
            let ok = !service.is_empty()
                && service.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
            if !ok {
                errors.push(path.then("interface_endpoints"), "Invalid Endpoint Service", format!("{service:?} is not a service name such as \"sagemaker.api\" (without com.amazonaws.<region>.)"));
            }
        }
    }
    if let Some(id) = &net.existing_s3_endpoint_id {
        let p = path.then("existing_s3_endpoint_id");
        if !is_aws_id(id, "vpce-") {
            errors.push(
                p.clone(),
                "Invalid Endpoint Id",
                format!("{id:?} is not a VPC endpoint id such as \"vpce-0123456789abcdef0\""),
            );
        }
        if !byo {
            errors.push(
                p,
                "Existing Endpoint Needs A VPC",
                "existing_s3_endpoint_id needs network.vpc_id (the VPC it is in)",
            );
        }
    }

    // Flow logs.
    let fl = &net.flow_logs;
    let fl_path = path.then("flow_logs");
    if !matches!(fl.traffic_type.as_str(), "ACCEPT" | "REJECT" | "ALL") {
        errors.push(
            fl_path.then("traffic_type"),
            "Invalid Traffic Type",
            format!("{:?} is not ACCEPT, REJECT or ALL", fl.traffic_type),
        );
    }
    if !LOG_RETENTION_DAYS.contains(&fl.retention_days) {
        errors.push(
            fl_path.then("retention_days"),
            "Invalid Retention",
            format!(
                "{} days is not a CloudWatch Logs retention; use one of {LOG_RETENTION_DAYS:?}",
                fl.retention_days
            ),
        );
    }
}

fn check_iam(iam: &IamSpec, errors: &mut ValidationErrors) {
    for (name, value) in [
        ("data_scientist_role_arn", &iam.data_scientist_role_arn),
        ("team_admin_role_arn", &iam.team_admin_role_arn),
        ("execution_role_arn", &iam.execution_role_arn),
        ("sc_launch_role_arn", &iam.sc_launch_role_arn),
    ] {
        if let Some(arn) = value {
            if let Err(why) = parse_iam_role_arn(arn) {
                errors.push(AttrPath::attr("iam").then(name), "Invalid Role ARN", why);
            }
        }
    }
}

/// True for a SageMaker resource name: 1-63 letters, digits and hyphens, starting with a letter
/// or digit, no hyphen at the end.
fn is_sagemaker_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && !name.ends_with('-')
}

fn check_studio(studio: &StudioSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("studio");
    if let Some(name) = &studio.domain_name {
        if !is_sagemaker_name(name) {
            errors.push(
                path.then("domain_name"),
                "Invalid Domain Name",
                format!("{name:?} must be 1-63 letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        }
    }
    if !matches!(studio.auth_mode(), "IAM" | "SSO") {
        errors.push(
            path.then("auth_mode"),
            "Invalid Auth Mode",
            format!("{:?} is not IAM or SSO", studio.auth_mode()),
        );
    }
    if !matches!(studio.efs_retention(), "Retain" | "Delete") {
        errors.push(
            path.then("efs_retention"),
            "Invalid EFS Retention",
            format!(
                "{:?} is not Retain (keep the home file system when the domain goes) or Delete",
                studio.efs_retention()
            ),
        );
    }
    for (name, profile) in &studio.user_profiles {
        let at = path.then("user_profile").key(name);
        if !is_sagemaker_name(name) {
            errors.push(
                at.clone(),
                "Invalid User Profile Name",
                format!("{name:?} must be 1-63 letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        }
        if !PROFILE_PERSONAS.contains(&profile.persona.as_str()) {
            errors.push(
                at.then("persona"),
                "Invalid Persona",
                format!("{:?} is not data_scientist or team_admin", profile.persona),
            );
        }
    }
    if !studio.enabled && !studio.user_profiles.is_empty() {
        errors.push(
            path.then("enabled"),
            "User Profiles Without Studio",
            "user profiles need the Studio domain: set studio.enabled = true or remove the user_profile blocks",
        );
    }
}

/// Why `name` is not a valid S3 bucket name, if it is not.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let charset = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let edges = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if !(3..=63).contains(&name.len()) {
        Some(format!(
            "{name:?} has {} characters; bucket names have 3-63",
            name.len()
        ))
    } else if !charset || !edges {
        Some(format!("{name:?} may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit"))
    } else if name.contains("..") || name.contains(".-") || name.contains("-.") {
        Some(format!(
            "{name:?} has adjacent dots or a dot next to a hyphen"
        ))
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        Some(format!("{name:?} looks like an IP address"))
    } else if name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
    {
        Some(format!("{name:?} uses a prefix or suffix S3 reserves"))
    } else {
        None
    }
}

fn check_storage(storage: &StorageSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("storage");
    for (attr, value) in [
        ("data_bucket_name", &storage.data_bucket_name),
        ("model_bucket_name", &storage.model_bucket_name),
    ] {
        if let Some(why) = value.as_deref().and_then(bucket_name_problem) {
            errors.push(path.then(attr), "Invalid Bucket Name", why);
        }
    }
    if storage.data_bucket_name.is_some() && storage.data_bucket_name == storage.model_bucket_name {
        errors.push(
            path.then("model_bucket_name"),
            "Same Bucket Twice",
            "the data and model buckets need different names",
        );
    }
}

fn check_guardrails(guardrails: &GuardrailSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("guardrails").then("allowed_instance_types");
    let mut seen = BTreeSet::new();
    for (i, t) in guardrails.allowed_instance_types.iter().enumerate() {
        let parts: Vec<&str> = t.split('.').collect();
        let ok = parts.len() == 3
            && parts[0] == "ml"
            && parts[1..].iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            errors.push(
                path.index(i),
                "Invalid Instance Type",
                format!("{t:?} is not a SageMaker instance type such as \"ml.m5.xlarge\""),
            );
        } else if !seen.insert(t) {
            errors.push(
                path.index(i),
                "Duplicate Instance Type",
                format!("{t:?} is listed twice"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quickstart() -> EnvironmentSpec {
        EnvironmentSpec::quickstart_example()
    }

    fn errors_of(spec: &EnvironmentSpec) -> Vec<(String, String)> {
        spec.validate()
            .err()
            .map(|e| {
                e.0.into_iter()
                    .map(|e| (e.path.to_string(), e.summary))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn assert_error(spec: EnvironmentSpec, path: &str) {
        let errors = errors_of(&spec);
        assert!(
            errors.iter().any(|(p, _)| p == path),
            "expected an error at {path}, got {errors:?}"
        );
    }

    #[test]
    fn the_quickstart_is_valid_and_slices_the_reference_layout() {
        let spec = quickstart();
        assert_eq!(errors_of(&spec), vec![]);
        let subnets = spec.resolved_subnets();
        let private: Vec<String> = subnets.private.iter().map(|c| c.to_string()).collect();
        assert_eq!(private, vec!["10.0.0.0/19", "10.0.32.0/19"]);
        assert!(subnets.public.is_empty(), "no NAT, no public subnets");
        let mut with_nat = spec.clone();
        with_nat.network.create_nat_gateways = true;
        let public: Vec<String> = with_nat
            .resolved_subnets()
            .public
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(public, vec!["10.0.128.0/20", "10.0.144.0/20"]);
        assert_eq!(
            spec.interface_endpoints().len(),
            DEFAULT_INTERFACE_ENDPOINTS.len()
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut spec = quickstart();
        spec.name = "Team_A".into();
        spec.stage = "qa".into();
        spec.network.vpc_cidr = Some("10.0.0.0/33".into());
        let errors = errors_of(&spec);
        let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["name", "stage", "network.vpc_cidr"]);
    }

    #[test]
    fn invalid_inputs_name_their_attribute_path() {
        type Change = Box<dyn Fn(&mut EnvironmentSpec)>;
        let cases: Vec<(&str, Change)> = vec![
            ("name", Box::new(|s| s.name = "1team".into())),
            (
                "name",
                Box::new(|s| s.name = "a-very-long-team-name-x".into()),
            ),
            ("stage", Box::new(|s| s.stage = "staging".into())),
            (
                "tags[\"aws:owner\"]",
                Box::new(|s| {
                    s.tags.insert("aws:owner".into(), "x".into());
                }),
            ),
            (
                "network.vpc_id",
                Box::new(|s| s.network.vpc_id = Some("vpc-xyz".into())),
            ),
            (
                "network.availability_zones",
                Box::new(|s| s.network.availability_zones.clear()),
            ),
            (
                "network.availability_zones",
                Box::new(|s| {
                    s.network.availability_zones = ["a", "b", "c", "d", "e"]
                        .iter()
                        .map(|z| format!("eu-west-1{z}"))
                        .collect()
                }),
            ),
            (
                "network.availability_zones[1]",
                Box::new(|s| s.network.availability_zones[1] = "eu-west-1a".into()),
            ),
            (
                "network.availability_zones[1]",
                Box::new(|s| s.network.availability_zones[1] = "us-east-1b".into()),
            ),
            (
                "network.availability_zones[0]",
                Box::new(|s| s.network.availability_zones[0] = "europe".into()),
            ),
            (
                "network.vpc_cidr",
                Box::new(|s| s.network.vpc_cidr = Some("10.0.0.1/16".into())),
            ),
            (
                "network.vpc_cidr",
                Box::new(|s| s.network.vpc_cidr = Some("10.0.0.0/26".into())),
            ),
            (
                "network.private_subnet_cidrs",
                Box::new(|s| s.network.private_subnet_cidrs = Some(vec!["10.0.0.0/19".into()])),
            ),
            (
                "network.private_subnet_cidrs[1]",
                Box::new(|s| {
                    s.network.private_subnet_cidrs =
                        Some(vec!["10.0.0.0/19".into(), "10.1.0.0/19".into()])
                }),
            ),
            (
                "network.private_subnet_cidrs[1]",
                Box::new(|s| {
                    s.network.private_subnet_cidrs =
                        Some(vec!["10.0.0.0/19".into(), "10.0.16.0/20".into()])
                }),
            ),
            (
                "network.private_subnet_cidrs[0]",
                Box::new(|s| {
                    s.network.private_subnet_cidrs =
                        Some(vec!["10.0.0.0/12".into(), "10.0.32.0/19".into()])
                }),
            ),
            (
                "network.private_subnet_cidrs",
                Box::new(|s| {
                    s.network.vpc_id = Some("vpc-0123456789abcdef0".into());
                    s.network.existing_private_subnet_ids = Some(vec![
                        "subnet-0123456789abcdef0".into(),
                        "subnet-0123456789abcdef1".into(),
                    ]);
                    s.network.private_subnet_cidrs =
                        Some(vec!["10.0.0.0/19".into(), "10.0.32.0/19".into()]);
                }),
            ),
            (
                "network.existing_private_subnet_ids",
                Box::new(|s| {
                    s.network.existing_private_subnet_ids = Some(vec![
                        "subnet-0123456789abcdef0".into(),
                        "subnet-0123456789abcdef1".into(),
                    ]);
                }),
            ),
            (
                "network.existing_private_subnet_ids[1]",
                Box::new(|s| {
                    s.network.vpc_id = Some("vpc-0123456789abcdef0".into());
                    s.network.existing_private_subnet_ids =
                        Some(vec!["subnet-0123456789abcdef0".into(), "sn-1".into()]);
                }),
            ),
            (
                "network.public_subnet_cidrs",
                Box::new(|s| {
                    s.network.public_subnet_cidrs =
                        Some(vec!["10.0.128.0/20".into(), "10.0.144.0/20".into()])
                }),
            ),
            (
                "network.public_subnet_cidrs[0]",
                Box::new(|s| {
                    s.network.create_nat_gateways = true;
                    s.network.public_subnet_cidrs =
                        Some(vec!["10.0.0.0/20".into(), "10.0.144.0/20".into()]);
                }),
            ),
            (
                "network.interface_endpoints",
                Box::new(|s| {
                    s.network.interface_endpoints =
                        Some(["com.amazonaws.eu-west-1.sts ".to_string()].into())
                }),
            ),
            (
                "network.existing_s3_endpoint_id",
                Box::new(|s| {
                    s.network.existing_s3_endpoint_id = Some("vpce-0123456789abcdef0".into())
                }),
            ),
            (
                "network.flow_logs.traffic_type",
                Box::new(|s| s.network.flow_logs.traffic_type = "DENY".into()),
            ),
            (
                "network.flow_logs.retention_days",
                Box::new(|s| s.network.flow_logs.retention_days = 10),
            ),
            (
                "iam.execution_role_arn",
                Box::new(|s| {
                    s.iam.execution_role_arn = Some("arn:aws:iam::123456789012:user/x".into())
                }),
            ),
            (
                "storage.data_bucket_name",
                Box::new(|s| s.storage.data_bucket_name = Some("My_Bucket".into())),
            ),
            (
                "storage.model_bucket_name",
                Box::new(|s| {
                    s.storage.data_bucket_name = Some("team-a-data".into());
                    s.storage.model_bucket_name = Some("team-a-data".into());
                }),
            ),
            (
                "guardrails.allowed_instance_types[0]",
                Box::new(|s| s.guardrails.allowed_instance_types = vec!["m5.xlarge".into()]),
            ),
        ];
        assert!(cases.len() >= 12);
        for (path, change) in cases {
            let mut spec = quickstart();
            change(&mut spec);
            assert_error(spec, path);
        }
    }

    #[test]
    fn bring_your_own_vpc_with_existing_subnets_is_valid() {
        let spec = EnvironmentSpec::byo_example();
        assert_eq!(errors_of(&spec), vec![]);
        assert!(spec.resolved_subnets().private.is_empty());
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert_eq!(
            bucket_name_problem("team-a-dev-eu-west-1-123456789012-models"),
            None
        );
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "abc-s3alias",
            "ABC",
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
        }
        let longest = format!(
            "{}-prod-ap-southeast-4-123456789012-models",
            "a".repeat(MAX_NAME_LEN)
        );
        assert_eq!(
            bucket_name_problem(&longest),
            None,
            "the longest name still makes a valid bucket"
        );
    }

    #[test]
    fn studio_settings_are_checked_on_their_paths() {
        let mut spec = EnvironmentSpec::quickstart_example();
        spec.studio = StudioSpec {
            enabled: true,
            domain_name: Some("-bad".into()),
            auth_mode: Some("LDAP".into()),
            efs_retention: Some("Keep".into()),
            user_profiles: [
                (
                    "alice".to_string(),
                    UserProfileSpec {
                        persona: "wizard".into(),
                    },
                ),
                (
                    "bob_x".to_string(),
                    UserProfileSpec {
                        persona: "data_scientist".into(),
                    },
                ),
            ]
            .into(),
        };
        let errors = spec.validate().unwrap_err();
        let paths: Vec<String> = errors.0.iter().map(|e| e.path.to_string()).collect();
        for expected in [
            "studio.domain_name",
            "studio.auth_mode",
            "studio.efs_retention",
            "studio.user_profile[\"alice\"].persona",
            "studio.user_profile[\"bob_x\"]",
        ] {
            assert!(
                paths.contains(&expected.to_string()),
                "{expected} in {paths:?}"
            );
        }
        spec.studio = StudioSpec {
            user_profiles: [(
                "carol".to_string(),
                UserProfileSpec {
                    persona: "data_scientist".into(),
                },
            )]
            .into(),
            ..Default::default()
        };
        let errors = spec.validate().unwrap_err();
        assert_eq!(errors.0[0].path.to_string(), "studio.enabled");
    }
}
