//! One module per AWS child kind the engine manages. Each is a thin, idempotent layer over the
//! AWS calls for that kind: look up, adopt or create, read, delete (not-found counts as deleted).

pub mod portfolio_principal;
pub mod sagemaker_portfolio;
pub mod service_role;

/// Tag key naming which part of a deployment a child is (its logical id).
pub const COMPONENT_TAG: &str = "secure-mlops:component";
/// Tag key naming the environment (`<name>-<stage>`) a child belongs to.
pub const ENVIRONMENT_TAG: &str = "secure-mlops:environment";
