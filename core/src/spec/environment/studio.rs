//! The Studio platform settings of an environment: idle shutdown, the default space, what the
//! web portal shows, Docker. Each becomes part of the domain's (and a profile's) settings, and
//! each is read back for drift.

use std::collections::{BTreeMap, BTreeSet};

use super::super::choice::{Choice, StudioAppType};
use super::super::path::AttrPath;
use super::super::ValidationErrors;
use super::checks::is_sagemaker_name;
use super::StudioSpec;

/// Fewest idle minutes SageMaker accepts (`IdleTimeoutInMinutes`).
pub const MIN_IDLE_MINUTES: u32 = 60;
/// Most idle minutes SageMaker accepts: a year.
pub const MAX_IDLE_MINUTES: u32 = 525_600;
/// Smallest EBS volume of a space SageMaker accepts, in GB.
pub const MIN_SPACE_STORAGE_GB: u32 = 5;
/// Largest EBS volume of a space SageMaker accepts, in GB.
pub const MAX_SPACE_STORAGE_GB: u32 = 16_384;

/// The app types SageMaker's web portal can hide (the API's `AppType`; a unit test keeps the
/// list equal to the SDK's).
pub const APP_TYPES: &[&str] = &[
    "Canvas",
    "CodeEditor",
    "DetailedProfiler",
    "JupyterLab",
    "JupyterServer",
    "KernelGateway",
    "RSessionGateway",
    "RStudioServerPro",
    "TensorBoard",
];

/// Hidden unless the configuration says otherwise: Canvas calls services over the internet the
/// environment's VPC has no path to, and RStudio needs a licence and a domain setting the
/// environment does not make. Both would only show users an app that cannot start.
pub const DEFAULT_HIDDEN_APPS: &[&str] = &["Canvas", "RStudioServerPro"];

/// `studio.idle_shutdown`: JupyterLab and Code Editor apps stop after this long without work,
/// in every user's and every space's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleShutdownSpec {
    /// On by default: an idle app is compute billed for nothing.
    pub enabled: bool,
    /// Minutes of idleness before an app stops; also the most a user may choose for a space.
    pub idle_minutes: u32,
}

impl Default for IdleShutdownSpec {
    fn default() -> Self {
        IdleShutdownSpec {
            enabled: true,
            idle_minutes: MIN_IDLE_MINUTES,
        }
    }
}

/// `studio.default_space`: the storage of the spaces users make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultSpaceSpec {
    /// The EBS volume a new space gets, in GB.
    pub storage_gb: u32,
    /// The largest volume a user may give a space, in GB.
    pub max_storage_gb: u32,
}

impl Default for DefaultSpaceSpec {
    fn default() -> Self {
        DefaultSpaceSpec {
            storage_gb: 5,
            max_storage_gb: 100,
        }
    }
}

/// The longest script a lifecycle configuration takes: SageMaker stores it base64-encoded in at
/// most 16384 characters, which is 12288 bytes of script.
pub const MAX_LIFECYCLE_CONFIG_BYTES: usize = 16_384 / 4 * 3;

/// `studio.lifecycle_config "<name>"`: a script JupyterLab or Code Editor runs when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleConfigSpec {
    /// The app it runs in.
    pub app_type: StudioAppType,
    /// The script.
    pub content: String,
    /// Whether it runs by default (at most one per app type); the others are offered to users.
    pub default: bool,
}

