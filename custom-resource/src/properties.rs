//! CloudFormation `ResourceProperties` to the engine's specs, and the engine's attribute paths
//! back to property paths.
//!
//! Property names are the Terraform argument names in PascalCase (`network.vpc_cidr` is
//! `Network.VpcCidr`, the `studio.user_profile "<name>"` blocks are the map
//! `Studio.UserProfiles`). CloudFormation sends every scalar as a string, so `"true"` and
//! `true`, `"14"` and `14` are the same value here. An empty string counts as "not set", so a
//! product template can pass an optional parameter through without `Fn::If`. Properties
//! nobody knows are errors: a typo must not silently become a default.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use secure_mlops_core::ids::MlopsTemplateKind;
use secure_mlops_core::spec::{
    unknown_template, AttrPath, AuthMode, Choice, CustomImageSpec, DefaultSpaceSpec, EfsRetention,
    EnvironmentSpec, FlowLogsSpec, GuardrailSpec, IamSpec, IdleShutdownSpec, LifecycleConfigSpec,
    MlopsTemplatesSpec, NetworkSpec, PackagesSpec, PathStep, ProfilePersona,
    ProjectsEnablementSpec, SourceKind, SourceSpec, Stage, StorageSpec, StudioAccessSpec,
    StudioAppType, StudioSpec, UserProfileSpec, ValidationErrors, DEFAULT_BRANCH, IMAGE_GID,
    IMAGE_MOUNT_PATH, IMAGE_UID,
};
use serde_json::{Map, Value};

/// Properties CloudFormation adds to every custom resource; never part of a spec.
pub const FRAMEWORK_PROPERTIES: &[&str] = &["ServiceToken", "ServiceTimeout"];

/// One problem with the properties, on its property path (`Network.PrivateSubnetCidrs[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyError {
    /// Where, in CloudFormation's PascalCase.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Every problem found in one set of properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyErrors(pub Vec<PropertyError>);

