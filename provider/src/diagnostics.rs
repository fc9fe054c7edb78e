//! Core errors as Terraform diagnostics.

use secure_mlops_core::spec::{AttrPath, PathStep, ValidationErrors};
use tf_provider::{AttributePath, Diagnostics};

/// A core attribute path as a Terraform attribute path.
pub(crate) fn attribute_path(path: &AttrPath) -> AttributePath {
    let mut out = AttributePath::root();
    for step in &path.0 {
        match step {
            PathStep::Attr(name) => {
                out.add_attribute(name.clone());
            }
            PathStep::Index(i) => {
                out.add_index(i64::try_from(*i).unwrap_or(i64::MAX));
            }
            PathStep::Key(key) => {
                out.add_key(key.clone());
            }
        }
    }
    out
}

/// Adds one error diagnostic per validation problem, each on its attribute.
pub(crate) fn add_validation_errors(diags: &mut Diagnostics, errors: &ValidationErrors) {
    for e in &errors.0 {
        diags.error(e.summary.clone(), e.detail.clone(), attribute_path(&e.path));
    }
}
