//! The Studio platform settings of an environment: idle shutdown, the default space, what the
//! web portal shows, Docker. Each becomes part of the domain's (and a profile's) settings, and
//! each is read back for drift.

use std::collections::BTreeSet;

use super::super::path::AttrPath;
use super::super::ValidationErrors;
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
pub(super) fn check_platform(studio: &StudioSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("studio");
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