impl PropertyErrors {
    fn push(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(PropertyError {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// The engine's validation errors on property paths.
    pub fn from_validation(errors: &ValidationErrors) -> Self {
        PropertyErrors(
            errors
                .0
                .iter()
                .map(|e| {
                    // The core's detail starts with its own (snake_case) path: replace it.
                    let prefix = format!("{}: ", e.path);
                    let detail = e.detail.strip_prefix(&prefix).unwrap_or(&e.detail);
                    PropertyError {
                        path: property_path(&e.path),
                        message: format!("{detail} ({})", e.summary),
                    }
                })
                .collect(),
        )
    }
}

impl fmt::Display for PropertyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for PropertyErrors {}

/// `private_subnet_cidrs` → `PrivateSubnetCidrs`.
pub fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The property name of one Terraform argument or block name.
fn property_name(snake: &str) -> String {
    match snake {
        // Named blocks in Terraform, a map in CloudFormation.
        "user_profile" => "UserProfiles".to_string(),
        "lifecycle_config" => "LifecycleConfigs".to_string(),
        "custom_image" => "CustomImages".to_string(),
        other => pascal_case(other),
    }
}

/// An engine attribute path as a property path: `network.private_subnet_cidrs[1]` →
/// `Network.PrivateSubnetCidrs[1]`, `studio.user_profile["alice"].persona` →
/// `Studio.UserProfiles["alice"].Persona`.
pub fn property_path(path: &AttrPath) -> String {
    let mut out = String::new();
    for step in &path.0 {
        match step {
            PathStep::Attr(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&property_name(name));
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Key(key) => out.push_str(&format!("[{key:?}]")),
        }
    }
    out
}

/// Reads one object of properties, remembering which keys were used so the rest can be
/// reported as unknown.
struct Object<'v> {
    path: String,
    map: Option<&'v Map<String, Value>>,
    used: BTreeSet<&'static str>,
}

impl<'v> Object<'v> {
    /// The object at `path`; a value that is not an object is reported and read as empty.
    fn new(path: &str, value: Option<&'v Value>, errors: &mut PropertyErrors) -> Self {
        let map = match value {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(Value::String(s)) if s.is_empty() => None,
            Some(other) => {
                errors.push(
                    &display_path(path),
                    format!("must be an object of properties, not {}", kind_of(other)),
                );
                None
            }
        };
        Object {
            path: path.to_string(),
            map,
            used: BTreeSet::new(),
        }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, if set (null counts as not set).
    fn get(&mut self, key: &'static str) -> Option<&'v Value> {
        self.used.insert(key);
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    fn string(&mut self, key: &'static str, errors: &mut PropertyErrors) -> Option<String> {
        let path = self.at(key);
        self.get(key)
            .and_then(|v| scalar(&path, v, errors))
            .filter(|s| !s.is_empty())
    }

    fn required_string(&mut self, key: &'static str, errors: &mut PropertyErrors) -> String {
        let value = self.string(key, errors);
        if value.is_none() && !errors.0.iter().any(|e| e.path == self.at(key)) {
            errors.push(&self.at(key), "is required");
        }
        value.unwrap_or_default()
    }

    fn boolean(&mut self, key: &'static str, default: bool, errors: &mut PropertyErrors) -> bool {
        let path = self.at(key);
        match self.get(key) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) if s.is_empty() => default,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
            Some(other) => {
                errors.push(
                    &path,
                    format!("{} is not a boolean: use true or false", show(other)),
                );
                default
            }
        }
    }

    fn integer(&mut self, key: &'static str, default: i64, errors: &mut PropertyErrors) -> i64 {
        let path = self.at(key);
        match self.get(key) {
            None => default,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or(default),
            Some(Value::String(s)) if s.is_empty() => default,
            Some(Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(i) => i,
                Err(_) => {
                    errors.push(&path, format!("{s:?} is not a whole number"));
                    default
                }
            },
            Some(other) => {
                errors.push(&path, format!("{} is not a whole number", show(other)));
                default
            }
        }
    }

    /// A whole number that fits a `u32` (minutes, gigabytes), or `None` when not set (an empty
    /// string is not set, as from a template parameter left blank).
    fn count(&mut self, key: &'static str, errors: &mut PropertyErrors) -> Option<u32> {
        let given = match self.get(key) {
            None => return None,
            Some(Value::String(s)) if s.is_empty() => return None,
            Some(_) => self.integer(key, -1, errors),
        };
        match u32::try_from(given) {
            Ok(n) => Some(n),
            Err(_) => {
                // integer() reported text that is not a number already.
                if !errors.0.iter().any(|x| x.path == self.at(key)) {
                    errors.push(&self.at(key), format!("{given} is not a count"));
                }
                None
            }
        }
    }

    /// `ENABLED` or `DISABLED`, as SageMaker spells a feature's status.
    fn feature(&mut self, key: &'static str, default: bool, errors: &mut PropertyErrors) -> bool {
        match self.string(key, errors).as_deref() {
            None | Some("") => default,
            Some("ENABLED") => true,
            Some("DISABLED") => false,
            Some(other) => {
                errors.push(
                    &self.at(key),
                    format!("{other:?} must be \"ENABLED\" or \"DISABLED\""),
                );
                default
            }
        }
    }

    /// A list of strings: a JSON array, or a comma-separated string (what a `String`
    /// parameter gives). An empty string is "not set"; an empty array is an empty list.
    fn list(&mut self, key: &'static str, errors: &mut PropertyErrors) -> Option<Vec<String>> {
        let path = self.at(key);
        match self.get(key)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| scalar(&format!("{path}[{i}]"), item, errors))
                    .collect(),
            ),
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.split(',').map(|p| p.trim().to_string()).collect()),
            other => {
                errors.push(
                    &path,
                    format!("must be a list of strings, not {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// A map of strings; see [`string_map`].
    fn string_map(
        &mut self,
        key: &'static str,
        errors: &mut PropertyErrors,
    ) -> BTreeMap<String, String> {
        let path = self.at(key);
        let value = self.get(key);
        string_map(&path, value, errors)
    }

    /// Reports every key not read, with a suggestion when it is a near miss.
    fn finish(self, ignored: &[&str], errors: &mut PropertyErrors) {
        let Some(map) = self.map else { return };
        for key in map.keys() {
            if self.used.contains(key.as_str()) || ignored.contains(&key.as_str()) {
                continue;
            }
            let known: Vec<&str> = self.used.iter().copied().collect();
            let hint = known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(key) || **k == pascal_case(key))
                .map(|k| format!("; did you mean {k}?"))
                .unwrap_or_else(|| format!("; known properties here: {}", known.join(", ")));
            errors.push(&self.at(key), format!("unknown property{hint}"));
        }
    }
}

/// A map of strings. CloudFormation's `[{Key, Value}]` tag lists are accepted too, and so
/// are `"key=value"` strings (a list, or one comma-joined string): that is what a template
/// gets from a `CommaDelimitedList` parameter, the only way a parameter can carry a map.
fn string_map(
    path: &str,
    value: Option<&Value>,
    errors: &mut PropertyErrors,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match value {
        None => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if let Some(v) = scalar(&format!("{path}[{k:?}]"), v, errors) {
                    out.insert(k.clone(), v);
                }
            }
        }
        Some(Value::String(s)) => {
            for (i, pair) in s.split(',').enumerate() {
                key_value_pair(&format!("{path}[{i}]"), pair, &mut out, errors);
            }
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                if let Value::String(pair) = item {
                    key_value_pair(&at, pair, &mut out, errors);
                    continue;
                }
                let k = item.get("Key").and_then(|v| scalar(&at, v, errors));
                let v = item.get("Value").and_then(|v| scalar(&at, v, errors));
                match (k, v) {
                    (Some(k), Some(v)) => {
                        out.insert(k, v);
                    }
                    _ => errors.push(&at, "must be an object with Key and Value"),
                }
            }
        }
        Some(other) => errors.push(
            path,
            format!(
                "must be a map of strings (or a list of {{Key, Value}} or of \"key=value\"), not {}",
                kind_of(other)
            ),
        ),
    }
    out
}