impl LifecycleConfigSpec {
    /// Eight hex digits of a hash of what AWS cannot change in a configuration (its app type
    /// and script): a change is a new configuration, made under a new name before the old one
    /// goes. FNV-1a, so the name is the same on every machine and version.
    pub fn version(&self) -> String {
        let mut hash: u32 = 0x811c_9dc5;
        for byte in self
            .app_type
            .as_str()
            .bytes()
            .chain([0u8])
            .chain(self.content.bytes())
        {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        format!("{hash:08x}")
    }

    /// The configuration's name in AWS: `<env id>-<name>-<version>` (names are unique in the
    /// account and region).
    pub fn aws_name(&self, env_id: &str, name: &str) -> String {
        format!("{env_id}-{name}-{}", self.version())
    }
}

/// The user a custom image's apps run as: SageMaker's non-root default (uid 1000, gid 100). Root
/// (0) is refused: an app running as root in the container can change what the image set up.
pub const IMAGE_UID: u32 = 1000;
/// See [`IMAGE_UID`].
pub const IMAGE_GID: u32 = 100;
/// Where a custom image's apps find the user's home directory by default.
pub const IMAGE_MOUNT_PATH: &str = "/home/sagemaker-user";

/// `studio.custom_image "<name>"`: a container image from this account's ECR, offered to users
/// as a JupyterLab or Code Editor image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomImageSpec {
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` (or `@sha256:<digest>`).
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

impl CustomImageSpec {
    /// The image's (and its app image config's) name in AWS: `<env id>-<name>`.
    pub fn aws_name(env_id: &str, name: &str) -> String {
        format!("{env_id}-{name}")
    }
}

/// The account and region of an ECR image URI
/// (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>(:<tag>|@sha256:<digest>)`), or
/// `None` when it is not one.
pub fn ecr_image_account_region(uri: &str) -> Option<(&str, &str)> {
    let (host, path) = uri.split_once('/')?;
    let host = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (account, rest) = host.split_once(".dkr.ecr.")?;
    let region = rest;
    let (repository, reference) = match path.split_once('@') {
        Some((repo, digest)) => {
            let hex = digest.strip_prefix("sha256:")?;
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            (repo, "digest")
        }
        None => path.rsplit_once(':')?,
    };
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && super::super::is_region_name(region)
        && !repository.is_empty()
        && repository
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._/-".contains(&b))
        && !reference.is_empty();
    ok.then_some((account, region))
}

