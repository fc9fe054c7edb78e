//! Input for SageMaker Projects enablement.

use std::collections::BTreeSet;

use super::{parse_iam_role_arn, AttrPath, ValidationErrors};

/// What a user asks for when enabling SageMaker Projects in an account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectsEnablementSpec {
    /// IAM roles (Studio execution or persona roles) that may launch SageMaker project templates.
    pub principal_arns: BTreeSet<String>,
    /// Create the two account-wide service roles SageMaker Projects needs when they are missing.
    pub create_service_roles: bool,
    /// Disable the SageMaker Service Catalog portfolio on delete.
    pub disable_on_destroy: bool,
}

impl ProjectsEnablementSpec {
    /// Every problem with the spec, each on its attribute path.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        validate_principal_arns(self.principal_arns.iter().map(String::as_str), &mut errors);
        errors.into_result()
    }
}

/// Checks principal ARNs one by one; front ends call it on the known elements of a partly
/// unknown set, so a plan reports bad input before any AWS call.
pub fn validate_principal_arns<'a>(
    arns: impl IntoIterator<Item = &'a str>,
    errors: &mut ValidationErrors,
) {
    for arn in arns {
        if let Err(why) = parse_iam_role_arn(arn) {
            errors.push(
                // A set element has no stable index to point at: the detail names the value.
                AttrPath::attr("principal_arns"),
                "Invalid Principal ARN",
                format!("{why}. Each principal must be an IAM role ARN."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(arns: &[&str]) -> ProjectsEnablementSpec {
        ProjectsEnablementSpec {
            principal_arns: arns.iter().map(|s| s.to_string()).collect(),
            create_service_roles: true,
            disable_on_destroy: false,
        }
    }

    #[test]
    fn role_arns_are_valid() {
        assert!(spec(&[
            "arn:aws:iam::123456789012:role/a",
            "arn:aws:iam::123456789012:role/b"
        ])
        .validate()
        .is_ok());
    }

    #[test]
    fn every_bad_principal_is_reported_on_principal_arns() {
        let err = spec(&["arn:aws:iam::123456789012:user/alice", "not-an-arn"])
            .validate()
            .unwrap_err();
        assert_eq!(err.0.len(), 2);
        for e in &err.0 {
            assert_eq!(e.path, AttrPath::attr("principal_arns"));
            assert!(e.detail.starts_with("principal_arns: "), "{}", e.detail);
        }
    }
}