/// One `"key=value"` of a map given as strings; the key must not be empty.
fn key_value_pair(
    path: &str,
    pair: &str,
    out: &mut BTreeMap<String, String>,
    errors: &mut PropertyErrors,
) {
    match pair.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => {
            out.insert(k.trim().to_string(), v.trim().to_string());
        }
        _ => errors.push(
            path,
            format!("must be \"key=value\" with a non-empty key, not {pair:?}"),
        ),
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "ResourceProperties".to_string()
    } else {
        path.to_string()
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// A string, number or boolean as text (CloudFormation stringifies scalars; templates written
/// by hand may not).
fn scalar(path: &str, value: &Value, errors: &mut PropertyErrors) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => {
            errors.push(path, format!("must be a string, not {}", kind_of(other)));
            None
        }
    }
}

/// The spec of `Custom::SecureDsEnvironment`, with Terraform's defaults (Studio on), when the
/// properties have the right shape and every word names a choice. Omitted
/// `Network.AvailabilityZones` stay unset: the engine's `complete` fills them, as Terraform's
/// plan does.
pub fn environment_spec(properties: &Value) -> Result<EnvironmentSpec, PropertyErrors> {
    let (spec, errors) = read_environment(properties);
    if errors.0.is_empty() {
        Ok(spec)
    } else {
        Err(errors)
    }
}

/// A word that must name one of `T`'s choices; a problem on `path` (and `default`) otherwise.
fn choice<T: Choice>(path: &str, text: Option<String>, default: T, e: &mut PropertyErrors) -> T {
    let Some(text) = text else {
        return default;
    };
    T::parse(&text).unwrap_or_else(|| {
        e.push(path, format!("{} ({})", T::problem(&text), T::SUMMARY));
        default
    })
}

/// The spec as far as the properties give it, and every problem found reading them, so a
/// caller can report those with the spec's own problems, all at once. Problems come in the
/// order the properties are read: the top-level scalars, then each block.
pub fn read_environment(properties: &Value) -> (EnvironmentSpec, PropertyErrors) {
    let mut errors = PropertyErrors::default();
    let e = &mut errors;
    let mut root = Object::new("", Some(properties), e);
    let name = root.required_string("Name", e);
    let stage_text = root.required_string("Stage", e);
    let stage = match stage_text.is_empty() {
        true => Stage::Dev,
        false => choice("Stage", Some(stage_text), Stage::Dev, e),
    };
    let tags = root.string_map("Tags", e);
    let network = read_network(&mut root, e);
    let iam = read_iam(&mut root, e);
    let storage = read_storage(&mut root, e);
    let guardrails = read_guardrails(&mut root, e);
    let studio = read_studio(&mut root, e);
    root.finish(FRAMEWORK_PROPERTIES, e);

    let spec = EnvironmentSpec {
        name,
        stage,
        tags,
        network,
        iam,
        storage,
        guardrails,
        studio,
    };
    (spec, errors)
}

/// `Network`, with its `FlowLogs` block.
fn read_network(root: &mut Object<'_>, e: &mut PropertyErrors) -> NetworkSpec {
    let mut net = Object::new("Network", root.get("Network"), e);
    let flow_logs = read_flow_logs(&mut net, e);
    let network = NetworkSpec {
        vpc_id: net.string("VpcId", e),
        vpc_cidr: net.string("VpcCidr", e),
        availability_zones: net.list("AvailabilityZones", e),
        private_subnet_cidrs: net.list("PrivateSubnetCidrs", e),
        existing_private_subnet_ids: net.list("ExistingPrivateSubnetIds", e),
        create_nat_gateways: net.boolean("CreateNatGateways", false, e),
        public_subnet_cidrs: net.list("PublicSubnetCidrs", e),
        interface_endpoints: net
            .list("InterfaceEndpoints", e)
            .map(|l| l.into_iter().collect()),
        existing_s3_endpoint_id: net.string("ExistingS3EndpointId", e),
        flow_logs,
    };
    net.finish(&[], e);
    network
}

/// `Network.FlowLogs`.
fn read_flow_logs(net: &mut Object<'_>, e: &mut PropertyErrors) -> FlowLogsSpec {
    let mut flow = Object::new("Network.FlowLogs", net.get("FlowLogs"), e);
    let defaults = FlowLogsSpec::default();
    let flow_logs = FlowLogsSpec {
        enabled: flow.boolean("Enabled", defaults.enabled, e),
        traffic_type: {
            let text = flow.string("TrafficType", e);
            choice(
                "Network.FlowLogs.TrafficType",
                text,
                defaults.traffic_type,
                e,
            )
        },
        retention_days: flow.integer("RetentionDays", defaults.retention_days, e),
    };
    flow.finish(&[], e);
    flow_logs
}

/// `Iam`: roles brought instead of created.
fn read_iam(root: &mut Object<'_>, e: &mut PropertyErrors) -> IamSpec {
    let mut iam = Object::new("Iam", root.get("Iam"), e);
    let spec = IamSpec {
        data_scientist_role_arn: iam.string("DataScientistRoleArn", e),
        team_admin_role_arn: iam.string("TeamAdminRoleArn", e),
        execution_role_arn: iam.string("ExecutionRoleArn", e),
        sc_launch_role_arn: iam.string("ScLaunchRoleArn", e),
        permissions_boundary_arn: iam.string("PermissionsBoundaryArn", e),
        trusted_principal_arns: iam
            .list("TrustedPrincipalArns", e)
            .unwrap_or_default()
            .into_iter()
            .filter(|arn| !arn.is_empty())
            .collect(),
        // The function's setting, never a property (see `environment::resolve`).
        allowed_brought_roles: None,
    };
    iam.finish(&[], e);
    spec
}

