//! The resource's attributes as Terraform sends and stores them, and their mapping to and from
//! the engine's [`EnvironmentSpec`] and [`Outputs`].

use std::collections::{BTreeMap, BTreeSet};

use secure_mlops_core::environment::Outputs;
use secure_mlops_core::spec::{
    AttrPath, AuthMode, Choice, CustomImageSpec, DefaultSpaceSpec, EfsRetention, EnvironmentSpec,
    FlowLogsSpec, GuardrailSpec, IamSpec, IdleShutdownSpec, LifecycleConfigSpec, NetworkSpec,
    PackagesSpec, ProfilePersona, Stage, StorageSpec, StudioAccessSpec, StudioAppType, StudioSpec,
    UserProfileSpec, ValidationErrors, IMAGE_GID, IMAGE_MOUNT_PATH, IMAGE_UID,
};
use serde::{Deserialize, Serialize};
use tf_provider::value::Value;

/// A list of strings as Terraform sends it.
pub(crate) type Strings = Value<Vec<Value<String>>>;
/// A set of strings (see [`SetOfStrings`](crate::schema::SetOfStrings) for why not a set).
pub(crate) type StringSet = crate::schema::SetOfStrings;
/// A map of strings.
pub(crate) type StringMap = Value<BTreeMap<String, Value<String>>>;

/// `network.flow_logs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct FlowLogs {
    pub(crate) enabled: Value<bool>,
    pub(crate) traffic_type: Value<String>,
    pub(crate) retention_days: Value<i64>,
}

/// `network`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Network {
    pub(crate) vpc_id: Value<String>,
    pub(crate) vpc_cidr: Value<String>,
    pub(crate) availability_zones: Strings,
    pub(crate) private_subnet_cidrs: Strings,
    pub(crate) existing_private_subnet_ids: Strings,
    pub(crate) create_nat_gateways: Value<bool>,
    pub(crate) public_subnet_cidrs: Strings,
    pub(crate) interface_endpoints: StringSet,
    pub(crate) existing_s3_endpoint_id: Value<String>,
    pub(crate) flow_logs: Value<FlowLogs>,
}

/// `iam`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Iam {
    pub(crate) data_scientist_role_arn: Value<String>,
    pub(crate) team_admin_role_arn: Value<String>,
    pub(crate) execution_role_arn: Value<String>,
    pub(crate) sc_launch_role_arn: Value<String>,
    pub(crate) permissions_boundary_arn: Value<String>,
    pub(crate) trusted_principal_arns: StringSet,
}

/// `storage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Storage {
    pub(crate) data_bucket_name: Value<String>,
    pub(crate) model_bucket_name: Value<String>,
    pub(crate) force_destroy: Value<bool>,
}

/// `guardrails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Guardrails {
    pub(crate) require_vpc: Value<bool>,
    pub(crate) require_kms: Value<bool>,
    pub(crate) deny_root_access: Value<bool>,
    pub(crate) deny_direct_internet: Value<bool>,
    pub(crate) require_network_isolation: Value<bool>,
    pub(crate) require_inter_container_encryption: Value<bool>,
    pub(crate) allowed_instance_types: StringSet,
    pub(crate) managed_config_rules: Value<bool>,
}

/// `studio.user_profile "<name>"`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct UserProfile {
    pub(crate) persona: Value<String>,
    pub(crate) sso_user_name: Value<String>,
    pub(crate) idle_minutes: Value<i64>,
    pub(crate) default_lifecycle_config: Value<String>,
}

/// `studio.lifecycle_config "<name>"`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct LifecycleConfig {
    pub(crate) app_type: Value<String>,
    pub(crate) content: Value<String>,
    pub(crate) default: Value<bool>,
}

/// `studio.custom_image "<name>"`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct CustomImage {
    pub(crate) ecr_image_uri: Value<String>,
    pub(crate) app_type: Value<String>,
    pub(crate) uid: Value<i64>,
    pub(crate) gid: Value<i64>,
    pub(crate) mount_path: Value<String>,
}

/// `studio.idle_shutdown`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct IdleShutdown {
    pub(crate) enabled: Value<bool>,
    pub(crate) idle_minutes: Value<i64>,
}

/// `studio.packages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Packages {
    pub(crate) enabled: Value<bool>,
    pub(crate) upstream: Value<String>,
}

/// `studio.default_space`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct DefaultSpace {
    pub(crate) storage_gb: Value<i64>,
    pub(crate) max_storage_gb: Value<i64>,
}

/// `studio.access`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct StudioAccess {
    pub(crate) source_vpc_endpoint_only: Value<bool>,
    pub(crate) allowed_source_cidrs: StringSet,
}

/// `studio`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Studio {
    pub(crate) enabled: Value<bool>,
    pub(crate) domain_name: Value<String>,
    pub(crate) auth_mode: Value<String>,
    pub(crate) efs_retention: Value<String>,
    pub(crate) user_profile: Value<BTreeMap<String, Value<UserProfile>>>,
    pub(crate) access: Value<StudioAccess>,
    pub(crate) hidden_apps: StringSet,
    pub(crate) docker_access: Value<String>,
    pub(crate) idle_shutdown: Value<IdleShutdown>,
    pub(crate) default_space: Value<DefaultSpace>,
    pub(crate) lifecycle_config: Value<BTreeMap<String, Value<LifecycleConfig>>>,
    pub(crate) custom_image: Value<BTreeMap<String, Value<CustomImage>>>,
    pub(crate) packages: Value<Packages>,
    pub(crate) team_portfolio: Value<bool>,
}

/// `timeouts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Timeouts {
    pub(crate) create: Value<String>,
    pub(crate) update: Value<String>,
    pub(crate) delete: Value<String>,
}

