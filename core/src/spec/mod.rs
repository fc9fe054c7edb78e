//! Typed, validated input for the engine's operations.
//!
//! Validation never stops at the first problem: it returns every [`ValidationError`] at once,
//! each naming the attribute path the user wrote, so a plan shows all mistakes in one go.

mod arn;
mod choice;
mod cidr;
mod environment;
mod mlops;
mod path;
mod project;
mod projects;
mod security_response;

pub use arn::{parse_iam_policy_arn, parse_iam_principal_arn, parse_iam_role_arn, IamRoleArn};
pub use choice::{
    AuthMode, Choice, EfsRetention, PackageUpstream, ProfilePersona, Stage, StudioAppType,
    TrafficType,
};
pub use cidr::Cidr;
pub use environment::{
    bucket_name_problem, default_hidden_apps, ecr_image_account_region, CustomImageSpec,
    DefaultSpaceSpec, EnvironmentSpec, FlowLogsSpec, GuardrailSpec, IamSpec, IdleShutdownSpec,
    LifecycleConfigSpec, NetworkSpec, PackagesSpec, ResolvedSubnets, StorageSpec, StudioAccessSpec,
    StudioSpec, UserProfileSpec, APP_TYPES, DEFAULT_HIDDEN_APPS, DEFAULT_INTERFACE_ENDPOINTS,
    DEFAULT_VPC_CIDR, IMAGE_GID, IMAGE_MOUNT_PATH, IMAGE_UID, LOG_RETENTION_DAYS, MAX_AZS,
    MAX_IDLE_MINUTES, MAX_LIFECYCLE_CONFIG_BYTES, MAX_NAME_LEN, MAX_SPACE_STORAGE_GB,
    MIN_IDLE_MINUTES, MIN_SPACE_STORAGE_GB, PACKAGE_ENDPOINTS,
};
pub use mlops::{
    check_connection_arn, unknown_template, MlopsTemplatesSpec, SourceKind, SourceSpec,
    DEFAULT_BRANCH,
};
pub use path::{AttrPath, PathStep, ValidationError, ValidationErrors};
pub use project::{
    is_catalog_id, project_name_problem, ProjectSpec, MAX_DESCRIPTION_LEN, MAX_PROJECT_NAME_LEN,
    RESERVED_PARAMETERS,
};
pub use projects::{validate_principal_arns, ProjectsEnablementSpec};
pub use security_response::{
    validate_key_arn, validate_name as validate_response_name, ResponseMode, SecurityResponseSpec,
    MAX_RESPONSE_NAME_LEN, RETENTION_DAYS,
};

/// True for an AWS region name such as `eu-west-1` or `us-gov-west-1` (checked by shape, so new
/// regions need no update).
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