/// `Storage`.
fn read_storage(root: &mut Object<'_>, e: &mut PropertyErrors) -> StorageSpec {
    let mut storage = Object::new("Storage", root.get("Storage"), e);
    let spec = StorageSpec {
        data_bucket_name: storage.string("DataBucketName", e),
        model_bucket_name: storage.string("ModelBucketName", e),
        force_destroy: storage.boolean("ForceDestroy", false, e),
    };
    storage.finish(&[], e);
    spec
}

/// `Guardrails`, each on unless switched off.
fn read_guardrails(root: &mut Object<'_>, e: &mut PropertyErrors) -> GuardrailSpec {
    let mut guard = Object::new("Guardrails", root.get("Guardrails"), e);
    let g = GuardrailSpec::default();
    let spec = GuardrailSpec {
        require_vpc: guard.boolean("RequireVpc", g.require_vpc, e),
        require_kms: guard.boolean("RequireKms", g.require_kms, e),
        deny_root_access: guard.boolean("DenyRootAccess", g.deny_root_access, e),
        deny_direct_internet: guard.boolean("DenyDirectInternet", g.deny_direct_internet, e),
        require_network_isolation: guard.boolean(
            "RequireNetworkIsolation",
            g.require_network_isolation,
            e,
        ),
        require_inter_container_encryption: guard.boolean(
            "RequireInterContainerEncryption",
            g.require_inter_container_encryption,
            e,
        ),
        allowed_instance_types: guard.list("AllowedInstanceTypes", e).unwrap_or_default(),
        managed_config_rules: guard.boolean("ManagedConfigRules", g.managed_config_rules, e),
    };
    guard.finish(&[], e);
    spec
}

/// `Studio`, with its `UserProfiles`.
fn read_studio(root: &mut Object<'_>, e: &mut PropertyErrors) -> StudioSpec {
    let mut studio = Object::new("Studio", root.get("Studio"), e);
    let user_profiles = read_user_profiles(&mut studio, e);
    let defaults = StudioSpec::default();
    let spec = StudioSpec {
        // Studio is the point of the environment: on unless switched off (as in Terraform).
        enabled: studio.boolean("Enabled", true, e),
        domain_name: studio.string("DomainName", e),
        auth_mode: {
            let text = studio.string("AuthMode", e);
            choice("Studio.AuthMode", text, AuthMode::Iam, e)
        },
        efs_retention: {
            let text = studio.string("EfsRetention", e);
            choice("Studio.EfsRetention", text, EfsRetention::Retain, e)
        },
        user_profiles,
        access: {
            let mut access = Object::new("Studio.Access", studio.get("Access"), e);
            let spec = StudioAccessSpec {
                source_vpc_endpoint_only: access.boolean("SourceVpcEndpointOnly", false, e),
                allowed_source_cidrs: access
                    .list("AllowedSourceCidrs", e)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect(),
            };
            access.finish(&[], e);
            spec
        },
        idle_shutdown: {
            let mut idle = Object::new("Studio.IdleShutdown", studio.get("IdleShutdown"), e);
            let spec = IdleShutdownSpec {
                enabled: idle.boolean("Enabled", defaults.idle_shutdown.enabled, e),
                idle_minutes: idle
                    .count("IdleMinutes", e)
                    .unwrap_or(defaults.idle_shutdown.idle_minutes),
            };
            idle.finish(&[], e);
            spec
        },
        default_space: {
            let mut space = Object::new("Studio.DefaultSpace", studio.get("DefaultSpace"), e);
            let spec = DefaultSpaceSpec {
                storage_gb: space
                    .count("StorageGb", e)
                    .unwrap_or(defaults.default_space.storage_gb),
                max_storage_gb: space
                    .count("MaxStorageGb", e)
                    .unwrap_or(defaults.default_space.max_storage_gb),
            };
            space.finish(&[], e);
            spec
        },
        hidden_apps: studio
            .list("HiddenApps", e)
            .map(|apps| apps.into_iter().filter(|a| !a.is_empty()).collect())
            .unwrap_or(defaults.hidden_apps),
        docker_access: studio.feature("DockerAccess", false, e),
        team_portfolio: studio.boolean("TeamPortfolio", defaults.team_portfolio, e),
        lifecycle_configs: read_lifecycle_configs(&mut studio, e),
        custom_images: read_custom_images(&mut studio, e),
        packages: {
            let mut packages = Object::new("Studio.Packages", studio.get("Packages"), e);
            let upstream = packages.string("Upstream", e);
            let spec = PackagesSpec {
                enabled: packages.boolean("Enabled", defaults.packages.enabled, e),
                upstream: choice(
                    "Studio.Packages.Upstream",
                    upstream,
                    defaults.packages.upstream,
                    e,
                ),
            };
            packages.finish(&[], e);
            spec
        },
    };
    studio.finish(&[], e);
    spec
}