/// Every attribute of the resource. Terraform sends every attribute; `default` lets a test
/// write only those it sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct State {
    pub(crate) id: Value<String>,
    pub(crate) name: Value<String>,
    pub(crate) stage: Value<String>,
    pub(crate) tags: StringMap,
    pub(crate) network: Value<Network>,
    pub(crate) iam: Value<Iam>,
    pub(crate) storage: Value<Storage>,
    pub(crate) guardrails: Value<Guardrails>,
    pub(crate) studio: Value<Studio>,
    pub(crate) timeouts: Value<Timeouts>,
    pub(crate) vpc_id: Value<String>,
    pub(crate) private_subnet_ids: Strings,
    pub(crate) public_subnet_ids: Strings,
    pub(crate) sagemaker_security_group_id: Value<String>,
    pub(crate) endpoint_security_group_id: Value<String>,
    pub(crate) s3_endpoint_id: Value<String>,
    pub(crate) interface_endpoint_ids: StringMap,
    pub(crate) kms_key_arns: StringMap,
    pub(crate) data_bucket_arn: Value<String>,
    pub(crate) model_bucket_arn: Value<String>,
    pub(crate) role_arns: StringMap,
    pub(crate) domain_id: Value<String>,
    pub(crate) domain_arn: Value<String>,
    pub(crate) domain_url: Value<String>,
    pub(crate) efs_id: Value<String>,
    pub(crate) user_profile_arns: StringMap,
    pub(crate) package_repository_url: Value<String>,
    pub(crate) drifted_settings: Strings,
}

/// A value in the configuration that is not known yet (it comes from another resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotYetKnown(pub(crate) String);

/// The engine's spec read from a state, with what could not be read.
#[derive(Debug, Clone)]
pub(crate) struct Converted {
    /// The spec; a value not known yet, or a word that is not a choice, is left at its default.
    pub(crate) spec: EnvironmentSpec,
    /// Words that are not one of their choices (`stage = "qa"`), on their paths.
    pub(crate) errors: ValidationErrors,
    /// Paths of values not known yet, except unknown elements of sets (see `partial`).
    pub(crate) unknown: Vec<String>,
    /// A set holds elements not known yet: they are left out of the spec's set, and the
    /// elements that are known are checked (each on its own: no set check spans elements).
    pub(crate) partial: bool,
}

impl Converted {
    /// True when every value is known.
    pub(crate) fn is_known(&self) -> bool {
        self.unknown.is_empty() && !self.partial
    }

    /// The spec of a state with every value known (one Terraform stored).
    pub(crate) fn into_spec(self) -> Result<EnvironmentSpec, NotYetKnown> {
        match self.unknown.into_iter().next() {
            Some(path) => Err(NotYetKnown(path)),
            None => Ok(self.spec),
        }
    }

    /// Every problem with what is known: the words that are not choices, and the spec's own
    /// checks, except in the top-level blocks that hold a value not known yet (their checks
    /// can span attributes, such as subnets per zone, and are made at apply).
    pub(crate) fn problems(&self) -> ValidationErrors {
        let mut errors = self.errors.clone();
        self.spec.check(&mut errors);
        let blocked: Vec<&str> = self
            .unknown
            .iter()
            .map(|p| p.split(['.', '[']).next().unwrap_or_default())
            .collect();
        errors.0.retain(|e| {
            let root = e.path.to_string();
            let root = root
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_string();
            !blocked.contains(&root.as_str())
        });
        errors
    }
}

/// Reads values out of a state, noting what is unknown and which words are not choices.
#[derive(Default)]
struct Reader {
    unknown: Vec<String>,
    partial: bool,
    errors: ValidationErrors,
}

impl Reader {
    fn string(&mut self, path: &str, v: &Value<String>) -> Option<String> {
        match v {
            Value::Value(s) => Some(s.clone()),
            Value::Null => None,
            Value::Unknown => {
                self.unknown.push(path.to_string());
                None
            }
        }
    }

    fn choice<T: Choice>(&mut self, path: AttrPath, v: &Value<String>, default: T) -> T {
        let Some(text) = self.string(&path.to_string(), v) else {
            return default;
        };
        T::parse(&text).unwrap_or_else(|| {
            self.errors.push(path, T::SUMMARY, T::problem(&text));
            default
        })
    }

    fn boolean(&mut self, path: &str, v: &Value<bool>, default: bool) -> bool {
        match v {
            Value::Value(b) => *b,
            Value::Null => default,
            Value::Unknown => {
                self.unknown.push(path.to_string());
                default
            }
        }
    }

    fn int(&mut self, path: &str, v: &Value<i64>, default: i64) -> i64 {
        match v {
            Value::Value(i) => *i,
            Value::Null => default,
            Value::Unknown => {
                self.unknown.push(path.to_string());
                default
            }
        }
    }

    /// A whole number that must fit a `u32` (minutes, gigabytes): a negative or huge one is an
    /// error on its path. `None` when not set (or unknown).
    fn optional_count(&mut self, path: AttrPath, v: &Value<i64>) -> Option<u32> {
        match v {
            Value::Value(n) => match u32::try_from(*n) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.errors
                        .push(path, "Invalid Number", format!("{n} is not a count"));
                    None
                }
            },
            Value::Null => None,
            Value::Unknown => {
                self.unknown.push(path.to_string());
                None
            }
        }
    }

    /// `ENABLED` or `DISABLED`, as SageMaker spells a feature's status.
    fn feature(&mut self, path: AttrPath, v: &Value<String>, default: bool) -> bool {
        match self.string(&path.to_string(), v).as_deref() {
            None => default,
            Some("ENABLED") => true,
            Some("DISABLED") => false,
            Some(other) => {
                self.errors.push(
                    path,
                    "Invalid Feature Status",
                    format!("{other:?} must be \"ENABLED\" or \"DISABLED\""),
                );
                default
            }
        }
    }

    fn list(&mut self, path: &str, v: &Strings) -> Option<Vec<String>> {
        match v {
            Value::Value(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.string(&format!("{path}[{i}]"), item))
                    .collect(),
            ),
            Value::Null => None,
            Value::Unknown => {
                self.unknown.push(path.to_string());
                None
            }
        }
    }

    fn set(&mut self, path: &str, v: &StringSet) -> Option<BTreeSet<String>> {
        match v {
            Value::Value(items) => {
                self.partial |= items.iter().any(Value::is_unknown);
                Some(
                    items
                        .iter()
                        .filter_map(|item| item.as_ref_option().cloned())
                        .collect(),
                )
            }
            Value::Null => None,
            Value::Unknown => {
                self.unknown.push(path.to_string());
                None
            }
        }
    }

    fn map(&mut self, path: &str, v: &StringMap) -> BTreeMap<String, String> {
        match v {
            Value::Value(items) => items
                .iter()
                .filter_map(|(k, item)| Some((k.clone(), self.string(path, item)?)))
                .collect(),
            Value::Null => BTreeMap::new(),
            Value::Unknown => {
                self.unknown.push(path.to_string());
                BTreeMap::new()
            }
        }
    }
}

