//! One module per AWS child kind the engine manages. Each is a thin, idempotent layer over the
//! AWS calls for that kind: look up, adopt or create, read, delete (not-found counts as deleted).

pub mod boundary_policy;
pub mod bucket;
pub mod config_rules;
pub mod custom_image;
pub mod domain;
pub mod driver;
pub mod ec2_tags;
pub mod error;
pub mod flow_log;
pub mod guardrail_policy;
pub mod internet_gateway;
pub mod kind;
pub mod kms_key;
pub mod lifecycle_config;
pub mod nat_gateway;
pub mod package_repository;
pub mod portfolio_principal;
pub mod reads;
pub mod role;
pub mod route_table;
pub mod sagemaker;
pub mod sagemaker_portfolio;
pub mod security_group;
pub mod service_role;
pub mod studio_apps;
pub mod studio_leftovers;
pub mod studio_scope;
pub mod studio_settings;
pub mod subnet;
pub mod tags;
pub mod user_profile;
pub mod vpc;
pub mod vpc_endpoint;
