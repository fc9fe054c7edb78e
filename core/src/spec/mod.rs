//! Typed, validated input for the engine's operations.
//!
//! Validation never stops at the first problem: it returns every [`ValidationError`] at once,
//! each naming the attribute path the user wrote, so a plan shows all mistakes in one go.

mod arn;
mod cidr;
mod environment;
mod path;
mod projects;

pub use arn::{parse_iam_role_arn, IamRoleArn};
pub use cidr::Cidr;
pub use environment::{
    bucket_name_problem, EnvironmentSpec, FlowLogsSpec, GuardrailSpec, IamSpec, NetworkSpec,
    ResolvedSubnets, Stage, StorageSpec, DEFAULT_INTERFACE_ENDPOINTS, DEFAULT_VPC_CIDR,
    LOG_RETENTION_DAYS, MAX_AZS, MAX_NAME_LEN,
};
pub use path::{AttrPath, PathStep, ValidationError, ValidationErrors};
pub use projects::{validate_principal_arns, ProjectsEnablementSpec};