/// `Studio.CustomImages`: a map of name to `{EcrImageUri, AppType, Uid, Gid, MountPath}`.
fn read_custom_images(
    studio: &mut Object<'_>,
    e: &mut PropertyErrors,
) -> BTreeMap<String, CustomImageSpec> {
    let mut images = BTreeMap::new();
    let given = Object::new("Studio.CustomImages", studio.get("CustomImages"), e);
    for (name, value) in given.map.into_iter().flatten() {
        let path = format!("Studio.CustomImages[{name:?}]");
        let mut image = Object::new(&path, Some(value), e);
        let ecr_image_uri = image.required_string("EcrImageUri", e);
        let text = image.required_string("AppType", e);
        let app_type = if text.is_empty() {
            StudioAppType::JupyterLab
        } else {
            choice(
                &format!("{path}.AppType"),
                Some(text),
                StudioAppType::JupyterLab,
                e,
            )
        };
        let uid = image.count("Uid", e).unwrap_or(IMAGE_UID);
        let gid = image.count("Gid", e).unwrap_or(IMAGE_GID);
        let mount_path = image
            .string("MountPath", e)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| IMAGE_MOUNT_PATH.to_string());
        image.finish(&[], e);
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
    images
}

/// `Studio.LifecycleConfigs`: a map of name to `{AppType, Content, Default}`.
fn read_lifecycle_configs(
    studio: &mut Object<'_>,
    e: &mut PropertyErrors,
) -> BTreeMap<String, LifecycleConfigSpec> {
    let mut configs = BTreeMap::new();
    let given = Object::new("Studio.LifecycleConfigs", studio.get("LifecycleConfigs"), e);
    for (name, value) in given.map.into_iter().flatten() {
        let path = format!("Studio.LifecycleConfigs[{name:?}]");
        let mut config = Object::new(&path, Some(value), e);
        let text = config.required_string("AppType", e);
        let app_type = if text.is_empty() {
            StudioAppType::JupyterLab
        } else {
            choice(
                &format!("{path}.AppType"),
                Some(text),
                StudioAppType::JupyterLab,
                e,
            )
        };
        let content = config.required_string("Content", e);
        let default = config.boolean("Default", false, e);
        config.finish(&[], e);
        configs.insert(
            name.clone(),
            LifecycleConfigSpec {
                app_type,
                content,
                default,
            },
        );
    }
    configs
}

/// `Studio.UserProfiles`: a map of name to `{Persona, SsoUserName, IdleMinutes}`, or `"name=persona"` strings
/// (IAM domains only: those profiles name no IAM Identity Center user).
fn read_user_profiles(
    studio: &mut Object<'_>,
    e: &mut PropertyErrors,
) -> BTreeMap<String, UserProfileSpec> {
    let mut user_profiles = BTreeMap::new();
    let given = studio.get("UserProfiles");
    let profiles = match given {
        // "name=persona" strings, from a CommaDelimitedList parameter.
        Some(Value::Array(_) | Value::String(_)) => {
            for (profile_name, persona) in string_map("Studio.UserProfiles", given, e) {
                let path = format!("Studio.UserProfiles[{profile_name:?}]");
                let persona = choice(&path, Some(persona), ProfilePersona::DATA_SCIENTIST, e);
                user_profiles.insert(
                    profile_name,
                    UserProfileSpec {
                        persona,
                        sso_user_name: None,
                        idle_minutes: None,
                        default_lifecycle_config: None,
                    },
                );
            }
            Object::new("Studio.UserProfiles", None, e)
        }
        _ => Object::new("Studio.UserProfiles", given, e),
    };
    if let Some(map) = profiles.map {
        for (profile_name, value) in map {
            let path = format!("Studio.UserProfiles[{profile_name:?}]");
            let mut profile = Object::new(&path, Some(value), e);
            let text = profile.required_string("Persona", e);
            let persona = if text.is_empty() {
                ProfilePersona::DATA_SCIENTIST
            } else {
                choice(
                    &format!("{path}.Persona"),
                    Some(text),
                    ProfilePersona::DATA_SCIENTIST,
                    e,
                )
            };
            let sso_user_name = profile.string("SsoUserName", e);
            let idle_minutes = profile.count("IdleMinutes", e);
            let default_lifecycle_config = profile
                .string("DefaultLifecycleConfig", e)
                .filter(|c| !c.is_empty());
            profile.finish(&[], e);
            user_profiles.insert(
                profile_name.clone(),
                UserProfileSpec {
                    persona,
                    sso_user_name,
                    idle_minutes,
                    default_lifecycle_config,
                },
            );
        }
    }
    user_profiles
}

/// The spec of `Custom::SageMakerProjectsEnablement`, with Terraform's defaults
/// (`CreateServiceRoles` true, `DisableOnDestroy` false).
pub fn projects_spec(properties: &Value) -> Result<ProjectsEnablementSpec, PropertyErrors> {
    let mut errors = PropertyErrors::default();
    let e = &mut errors;
    let mut root = Object::new("", Some(properties), e);
    let principal_arns = match root.list("PrincipalArns", e) {
        Some(list) => list.into_iter().filter(|s| !s.is_empty()).collect(),
        None => {
            if !e.0.iter().any(|x| x.path == "PrincipalArns") {
                e.push(
                    "PrincipalArns",
                    "is required: the IAM role ARNs allowed to launch SageMaker project templates",
                );
            }
            BTreeSet::new()
        }
    };
    let spec = ProjectsEnablementSpec {
        principal_arns,
        create_service_roles: root.boolean("CreateServiceRoles", true, e),
        disable_on_destroy: root.boolean("DisableOnDestroy", false, e),
    };
    root.finish(FRAMEWORK_PROPERTIES, e);
    if errors.0.is_empty() {
        Ok(spec)
    } else {
        Err(errors)
    }
}

