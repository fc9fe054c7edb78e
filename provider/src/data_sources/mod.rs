//! One module per Terraform data source type.

pub(crate) mod environment_audit;