/// The engine's spec for `state`. Omitted blocks and attributes take the engine's defaults.
pub(crate) fn to_spec(state: &State) -> Converted {
    let mut r = Reader::default();
    let net = state.network.as_ref_option().cloned().unwrap_or_default();
    let studio = state.studio.as_ref_option().cloned().unwrap_or_default();
    let spec = EnvironmentSpec {
        name: r.string("name", &state.name).unwrap_or_default(),
        stage: r.choice(AttrPath::attr("stage"), &state.stage, Stage::Dev),
        tags: r.map("tags", &state.tags),
        network: network_spec(&mut r, &net),
        iam: iam_spec(&mut r, state),
        storage: storage_spec(&mut r, state),
        guardrails: guardrail_spec(&mut r, state),
        studio: studio_spec(&mut r, &studio),
    };
    Converted {
        spec,
        errors: r.errors,
        unknown: r.unknown,
        partial: r.partial,
    }
}

fn network_spec(r: &mut Reader, net: &Network) -> NetworkSpec {
    let flow = net.flow_logs.as_ref_option().cloned().unwrap_or_default();
    let flow_defaults = FlowLogsSpec::default();
    let flow_path = AttrPath::attr("network").then("flow_logs");
    NetworkSpec {
        vpc_id: r.string("network.vpc_id", &net.vpc_id),
        vpc_cidr: r.string("network.vpc_cidr", &net.vpc_cidr),
        availability_zones: r.list("network.availability_zones", &net.availability_zones),
        private_subnet_cidrs: r.list("network.private_subnet_cidrs", &net.private_subnet_cidrs),
        existing_private_subnet_ids: r.list(
            "network.existing_private_subnet_ids",
            &net.existing_private_subnet_ids,
        ),
        create_nat_gateways: r.boolean(
            "network.create_nat_gateways",
            &net.create_nat_gateways,
            false,
        ),
        public_subnet_cidrs: r.list("network.public_subnet_cidrs", &net.public_subnet_cidrs),
        interface_endpoints: r.set("network.interface_endpoints", &net.interface_endpoints),
        existing_s3_endpoint_id: r.string(
            "network.existing_s3_endpoint_id",
            &net.existing_s3_endpoint_id,
        ),
        flow_logs: FlowLogsSpec {
            enabled: r.boolean(
                "network.flow_logs.enabled",
                &flow.enabled,
                flow_defaults.enabled,
            ),
            traffic_type: r.choice(
                flow_path.then("traffic_type"),
                &flow.traffic_type,
                flow_defaults.traffic_type,
            ),
            retention_days: r.int(
                "network.flow_logs.retention_days",
                &flow.retention_days,
                flow_defaults.retention_days,
            ),
        },
    }
}

fn iam_spec(r: &mut Reader, state: &State) -> IamSpec {
    let iam = state.iam.as_ref_option().cloned().unwrap_or_default();
    IamSpec {
        data_scientist_role_arn: r
            .string("iam.data_scientist_role_arn", &iam.data_scientist_role_arn),
        team_admin_role_arn: r.string("iam.team_admin_role_arn", &iam.team_admin_role_arn),
        execution_role_arn: r.string("iam.execution_role_arn", &iam.execution_role_arn),
        sc_launch_role_arn: r.string("iam.sc_launch_role_arn", &iam.sc_launch_role_arn),
        permissions_boundary_arn: r.string(
            "iam.permissions_boundary_arn",
            &iam.permissions_boundary_arn,
        ),
        trusted_principal_arns: r
            .set("iam.trusted_principal_arns", &iam.trusted_principal_arns)
            .unwrap_or_default(),
        // A Terraform user's brought roles must be tagged for the environment.
        allowed_brought_roles: None,
    }
}

fn storage_spec(r: &mut Reader, state: &State) -> StorageSpec {
    let storage = state.storage.as_ref_option().cloned().unwrap_or_default();
    StorageSpec {
        data_bucket_name: r.string("storage.data_bucket_name", &storage.data_bucket_name),
        model_bucket_name: r.string("storage.model_bucket_name", &storage.model_bucket_name),
        force_destroy: r.boolean("storage.force_destroy", &storage.force_destroy, false),
    }
}

fn guardrail_spec(r: &mut Reader, state: &State) -> GuardrailSpec {
    let guard = state
        .guardrails
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    let defaults = GuardrailSpec::default();
    GuardrailSpec {
        require_vpc: r.boolean(
            "guardrails.require_vpc",
            &guard.require_vpc,
            defaults.require_vpc,
        ),
        require_kms: r.boolean(
            "guardrails.require_kms",
            &guard.require_kms,
            defaults.require_kms,
        ),
        deny_root_access: r.boolean(
            "guardrails.deny_root_access",
            &guard.deny_root_access,
            defaults.deny_root_access,
        ),
        deny_direct_internet: r.boolean(
            "guardrails.deny_direct_internet",
            &guard.deny_direct_internet,
            defaults.deny_direct_internet,
        ),
        require_network_isolation: r.boolean(
            "guardrails.require_network_isolation",
            &guard.require_network_isolation,
            defaults.require_network_isolation,
        ),
        require_inter_container_encryption: r.boolean(
            "guardrails.require_inter_container_encryption",
            &guard.require_inter_container_encryption,
            defaults.require_inter_container_encryption,
        ),
        allowed_instance_types: r
            .set(
                "guardrails.allowed_instance_types",
                &guard.allowed_instance_types,
            )
            .map(|s| s.into_iter().collect())
            .unwrap_or_default(),
        managed_config_rules: r.boolean(
            "guardrails.managed_config_rules",
            &guard.managed_config_rules,
            defaults.managed_config_rules,
        ),
    }
}