/// The spec of `Custom::MlopsProjectTemplates`: `EnvironmentId` (required), `Templates` (a list
/// of template names, default every one), `Source` (`Type`, `ConnectionArn`, `Repository`,
/// `Branch`), `ModelsBucketName`, `Tags`, `AdditionalPrincipalArns`. Only the reading is checked
/// here; the spec's own rules are [`MlopsTemplatesSpec::validate`]'s.
pub fn mlops_templates_spec(properties: &Value) -> Result<MlopsTemplatesSpec, PropertyErrors> {
    let mut errors = PropertyErrors::default();
    let e = &mut errors;
    let mut root = Object::new("", Some(properties), e);
    let mut spec = MlopsTemplatesSpec::new(root.required_string("EnvironmentId", e));
    if let Some(words) = root.list("Templates", e) {
        spec.templates = Vec::new();
        for (i, word) in words.iter().enumerate().filter(|(_, w)| !w.is_empty()) {
            match MlopsTemplateKind::from_key(word) {
                Some(kind) => spec.templates.push(kind),
                None => e.push(&format!("Templates[{i}]"), unknown_template(word)),
            }
        }
    }
    let mut source = Object::new("Source", root.get("Source"), e);
    let kind = source.string("Type", e);
    spec.source = SourceSpec {
        kind: choice("Source.Type", kind, SourceKind::S3, e),
        connection_arn: source.string("ConnectionArn", e),
        repository: source.string("Repository", e),
        branch: source
            .string("Branch", e)
            .unwrap_or_else(|| DEFAULT_BRANCH.to_string()),
    };
    source.finish(&[], e);
    spec.models_bucket_name = root.string("ModelsBucketName", e);
    spec.tags = root.string_map("Tags", e);
    spec.additional_principal_arns = root
        .list("AdditionalPrincipalArns", e)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    root.finish(FRAMEWORK_PROPERTIES, e);
    if errors.0.is_empty() {
        Ok(spec)
    } else {
        Err(errors)
    }
}

