//! One module per Terraform resource type.

pub(crate) mod mlops_project_templates;
pub(crate) mod project;
pub(crate) mod projects_enablement;
pub(crate) mod secure_ds_environment;
pub(crate) mod security_response;