fn studio_spec(r: &mut Reader, studio: &Studio) -> StudioSpec {
    let path = AttrPath::attr("studio");
    let defaults = StudioSpec::default();
    let mut user_profiles = BTreeMap::new();
    match &studio.user_profile {
        Value::Value(profiles) => {
            for (name, profile) in profiles {
                let profile = profile.as_ref_option().cloned().unwrap_or_default();
                let at = path.then("user_profile").key(name);
                let persona = r.choice(
                    at.then("persona"),
                    &profile.persona,
                    ProfilePersona::DATA_SCIENTIST,
                );
                let sso_user_name = r.string(
                    &at.then("sso_user_name").to_string(),
                    &profile.sso_user_name,
                );
                let idle_minutes = r.optional_count(at.then("idle_minutes"), &profile.idle_minutes);
                user_profiles.insert(
                    name.clone(),
                    UserProfileSpec {
                        persona,
                        sso_user_name,
                        idle_minutes,
                        default_lifecycle_config: r.string(
                            &at.then("default_lifecycle_config").to_string(),
                            &profile.default_lifecycle_config,
                        ),
                    },
                );
            }
        }
        Value::Null => {}
        Value::Unknown => r.unknown.push("studio.user_profile".to_string()),
    }
    StudioSpec {
        // Studio is the point of the environment: on unless switched off.
        enabled: r.boolean("studio.enabled", &studio.enabled, true),
        domain_name: r.string("studio.domain_name", &studio.domain_name),
        auth_mode: r.choice(path.then("auth_mode"), &studio.auth_mode, AuthMode::Iam),
        efs_retention: r.choice(
            path.then("efs_retention"),
            &studio.efs_retention,
            EfsRetention::Retain,
        ),
        user_profiles,
        access: {
            let access = studio.access.as_ref_option().cloned().unwrap_or_default();
            StudioAccessSpec {
                source_vpc_endpoint_only: r.boolean(
                    "studio.access.source_vpc_endpoint_only",
                    &access.source_vpc_endpoint_only,
                    false,
                ),
                allowed_source_cidrs: r
                    .set(
                        "studio.access.allowed_source_cidrs",
                        &access.allowed_source_cidrs,
                    )
                    .unwrap_or_default(),
            }
        },
        idle_shutdown: {
            let idle = studio
                .idle_shutdown
                .as_ref_option()
                .cloned()
                .unwrap_or_default();
            let at = path.then("idle_shutdown");
            IdleShutdownSpec {
                enabled: r.boolean(
                    "studio.idle_shutdown.enabled",
                    &idle.enabled,
                    defaults.idle_shutdown.enabled,
                ),
                idle_minutes: r
                    .optional_count(at.then("idle_minutes"), &idle.idle_minutes)
                    .unwrap_or(defaults.idle_shutdown.idle_minutes),
            }
        },
        default_space: {
            let space = studio
                .default_space
                .as_ref_option()
                .cloned()
                .unwrap_or_default();
            let at = path.then("default_space");
            DefaultSpaceSpec {
                storage_gb: r
                    .optional_count(at.then("storage_gb"), &space.storage_gb)
                    .unwrap_or(defaults.default_space.storage_gb),
                max_storage_gb: r
                    .optional_count(at.then("max_storage_gb"), &space.max_storage_gb)
                    .unwrap_or(defaults.default_space.max_storage_gb),
            }
        },
        hidden_apps: r
            .set("studio.hidden_apps", &studio.hidden_apps)
            .unwrap_or(defaults.hidden_apps),
        docker_access: r.feature(path.then("docker_access"), &studio.docker_access, false),
        team_portfolio: r.boolean(
            "studio.team_portfolio",
            &studio.team_portfolio,
            defaults.team_portfolio,
        ),
        lifecycle_configs: lifecycle_configs(r, &studio.lifecycle_config),
        custom_images: custom_images(r, &studio.custom_image),
        packages: {
            let packages = studio.packages.as_ref_option().cloned().unwrap_or_default();
            PackagesSpec {
                enabled: r.boolean(
                    "studio.packages.enabled",
                    &packages.enabled,
                    defaults.packages.enabled,
                ),
                upstream: r.choice(
                    path.then("packages").then("upstream"),
                    &packages.upstream,
                    defaults.packages.upstream,
                ),
            }
        },
    }
}

fn custom_images(
    r: &mut Reader,
    given: &Value<BTreeMap<String, Value<CustomImage>>>,
) -> BTreeMap<String, CustomImageSpec> {
    let mut images = BTreeMap::new();
    match given {
        Value::Value(items) => {
            for (name, image) in items {
                let image = image.as_ref_option().cloned().unwrap_or_default();
                let at = AttrPath::attr("studio").then("custom_image").key(name);
                let app_type = r.choice(
                    at.then("app_type"),
                    &image.app_type,
                    StudioAppType::JupyterLab,
                );
                let ecr_image_uri = r
                    .string(&at.then("ecr_image_uri").to_string(), &image.ecr_image_uri)
                    .unwrap_or_default();
                let uid = r
                    .optional_count(at.then("uid"), &image.uid)
                    .unwrap_or(IMAGE_UID);
                let gid = r
                    .optional_count(at.then("gid"), &image.gid)
                    .unwrap_or(IMAGE_GID);
                let mount_path = r
                    .string(&at.then("mount_path").to_string(), &image.mount_path)
                    .unwrap_or_else(|| IMAGE_MOUNT_PATH.to_string());
                images.insert(
                    name.clone(),
                    CustomImageSpec {
                        ecr_image_uri,
                        app_type,
                        uid,
                        gid,
                        mount_path,
                    },
                );
            }
        }
        Value::Null => {}
        Value::Unknown => r.unknown.push("studio.custom_image".to_string()),
    }
    images
}

fn lifecycle_configs(
    r: &mut Reader,
    given: &Value<BTreeMap<String, Value<LifecycleConfig>>>,
) -> BTreeMap<String, LifecycleConfigSpec> {
    let mut configs = BTreeMap::new();
    match given {
        Value::Value(items) => {
            for (name, config) in items {
                let config = config.as_ref_option().cloned().unwrap_or_default();
                let at = AttrPath::attr("studio").then("lifecycle_config").key(name);
                let app_type = r.choice(
                    at.then("app_type"),
                    &config.app_type,
                    StudioAppType::JupyterLab,
                );
                let content = r
                    .string(&at.then("content").to_string(), &config.content)
                    .unwrap_or_default();
                let default = r.boolean(&at.then("default").to_string(), &config.default, false);
                configs.insert(
                    name.clone(),
                    LifecycleConfigSpec {
                        app_type,
                        content,
                        default,
                    },
                );
            }
        }
        Value::Null => {}
        Value::Unknown => r.unknown.push("studio.lifecycle_config".to_string()),
    }
    configs
}