fn check_custom_images(
    env_id: &str,
    images: &BTreeMap<String, CustomImageSpec>,
    errors: &mut ValidationErrors,
) {
    let path = AttrPath::attr("studio").then("custom_image");
    for (name, image) in images {
        let at = path.key(name);
        if !is_sagemaker_name(name) {
            errors.push(
                at.clone(),
                "Invalid Image Name",
                format!("{name:?} must be letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        } else if !is_sagemaker_name(&CustomImageSpec::aws_name(env_id, name)) {
            errors.push(
                at.clone(),
                "Image Name Too Long",
                format!(
                    "its name in AWS, {:?}, is over 63 characters: use a shorter name",
                    CustomImageSpec::aws_name(env_id, name)
                ),
            );
        }
        if ecr_image_account_region(&image.ecr_image_uri).is_none() {
            errors.push(
                at.then("ecr_image_uri"),
                "Not An ECR Image",
                format!("{:?} is not <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> (or @sha256:<digest>): Studio runs images of this account's ECR only", image.ecr_image_uri),
            );
        }
        if image.uid != IMAGE_UID {
            errors.push(
                at.then("uid"),
                "Image User Not Allowed",
                format!("{} is not {IMAGE_UID}: SageMaker takes {IMAGE_UID} or 0 (root), and apps do not run as root here", image.uid),
            );
        }
        if image.gid != IMAGE_GID {
            errors.push(
                at.then("gid"),
                "Image Group Not Allowed",
                format!("{} is not {IMAGE_GID}: SageMaker takes {IMAGE_GID} or 0 (root), and apps do not run as root here", image.gid),
            );
        }
        if !image.mount_path.starts_with('/') || image.mount_path.len() > 1024 {
            errors.push(
                at.then("mount_path"),
                "Invalid Mount Path",
                format!("{:?} is not an absolute path", image.mount_path),
            );
        }
    }
}

/// The lifecycle configurations and the profiles' idle timeouts that refer to them.
fn check_lifecycle_configs(
    env_id: &str,
    configs: &BTreeMap<String, LifecycleConfigSpec>,
    errors: &mut ValidationErrors,
) {
    let path = AttrPath::attr("studio").then("lifecycle_config");
    let mut defaults: BTreeMap<StudioAppType, &str> = BTreeMap::new();
    for (name, config) in configs {
        let at = path.key(name);
        let aws_name = config.aws_name(env_id, name);
        if !is_sagemaker_name(name) {
            errors.push(
                at.clone(),
                "Invalid Lifecycle Configuration Name",
                format!("{name:?} must be letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        } else if !is_sagemaker_name(&aws_name) {
            errors.push(
                at.clone(),
                "Lifecycle Configuration Name Too Long",
                format!("its name in AWS, {aws_name:?}, is over 63 characters: use a shorter name"),
            );
        }
        if config.content.trim().is_empty() {
            errors.push(
                at.then("content"),
                "Empty Script",
                "a lifecycle configuration needs a script",
            );
        } else if config.content.len() > MAX_LIFECYCLE_CONFIG_BYTES {
            errors.push(
                at.then("content"),
                "Script Too Long",
                format!(
                    "{} bytes is over the {MAX_LIFECYCLE_CONFIG_BYTES} SageMaker takes (16384 characters once base64-encoded)",
                    config.content.len()
                ),
            );
        }
        if config.default {
            if let Some(other) = defaults.insert(config.app_type, name) {
                errors.push(
                    at.then("default"),
                    "Two Default Lifecycle Configurations",
                    format!(
                        "{other:?} is already the default for {}: at most one per app type",
                        config.app_type.as_str()
                    ),
                );
            }
        }
    }
}

/// The default `studio.hidden_apps`.
pub fn default_hidden_apps() -> BTreeSet<String> {
    DEFAULT_HIDDEN_APPS.iter().map(|s| s.to_string()).collect()
}

/// Idle minutes within SageMaker's bounds.
pub(super) fn check_idle_minutes(minutes: u32, at: AttrPath, errors: &mut ValidationErrors) {
    if !(MIN_IDLE_MINUTES..=MAX_IDLE_MINUTES).contains(&minutes) {
        errors.push(
            at,
            "Idle Minutes Out Of Range",
            format!(
                "{minutes} is outside {MIN_IDLE_MINUTES}-{MAX_IDLE_MINUTES}, the idle timeouts SageMaker accepts"
            ),
        );
    }
}

/// The platform settings of `studio`: each within what SageMaker accepts.
pub(super) fn check_platform(env_id: &str, studio: &StudioSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("studio");
    check_lifecycle_configs(env_id, &studio.lifecycle_configs, errors);
    check_custom_images(env_id, &studio.custom_images, errors);
    check_idle_minutes(
        studio.idle_shutdown.idle_minutes,
        path.then("idle_shutdown").then("idle_minutes"),
        errors,
    );
    let space = studio.default_space;
    let at = path.then("default_space");
    for (name, gb) in [
        ("storage_gb", space.storage_gb),
        ("max_storage_gb", space.max_storage_gb),
    ] {
        if !(MIN_SPACE_STORAGE_GB..=MAX_SPACE_STORAGE_GB).contains(&gb) {
            errors.push(
                at.then(name),
                "Storage Out Of Range",
                format!("{gb} GB is outside {MIN_SPACE_STORAGE_GB}-{MAX_SPACE_STORAGE_GB} GB, the space volumes SageMaker accepts"),
            );
        }
    }
    if space.storage_gb > space.max_storage_gb {
        errors.push(
            at.then("storage_gb"),
            "Storage Above Its Maximum",
            format!(
                "a new space's {} GB is more than the {} GB of max_storage_gb",
                space.storage_gb, space.max_storage_gb
            ),
        );
    }
    for app in &studio.hidden_apps {
        if !APP_TYPES.contains(&app.as_str()) {
            errors.push(
                path.then("hidden_apps"),
                "Unknown App Type",
                format!(
                    "{app:?} is not a Studio app type: use one of {}",
                    APP_TYPES.join(", ")
                ),
            );
        }
    }
    for (name, profile) in &studio.user_profiles {
        if let Some(config) = &profile.default_lifecycle_config {
            if !studio.lifecycle_configs.contains_key(config) {
                errors.push(
                    path.then("user_profile")
                        .key(name)
                        .then("default_lifecycle_config"),
                    "Unknown Lifecycle Configuration",
                    format!("{config:?} is not a studio.lifecycle_config block"),
                );
            }
        }
        if let Some(minutes) = profile.idle_minutes {
            let at = path.then("user_profile").key(name).then("idle_minutes");
            check_idle_minutes(minutes, at.clone(), errors);
            if !studio.idle_shutdown.enabled {
                errors.push(
                    at,
                    "Idle Shutdown Off",
                    "a profile's idle_minutes needs studio.idle_shutdown.enabled = true",
                );
            }
        }
    }
}
