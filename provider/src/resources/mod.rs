//! One module per Terraform resource type.

pub(crate) mod projects_enablement;