fn strings(items: &[String]) -> Strings {
    Value::Value(items.iter().cloned().map(Value::Value).collect())
}

fn string_set<'a>(items: impl IntoIterator<Item = &'a String>) -> StringSet {
    Value::Value(items.into_iter().cloned().map(Value::Value).collect())
}

fn string_map(items: &BTreeMap<String, String>) -> StringMap {
    Value::Value(
        items
            .iter()
            .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
            .collect(),
    )
}

/// Sets an argument the user left out (null) or that plan could not work out (unknown).
fn fill<T: Clone>(slot: &mut Value<T>, value: T) {
    if !matches!(slot, Value::Value(_)) {
        *slot = Value::Value(value);
    }
}

fn unknown_if_null<T>(slot: &mut Value<T>) {
    if slot.is_null() {
        *slot = Value::Unknown;
    }
}

fn null_unless_set<T>(slot: &mut Value<T>, config: &Value<T>) {
    if config.is_null() {
        *slot = Value::Null;
    }
}

/// Clears every provider-filled argument the configuration leaves out, so plan derives it
/// again from what the configuration says now (subnet CIDRs follow a new `vpc_cidr`, public
/// subnets go with NAT) rather than keeping the value of the last apply. The defaults are
/// deterministic, so an unchanged configuration plans the same values and no diff.
pub(crate) fn reset_unset(planned: &mut State, config: &State) {
    let cnet = config.network.as_ref_option().cloned().unwrap_or_default();
    if let Value::Value(net) = &mut planned.network {
        null_unless_set(&mut net.vpc_cidr, &cnet.vpc_cidr);
        null_unless_set(&mut net.availability_zones, &cnet.availability_zones);
        null_unless_set(&mut net.private_subnet_cidrs, &cnet.private_subnet_cidrs);
        null_unless_set(&mut net.create_nat_gateways, &cnet.create_nat_gateways);
        null_unless_set(&mut net.public_subnet_cidrs, &cnet.public_subnet_cidrs);
        null_unless_set(&mut net.interface_endpoints, &cnet.interface_endpoints);
        let cflow = cnet.flow_logs.as_ref_option().cloned().unwrap_or_default();
        if let Value::Value(flow) = &mut net.flow_logs {
            null_unless_set(&mut flow.enabled, &cflow.enabled);
            null_unless_set(&mut flow.traffic_type, &cflow.traffic_type);
            null_unless_set(&mut flow.retention_days, &cflow.retention_days);
        }
    }
    let cstorage = config.storage.as_ref_option().cloned().unwrap_or_default();
    if let Value::Value(storage) = &mut planned.storage {
        null_unless_set(&mut storage.data_bucket_name, &cstorage.data_bucket_name);
        null_unless_set(&mut storage.model_bucket_name, &cstorage.model_bucket_name);
        null_unless_set(&mut storage.force_destroy, &cstorage.force_destroy);
    }
    let cguard = config
        .guardrails
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    if let Value::Value(guard) = &mut planned.guardrails {
        null_unless_set(&mut guard.require_vpc, &cguard.require_vpc);
        null_unless_set(&mut guard.require_kms, &cguard.require_kms);
        null_unless_set(&mut guard.deny_root_access, &cguard.deny_root_access);
        null_unless_set(
            &mut guard.deny_direct_internet,
            &cguard.deny_direct_internet,
        );
        null_unless_set(
            &mut guard.require_network_isolation,
            &cguard.require_network_isolation,
        );
        null_unless_set(
            &mut guard.require_inter_container_encryption,
            &cguard.require_inter_container_encryption,
        );
        null_unless_set(
            &mut guard.allowed_instance_types,
            &cguard.allowed_instance_types,
        );
        null_unless_set(
            &mut guard.managed_config_rules,
            &cguard.managed_config_rules,
        );
    }
    let cstudio = config.studio.as_ref_option().cloned().unwrap_or_default();
    if let Value::Value(studio) = &mut planned.studio {
        null_unless_set(&mut studio.hidden_apps, &cstudio.hidden_apps);
        null_unless_set(&mut studio.docker_access, &cstudio.docker_access);
        null_unless_set(&mut studio.team_portfolio, &cstudio.team_portfolio);
        let cidle = cstudio
            .idle_shutdown
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        if let Value::Value(idle) = &mut studio.idle_shutdown {
            null_unless_set(&mut idle.enabled, &cidle.enabled);
            null_unless_set(&mut idle.idle_minutes, &cidle.idle_minutes);
        }
        let cspace = cstudio
            .default_space
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        if let Value::Value(space) = &mut studio.default_space {
            null_unless_set(&mut space.storage_gb, &cspace.storage_gb);
            null_unless_set(&mut space.max_storage_gb, &cspace.max_storage_gb);
        }
        let cpackages = cstudio
            .packages
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        if let Value::Value(packages) = &mut studio.packages {
            null_unless_set(&mut packages.enabled, &cpackages.enabled);
            null_unless_set(&mut packages.upstream, &cpackages.upstream);
        }
    }
}

