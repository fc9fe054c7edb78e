//! Typed, validated input for the engine's operations.
//!
//! Validation never stops at the first problem: it returns every [`ValidationError`] at once,
//! each naming the attribute path the user wrote, so a plan shows all mistakes in one go.

mod arn;
mod path;
mod projects;

pub use arn::{parse_iam_role_arn, IamRoleArn};
pub use path::{AttrPath, PathStep, ValidationError, ValidationErrors};
pub use projects::{validate_principal_arns, ProjectsEnablementSpec};