/// `ServiceTimeout` (seconds), when the template sets it.
pub fn service_timeout(properties: &Value) -> Option<u64> {
    match properties.get("ServiceTimeout")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secure_mlops_core::spec::TrafficType;
    use serde_json::json;

    fn paths(errors: &PropertyErrors) -> Vec<&str> {
        errors.0.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn mlops_templates_properties_read_as_the_terraform_arguments() {
        let spec = mlops_templates_spec(&json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:f",
            "EnvironmentId": "team-a-dev",
            "Templates": "model-build-train",
            "Source": {"Type": "codeconnections", "ConnectionArn": "arn:c", "Repository": "o/r", "Branch": ""},
            "ModelsBucketName": "",
            "Tags": "cost-center=42",
            "AdditionalPrincipalArns": "arn:aws:iam::111122223333:role/ci,",
        }))
        .unwrap();
        assert_eq!(spec.environment_id, "team-a-dev");
        assert_eq!(spec.templates, [MlopsTemplateKind::ModelBuildTrain]);
        assert_eq!(spec.source.kind, SourceKind::CodeConnections);
        assert_eq!(spec.source.repository.as_deref(), Some("o/r"));
        assert_eq!(spec.source.branch, DEFAULT_BRANCH);
        assert_eq!(spec.models_bucket_name, None);
        assert_eq!(spec.tags["cost-center"], "42");
        assert_eq!(
            spec.additional_principal_arns,
            ["arn:aws:iam::111122223333:role/ci"]
        );
        // Nothing but the environment: every template, seed code in S3.
        let spec =
            mlops_templates_spec(&json!({"EnvironmentId": "team-a-dev", "Source": ""})).unwrap();
        assert_eq!(spec, MlopsTemplatesSpec::new("team-a-dev"));
    }

    #[test]
    fn mlops_templates_problems_are_on_their_property_paths() {
        let errors = mlops_templates_spec(&json!({
            "Templates": ["model-build-train", "deploy-everything"],
            "Source": {"Type": "github", "Repo": "o/r"},
            "Portfolio": "x",
        }))
        .unwrap_err();
        assert_eq!(
            paths(&errors),
            [
                "EnvironmentId",
                "Templates[1]",
                "Source.Type",
                "Source.Repo",
                "Portfolio"
            ]
        );
    }

    #[test]
    fn snake_case_paths_become_property_paths() {
        let path = AttrPath::attr("network")
            .then("private_subnet_cidrs")
            .index(1);
        assert_eq!(property_path(&path), "Network.PrivateSubnetCidrs[1]");
        let path = AttrPath::attr("studio")
            .then("user_profile")
            .key("alice")
            .then("persona");
        assert_eq!(
            property_path(&path),
            "Studio.UserProfiles[\"alice\"].Persona"
        );
        assert_eq!(
            property_path(&AttrPath::attr("iam").then("sc_launch_role_arn")),
            "Iam.ScLaunchRoleArn"
        );
        assert_eq!(
            property_path(&AttrPath::attr("network").then("existing_s3_endpoint_id")),
            "Network.ExistingS3EndpointId"
        );
    }

    #[test]
    fn strings_stand_for_booleans_and_numbers() {
        let spec = environment_spec(&json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x",
            "ServiceTimeout": "1800",
            "Name": "team-a",
            "Stage": "dev",
            "Tags": {"cost-center": "cc-1"},
            "Network": {
                "VpcCidr": "10.1.0.0/16",
                "AvailabilityZones": ["us-east-1a", "us-east-1b"],
                "CreateNatGateways": "true",
                "FlowLogs": {"Enabled": "false", "RetentionDays": "30", "TrafficType": "ALL"}
            },
            "Iam": {"ExecutionRoleArn": "arn:aws:iam::123456789012:role/exec"},
            "Storage": {"ForceDestroy": true},
            "Guardrails": {"AllowedInstanceTypes": "ml.m5.xlarge, ml.t3.medium", "DenyRootAccess": "False"},
            "Studio": {"UserProfiles": {"alice": {"Persona": "data_scientist"}}}
        }))
        .unwrap();
        assert!(spec.network.create_nat_gateways);
        assert!(!spec.network.flow_logs.enabled);
        assert_eq!(spec.network.flow_logs.retention_days, 30);
        assert_eq!(spec.network.flow_logs.traffic_type, TrafficType::All);
        assert!(spec.storage.force_destroy);
        assert!(!spec.guardrails.deny_root_access);
        assert!(spec.guardrails.require_kms, "defaults kept");
        assert_eq!(
            spec.guardrails.allowed_instance_types,
            ["ml.m5.xlarge", "ml.t3.medium"]
        );
        assert_eq!(
            spec.iam.execution_role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/exec")
        );
        assert!(spec.studio.enabled, "Studio is on unless switched off");
        assert_eq!(
            spec.studio.user_profiles["alice"].persona,
            ProfilePersona::DATA_SCIENTIST
        );
        assert_eq!(spec.tags["cost-center"], "cc-1");
        assert_eq!(
            service_timeout(&json!({"ServiceTimeout": "1800"})),
            Some(1800)
        );
    }

    #[test]
    fn studio_platform_properties_read_as_terraforms_arguments() {
        let spec = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev",
            "Studio": {
                "IdleShutdown": {"Enabled": "true", "IdleMinutes": "120"},
                "DefaultSpace": {"StorageGb": "10", "MaxStorageGb": 50},
                "HiddenApps": "Canvas,CodeEditor",
                "DockerAccess": "ENABLED",
                "TeamPortfolio": "true",
                "UserProfiles": {"bob": {"Persona": "team_admin", "IdleMinutes": "240"}}
            }
        }))
        .unwrap();
        let studio = &spec.studio;
        assert!(studio.team_portfolio);
        assert_eq!(studio.idle_shutdown.idle_minutes, 120);
        assert_eq!(studio.default_space.storage_gb, 10);
        assert_eq!(studio.default_space.max_storage_gb, 50);
        assert_eq!(
            studio.hidden_apps,
            ["Canvas", "CodeEditor"].map(String::from).into()
        );
        assert!(studio.docker_access);
        assert_eq!(studio.user_profiles["bob"].idle_minutes, Some(240));

        let errors = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev",
            "Studio": {
                "IdleShutdown": {"IdleMinutes": "-5"},
                "DockerAccess": "yes"
            }
        }))
        .unwrap_err();
        let found = paths(&errors);
        for expected in ["Studio.IdleShutdown.IdleMinutes", "Studio.DockerAccess"] {
            assert!(found.contains(&expected), "{expected} in {found:?}");
        }
        // Well-formed, then checked by the engine, on the same path.
        let spec = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev", "Studio": {"HiddenApps": ["Notebook"]}
        }))
        .unwrap();
        let mut more = ValidationErrors::default();
        spec.check(&mut more);
        let errors = PropertyErrors::from_validation(&more);
        assert_eq!(paths(&errors), ["Studio.HiddenApps"]);
    }

    #[test]
    fn omitted_properties_take_terraforms_defaults() {
        let spec = environment_spec(&json!({"Name": "team-a", "Stage": "dev"})).unwrap();
        assert!(spec.studio.enabled);
        assert_eq!(spec.network.availability_zones, None);
        assert_eq!(spec.network.flow_logs, FlowLogsSpec::default());
        assert_eq!(spec.guardrails, GuardrailSpec::default());
        assert_eq!(spec.network.interface_endpoints, None);
        let studio = StudioSpec::default();
        assert_eq!(spec.studio.idle_shutdown, studio.idle_shutdown);
        assert_eq!(spec.studio.default_space, studio.default_space);
        assert_eq!(spec.studio.hidden_apps, studio.hidden_apps);
        assert!(!spec.studio.docker_access);
        assert_eq!(spec.network.vpc_cidr, None, "empty means the default");
        let spec = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev",
            "Network": {"VpcCidr": "", "PrivateSubnetCidrs": ""},
            "Tags": [{"Key": "a", "Value": "b"}]
        }))
        .unwrap();
        assert_eq!(spec.network.vpc_cidr, None);
        assert_eq!(spec.network.private_subnet_cidrs, None);
        assert_eq!(spec.tags["a"], "b");
    }

    #[test]
    fn maps_arrive_as_key_value_strings_from_template_parameters() {
        let spec = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev",
            "Tags": ["cost-center=42", "owner = team-a"],
            "Studio": {"UserProfiles": "alice=data_scientist,bob=team_admin"}
        }))
        .unwrap();
        assert_eq!(spec.tags["cost-center"], "42");
        assert_eq!(spec.tags["owner"], "team-a");
        assert_eq!(
            spec.studio.user_profiles["alice"].persona,
            ProfilePersona::DATA_SCIENTIST
        );
        assert_eq!(
            spec.studio.user_profiles["bob"].persona,
            ProfilePersona::TEAM_ADMIN
        );
        let spec = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev",
            "Studio": {"UserProfiles": ["carol=team_admin"]}
        }))
        .unwrap();
        assert_eq!(
            spec.studio.user_profiles["carol"].persona,
            ProfilePersona::TEAM_ADMIN
        );
        let errors = environment_spec(&json!({
            "Name": "team-a", "Stage": "dev",
            "Tags": ["owner"],
            "Studio": {"UserProfiles": ["=data_scientist"]}
        }))
        .unwrap_err();
        assert_eq!(paths(&errors), ["Tags[0]", "Studio.UserProfiles[0]"]);
    }

    #[test]
    fn unknown_and_mistyped_properties_are_errors_on_their_paths() {
        let errors = environment_spec(&json!({
            "Name": "team-a",
            "Network": {"VpcCIDR": "10.0.0.0/16", "FlowLogs": {"Enabled": "yes"}},
            "Storage": {"force_destroy": "true"},
            "Studio": {"UserProfiles": {"bob": {"Persona": "team_admin", "Role": "x"}}},
            "Colour": "blue",
            "Guardrails": "strict"
        }))
        .unwrap_err();
        let found = paths(&errors);
        for expected in [
            "Stage",
            "Network.VpcCIDR",
            "Network.FlowLogs.Enabled",
            "Storage.force_destroy",
            "Studio.UserProfiles[\"bob\"].Role",
            "Colour",
            "Guardrails",
        ] {
            assert!(found.contains(&expected), "{expected} in {found:?}");
        }
        let text = errors.to_string();
        assert!(text.contains("did you mean VpcCidr?"), "{text}");
        assert!(text.contains("did you mean ForceDestroy?"), "{text}");
        assert!(text.contains("Stage: is required"), "{text}");
    }

    #[test]
    fn validation_errors_are_reported_on_property_paths() {
        let props = json!({
            "Name": "team-a", "Stage": "qa",
            "Network": {
                "AvailabilityZones": ["us-east-1a", "us-east-1b"],
                "PrivateSubnetCidrs": ["10.0.0.0/19", "10.1.0.0/19"]
            },
            "Studio": {"UserProfiles": {"alice": {"Persona": "wizard"}}}
        });
        let (spec, mut errors) = read_environment(&props);
        let mut more = ValidationErrors::default();
        spec.check(&mut more);
        errors.0.extend(PropertyErrors::from_validation(&more).0);
        let found = paths(&errors);
        assert!(found.contains(&"Stage"), "{found:?}");
        assert!(
            found.contains(&"Network.PrivateSubnetCidrs[1]"),
            "{found:?}"
        );
        assert!(
            found.contains(&"Studio.UserProfiles[\"alice\"].Persona"),
            "{found:?}"
        );
        let text = errors.to_string();
        assert!(
            text.contains("Network.PrivateSubnetCidrs[1]: 10.1.0.0/19 is not inside"),
            "{text}"
        );
        assert!(!text.contains("network.private_subnet_cidrs"), "{text}");
    }

    #[test]
    fn projects_properties_map_with_defaults() {
        let spec = projects_spec(&json!({
            "ServiceToken": "x",
            "PrincipalArns": ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"]
        }))
        .unwrap();
        assert_eq!(spec.principal_arns.len(), 2);
        assert!(spec.create_service_roles);
        assert!(!spec.disable_on_destroy);
        let spec = projects_spec(&json!({
            "PrincipalArns": "arn:aws:iam::123456789012:role/a",
            "CreateServiceRoles": "false",
            "DisableOnDestroy": "true"
        }))
        .unwrap();
        assert!(!spec.create_service_roles && spec.disable_on_destroy);
        let errors = projects_spec(&json!({"PrincipalArn": []})).unwrap_err();
        assert_eq!(paths(&errors), ["PrincipalArns", "PrincipalArn"]);
        let bad = projects_spec(&json!({"PrincipalArns": ["arn:aws:iam::1:user/x"]})).unwrap();
        let errors = PropertyErrors::from_validation(&bad.validate().unwrap_err());
        assert_eq!(paths(&errors), ["PrincipalArns"]);
    }
}