/// When a configuration value is not known at plan, the defaults that may derive from it are
/// not either: every argument the provider fills is planned unknown, and apply fills it.
pub(crate) fn mark_defaults_unknown(state: &mut State) {
    let mut net = state.network.as_ref_option().cloned().unwrap_or_default();
    unknown_if_null(&mut net.vpc_cidr);
    unknown_if_null(&mut net.availability_zones);
    unknown_if_null(&mut net.private_subnet_cidrs);
    unknown_if_null(&mut net.create_nat_gateways);
    unknown_if_null(&mut net.public_subnet_cidrs);
    unknown_if_null(&mut net.interface_endpoints);
    let mut flow = net.flow_logs.as_ref_option().cloned().unwrap_or_default();
    unknown_if_null(&mut flow.enabled);
    unknown_if_null(&mut flow.traffic_type);
    unknown_if_null(&mut flow.retention_days);
    net.flow_logs = Value::Value(flow);
    state.network = Value::Value(net);
    let mut storage = state.storage.as_ref_option().cloned().unwrap_or_default();
    unknown_if_null(&mut storage.data_bucket_name);
    unknown_if_null(&mut storage.model_bucket_name);
    unknown_if_null(&mut storage.force_destroy);
    state.storage = Value::Value(storage);
    let mut guard = state
        .guardrails
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    unknown_if_null(&mut guard.require_vpc);
    unknown_if_null(&mut guard.require_kms);
    unknown_if_null(&mut guard.deny_root_access);
    unknown_if_null(&mut guard.deny_direct_internet);
    unknown_if_null(&mut guard.require_network_isolation);
    unknown_if_null(&mut guard.require_inter_container_encryption);
    unknown_if_null(&mut guard.managed_config_rules);
    unknown_if_null(&mut guard.allowed_instance_types);
    state.guardrails = Value::Value(guard);
    let mut studio = state.studio.as_ref_option().cloned().unwrap_or_default();
    unknown_if_null(&mut studio.enabled);
    unknown_if_null(&mut studio.domain_name);
    unknown_if_null(&mut studio.auth_mode);
    unknown_if_null(&mut studio.efs_retention);
    unknown_if_null(&mut studio.hidden_apps);
    unknown_if_null(&mut studio.docker_access);
    unknown_if_null(&mut studio.team_portfolio);
    let mut idle = studio
        .idle_shutdown
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    unknown_if_null(&mut idle.enabled);
    unknown_if_null(&mut idle.idle_minutes);
    studio.idle_shutdown = Value::Value(idle);
    let mut space = studio
        .default_space
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    unknown_if_null(&mut space.storage_gb);
    unknown_if_null(&mut space.max_storage_gb);
    studio.default_space = Value::Value(space);
    let mut packages = studio.packages.as_ref_option().cloned().unwrap_or_default();
    unknown_if_null(&mut packages.enabled);
    unknown_if_null(&mut packages.upstream);
    studio.packages = Value::Value(packages);
    state.studio = Value::Value(studio);
    if state.iam.is_null() {
        state.iam = Value::Value(Iam::default());
    }
    if state.timeouts.is_null() {
        state.timeouts = Value::Value(Timeouts::default());
    }
}

/// Fills every argument the user left out with the value the engine will use, so the plan shows
/// it and later plans compare against it. `spec` is [`to_spec`] of `state` with the default
/// zones already in it; `bucket_names` are the data and model bucket names.
pub(crate) fn fill_defaults(state: &mut State, spec: &EnvironmentSpec, bucket_names: [String; 2]) {
    let subnets = spec.resolved_subnets();
    let mut net = state.network.as_ref_option().cloned().unwrap_or_default();
    if spec.network.vpc_id.is_none() {
        if let Some(cidr) = subnets.vpc_cidr {
            fill(&mut net.vpc_cidr, cidr.to_string());
        }
    }
    fill_list(&mut net.availability_zones, spec.network.zones());
    if spec.network.existing_private_subnet_ids.is_none() {
        let private: Vec<String> = subnets.private.iter().map(ToString::to_string).collect();
        fill_list(&mut net.private_subnet_cidrs, &private);
    }
    fill(&mut net.create_nat_gateways, false);
    if spec.network.create_nat_gateways {
        let public: Vec<String> = subnets.public.iter().map(ToString::to_string).collect();
        fill_list(&mut net.public_subnet_cidrs, &public);
    }
    // Left unknown by a plan that could not work them out, and not used by this layout.
    if net.vpc_cidr.is_unknown() {
        net.vpc_cidr = Value::Null;
    }
    for slot in [&mut net.private_subnet_cidrs, &mut net.public_subnet_cidrs] {
        if slot.is_unknown() {
            *slot = Value::Null;
        }
    }
    if !matches!(net.interface_endpoints, Value::Value(_)) {
        net.interface_endpoints = string_set(&spec.interface_endpoints());
    }
    let mut flow = net.flow_logs.as_ref_option().cloned().unwrap_or_default();
    fill(&mut flow.enabled, spec.network.flow_logs.enabled);
    fill(
        &mut flow.traffic_type,
        spec.network.flow_logs.traffic_type.as_str().to_string(),
    );
    fill(
        &mut flow.retention_days,
        spec.network.flow_logs.retention_days,
    );
    net.flow_logs = Value::Value(flow);
    state.network = Value::Value(net);

    if state.iam.is_null() {
        state.iam = Value::Value(Iam::default());
    }

    let mut storage = state.storage.as_ref_option().cloned().unwrap_or_default();
    let [data, models] = bucket_names;
    fill(&mut storage.data_bucket_name, data);
    fill(&mut storage.model_bucket_name, models);
    fill(&mut storage.force_destroy, false);
    state.storage = Value::Value(storage);

    let mut guard = state
        .guardrails
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    let g = &spec.guardrails;
    fill(&mut guard.require_vpc, g.require_vpc);
    fill(&mut guard.require_kms, g.require_kms);
    fill(&mut guard.deny_root_access, g.deny_root_access);
    fill(&mut guard.deny_direct_internet, g.deny_direct_internet);
    fill(
        &mut guard.require_network_isolation,
        g.require_network_isolation,
    );
    fill(
        &mut guard.require_inter_container_encryption,
        g.require_inter_container_encryption,
    );
    fill(&mut guard.managed_config_rules, g.managed_config_rules);
    if !matches!(guard.allowed_instance_types, Value::Value(_)) {
        guard.allowed_instance_types = Value::Value(Vec::new());
    }
    state.guardrails = Value::Value(guard);

    let mut studio = state.studio.as_ref_option().cloned().unwrap_or_default();
    fill(&mut studio.enabled, spec.studio.enabled);
    if spec.studio.enabled {
        fill(&mut studio.domain_name, spec.domain_name());
    } else if studio.domain_name.is_unknown() {
        studio.domain_name = Value::Null;
    }
    fill(
        &mut studio.auth_mode,
        spec.studio.auth_mode.as_str().to_string(),
    );
    fill(
        &mut studio.efs_retention,
        spec.studio.efs_retention.as_str().to_string(),
    );
    if !matches!(studio.hidden_apps, Value::Value(_)) {
        studio.hidden_apps = string_set(&spec.studio.hidden_apps);
    }
    fill(
        &mut studio.docker_access,
        if spec.studio.docker_access {
            "ENABLED"
        } else {
            "DISABLED"
        }
        .to_string(),
    );
    fill(&mut studio.team_portfolio, spec.studio.team_portfolio);
    let mut idle = studio
        .idle_shutdown
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    fill(&mut idle.enabled, spec.studio.idle_shutdown.enabled);
    fill(
        &mut idle.idle_minutes,
        i64::from(spec.studio.idle_shutdown.idle_minutes),
    );
    studio.idle_shutdown = Value::Value(idle);
    let mut space = studio
        .default_space
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    fill(
        &mut space.storage_gb,
        i64::from(spec.studio.default_space.storage_gb),
    );
    fill(
        &mut space.max_storage_gb,
        i64::from(spec.studio.default_space.max_storage_gb),
    );
    studio.default_space = Value::Value(space);
    let mut packages = studio.packages.as_ref_option().cloned().unwrap_or_default();
    fill(&mut packages.enabled, spec.studio.packages.enabled);
    fill(
        &mut packages.upstream,
        spec.studio.packages.upstream.as_str().to_string(),
    );
    studio.packages = Value::Value(packages);
    state.studio = Value::Value(studio);

    if state.timeouts.is_null() {
        state.timeouts = Value::Value(Timeouts::default());
    }
}

