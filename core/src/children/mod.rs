//! One module per AWS child kind the engine manages. Each is a thin, idempotent layer over the
//! AWS calls for that kind: look up, adopt or create, read, delete (not-found counts as deleted).

pub mod bucket;
pub mod domain;
pub mod ec2_tags;
pub mod environment;
pub mod error;
pub mod flow_log;
pub mod guardrail_policy;
pub mod internet_gateway;
pub mod kms_key;
pub mod nat_gateway;
pub mod portfolio_principal;
pub mod role;
pub mod route_table;
pub mod sagemaker_portfolio;
pub mod security_group;
pub mod service_role;
pub mod studio_cleanup;
pub mod subnet;
pub mod tags;
pub mod user_profile;
pub mod vpc;
pub mod vpc_endpoint;

/// Tag key naming which part of a deployment a child is (its logical id).
pub const COMPONENT_TAG: &str = "secure-mlops:component";
/// Tag key naming the environment (`<name>-<stage>`) a child belongs to.
pub const ENVIRONMENT_TAG: &str = "secure-mlops:environment";