fn fill_list(slot: &mut Strings, values: &[String]) {
    if !matches!(slot, Value::Value(_)) {
        *slot = strings(values);
    }
}

/// Writes `outputs` into the computed attributes of `state`.
pub(crate) fn set_outputs(state: &mut State, id: &str, outputs: &Outputs) {
    let text = |s: &String| Value::Value(s.clone());
    state.id = Value::Value(id.to_string());
    state.vpc_id = text(&outputs.vpc_id);
    state.private_subnet_ids = strings(&outputs.private_subnet_ids);
    state.public_subnet_ids = strings(&outputs.public_subnet_ids);
    state.sagemaker_security_group_id = text(&outputs.sagemaker_security_group_id);
    state.endpoint_security_group_id = text(&outputs.endpoint_security_group_id);
    state.s3_endpoint_id = text(&outputs.s3_endpoint_id);
    state.interface_endpoint_ids = string_map(&outputs.interface_endpoint_ids);
    state.kms_key_arns = string_map(&outputs.kms_key_arns);
    state.data_bucket_arn = text(&outputs.data_bucket_arn);
    state.model_bucket_arn = text(&outputs.model_bucket_arn);
    state.role_arns = string_map(&outputs.role_arns);
    let optional = |s: &Option<String>| match s {
        Some(s) => Value::Value(s.clone()),
        None => Value::Null,
    };
    state.domain_id = optional(&outputs.domain_id);
    state.domain_arn = optional(&outputs.domain_arn);
    state.domain_url = optional(&outputs.domain_url);
    state.efs_id = optional(&outputs.efs_id);
    state.package_repository_url = optional(&outputs.package_repository_url);
    state.user_profile_arns = string_map(&outputs.user_profile_arns);
}

/// Marks every computed attribute unknown (a create, or a replacement).
pub(crate) fn unknown_outputs(state: &mut State) {
    state.id = Value::Unknown;
    state.vpc_id = Value::Unknown;
    state.private_subnet_ids = Value::Unknown;
    state.public_subnet_ids = Value::Unknown;
    state.sagemaker_security_group_id = Value::Unknown;
    state.endpoint_security_group_id = Value::Unknown;
    state.s3_endpoint_id = Value::Unknown;
    state.interface_endpoint_ids = Value::Unknown;
    state.kms_key_arns = Value::Unknown;
    state.data_bucket_arn = Value::Unknown;
    state.model_bucket_arn = Value::Unknown;
    state.role_arns = Value::Unknown;
    unknown_studio_outputs(state);
}

/// Marks the Studio computed attributes unknown (the domain or its profiles change).
pub(crate) fn unknown_studio_outputs(state: &mut State) {
    state.domain_id = Value::Unknown;
    state.domain_arn = Value::Unknown;
    state.domain_url = Value::Unknown;
    state.efs_id = Value::Unknown;
    state.package_repository_url = Value::Unknown;
    state.user_profile_arns = Value::Unknown;
}

/// A list of findings as the `drifted_settings` attribute.
pub(crate) fn drift_list(items: &[String]) -> Strings {
    strings(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> State {
        State {
            name: Value::Value("team-a".into()),
            stage: Value::Value("dev".into()),
            network: Value::Value(Network {
                availability_zones: strings(&["us-east-1a".into(), "us-east-1b".into()]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn omitted_blocks_mean_the_engine_defaults() {
        let spec = to_spec(&config()).into_spec().unwrap();
        assert_eq!(spec.network.flow_logs, FlowLogsSpec::default());
        assert_eq!(spec.guardrails, GuardrailSpec::default());
        assert!(!spec.network.create_nat_gateways);
        assert_eq!(spec.validate(), Ok(()));
    }

    #[test]
    fn unknown_values_are_named_by_path() {
        let mut state = config();
        if let Value::Value(net) = &mut state.network {
            net.vpc_id = Value::Unknown;
        }
        let converted = to_spec(&state);
        assert!(!converted.is_known());
        assert_eq!(
            converted.into_spec().unwrap_err(),
            NotYetKnown("network.vpc_id".to_string())
        );
    }

    #[test]
    fn unknown_set_elements_stay_out_and_the_known_ones_are_checked() {
        let mut state = config();
        if let Value::Value(net) = &mut state.network {
            net.interface_endpoints = Value::Value(vec![
                Value::Unknown,
                Value::Unknown,
                Value::Value("not a service".into()),
            ]);
        }
        let converted = to_spec(&state);
        assert!(converted.partial && converted.unknown.is_empty());
        let problems = converted.problems();
        assert_eq!(problems.0.len(), 1, "{problems}");
        assert_eq!(
            problems.0[0].path.to_string(),
            "network.interface_endpoints"
        );
    }

    #[test]
    fn blocks_with_unknown_values_wait_for_apply_and_others_are_checked() {
        let mut state = config();
        state.stage = Value::Value("qa".into());
        if let Value::Value(net) = &mut state.network {
            // Two CIDRs for a list of zones whose second is not known yet: judged at apply.
            net.availability_zones =
                Value::Value(vec![Value::Value("us-east-1a".into()), Value::Unknown]);
            net.private_subnet_cidrs = strings(&["10.0.0.0/19".into()]);
        }
        let problems = to_spec(&state).problems();
        let paths: Vec<String> = problems.0.iter().map(|e| e.path.to_string()).collect();
        assert_eq!(paths, ["stage"]);
    }

    #[test]
    fn an_empty_zone_list_is_an_error_not_the_default() {
        let mut state = config();
        if let Value::Value(net) = &mut state.network {
            net.availability_zones = Value::Value(vec![]);
        }
        let problems = to_spec(&state).problems();
        assert_eq!(problems.0[0].path.to_string(), "network.availability_zones");
    }

    #[test]
    fn defaults_are_filled_once_and_shown() {
        let mut state = config();
        let spec = to_spec(&state).into_spec().unwrap();
        fill_defaults(&mut state, &spec, ["d".into(), "m".into()]);
        let net = state.network.as_ref_option().unwrap();
        assert_eq!(net.vpc_cidr, Value::Value("10.0.0.0/16".into()));
        assert_eq!(
            net.private_subnet_cidrs,
            strings(&["10.0.0.0/19".into(), "10.0.32.0/19".into()])
        );
        assert!(
            net.public_subnet_cidrs.is_null(),
            "no NAT, no public subnets"
        );
        assert_eq!(
            net.interface_endpoints.as_ref_option().map(Vec::len),
            // The defaults, and the package repository's two (Studio is on).
            Some(19)
        );
        let again = to_spec(&state).into_spec().unwrap();
        assert_eq!(again.resolved_subnets(), spec.resolved_subnets());
        assert_eq!(again.interface_endpoints(), spec.interface_endpoints());
    }

    /// The same environment written for each front end: the Terraform state (as `terraform
    /// show -json` would print its arguments) and the custom resource's properties.
    fn pairs() -> Vec<(serde_json::Value, serde_json::Value)> {
        use serde_json::json;
        vec![
            (
                json!({"name": "team-a", "stage": "dev"}),
                json!({"Name": "team-a", "Stage": "dev"}),
            ),
            (
                json!({"name": "byo", "stage": "prod",
                    "tags": {"cost-center": "42"},
                    "network": {"vpc_id": "vpc-0123456789abcdef0",
                        "existing_private_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                        "existing_s3_endpoint_id": "vpce-0123456789abcdef0",
                        "interface_endpoints": ["sts", "kms"],
                        "flow_logs": {"enabled": false, "traffic_type": "ALL", "retention_days": 30}},
                    "iam": {"execution_role_arn": "arn:aws:iam::123456789012:role/exec"},
                    "storage": {"data_bucket_name": "byo-data-bucket", "force_destroy": true},
                    "guardrails": {"require_kms": false, "allowed_instance_types": ["ml.m5.xlarge"]},
                    "studio": {"auth_mode": "SSO", "efs_retention": "Delete", "domain_name": "byo",
                        "user_profile": {"alice": {"persona": "team_admin"}, "bob": {"persona": "data_scientist"}}}}),
                json!({"Name": "byo", "Stage": "prod",
                    "Tags": {"cost-center": "42"},
                    "Network": {"VpcId": "vpc-0123456789abcdef0",
                        "ExistingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                        "ExistingS3EndpointId": "vpce-0123456789abcdef0",
                        "InterfaceEndpoints": ["sts", "kms"],
                        "FlowLogs": {"Enabled": false, "TrafficType": "ALL", "RetentionDays": 30}},
                    "Iam": {"ExecutionRoleArn": "arn:aws:iam::123456789012:role/exec"},
                    "Storage": {"DataBucketName": "byo-data-bucket", "ForceDestroy": true},
                    "Guardrails": {"RequireKms": false, "AllowedInstanceTypes": ["ml.m5.xlarge"]},
                    "Studio": {"AuthMode": "SSO", "EfsRetention": "Delete", "DomainName": "byo",
                        "UserProfiles": {"alice": {"Persona": "team_admin"}, "bob": {"Persona": "data_scientist"}}}}),
            ),
            (
                json!({"name": "nat", "stage": "test",
                    "network": {"vpc_cidr": "10.9.0.0/16", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
                        "create_nat_gateways": true, "public_subnet_cidrs": ["10.9.128.0/20", "10.9.144.0/20", "10.9.160.0/20"]},
                    "studio": {"enabled": false}}),
                json!({"Name": "nat", "Stage": "test",
                    "Network": {"VpcCidr": "10.9.0.0/16", "AvailabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
                        "CreateNatGateways": true, "PublicSubnetCidrs": ["10.9.128.0/20", "10.9.144.0/20", "10.9.160.0/20"]},
                    "Studio": {"Enabled": false}}),
            ),
        ]
    }

    #[test]
    fn both_front_ends_read_the_same_input_into_the_same_spec_and_replacements() {
        let specs: Vec<(EnvironmentSpec, EnvironmentSpec)> = pairs()
            .into_iter()
            .map(|(terraform, cloudformation)| {
                let state: State = serde_json::from_value(terraform)
                    .unwrap_or_else(|e| panic!("not a state: {e}"));
                let converted = to_spec(&state);
                assert!(converted.errors.0.is_empty(), "{}", converted.errors);
                let from_terraform = converted.into_spec().unwrap();
                let from_cloudformation =
                    secure_mlops_custom_resource::properties::environment_spec(&cloudformation)
                        .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(from_terraform, from_cloudformation);
                (from_terraform, from_cloudformation)
            })
            .collect();
        // Replacement is the engine's decision on the spec, so the same spec gives the same
        // attributes; the custom resource only leaves out the id (name and stage).
        let (old, _) = &specs[0];
        let (new, _) = &specs[2];
        let terraform: Vec<String> = new
            .replacing_changes(old)
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut cloudformation =
            secure_mlops_custom_resource::environment::immutable_changes(old, new);
        cloudformation.insert(0, "Stage".into());
        cloudformation.insert(0, "Name".into());
        let as_properties: Vec<String> = new
            .replacing_changes(old)
            .iter()
            .map(secure_mlops_custom_resource::properties::property_path)
            .collect();
        assert_eq!(as_properties, cloudformation, "{terraform:?}");
    }
}
