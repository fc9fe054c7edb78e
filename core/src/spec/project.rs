//! Input for one SageMaker project made from a project template (`sagemaker_project`).

use std::collections::BTreeMap;

use super::{AttrPath, ValidationErrors};

/// The parameters SageMaker passes to every template itself: a project may not set them.
pub const RESERVED_PARAMETERS: &[&str] = &["SageMakerProjectName", "SageMakerProjectId"];
/// Longest project name SageMaker accepts.
pub const MAX_PROJECT_NAME_LEN: usize = 32;
/// Longest project description SageMaker accepts.
pub const MAX_DESCRIPTION_LEN: usize = 1024;

/// What a user asks for: a project from a Service Catalog product Studio shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectSpec {
    /// The project's name (1-32 letters, digits and hyphens, no leading, trailing or double
    /// hyphen rules beyond SageMaker's pattern).
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The template's product.
    pub product_id: String,
    /// The product version; `None`: the newest active one.
    pub provisioning_artifact_id: Option<String>,
    /// The template's parameters, besides the two SageMaker passes.
    pub parameters: BTreeMap<String, String>,
    /// Tags on the project (SageMaker passes them to what the template makes).
    pub tags: BTreeMap<String, String>,
    /// Destroy also deletes what the project's pipelines wrote: model versions in its model
    /// package group and objects under the locations its template declares.
    pub force_destroy: bool,
}

impl ProjectSpec {
    /// Every problem, each on its attribute path.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(problem) = project_name_problem(&self.name) {
            errors.push(AttrPath::attr("name"), "Invalid Project Name", problem);
        }
        if !is_catalog_id(&self.product_id) {
            errors.push(
                AttrPath::attr("product_id"),
                "Invalid Product Id",
                format!(
                    "{:?} is not a Service Catalog product id (letters, digits, _ and -): use a \
                     product_ids value of sagemaker_mlops_project_templates",
                    self.product_id
                ),
            );
        }
        if let Some(id) = &self.provisioning_artifact_id {
            if !is_catalog_id(id) {
                errors.push(
                    AttrPath::attr("provisioning_artifact_id"),
                    "Invalid Product Version",
                    format!("{id:?} is not a provisioning artifact id (letters, digits, _ and -)"),
                );
            }
        }
        if let Some(description) = &self.description {
            if description.chars().count() > MAX_DESCRIPTION_LEN
                || description.chars().any(char::is_control)
            {
                errors.push(
                    AttrPath::attr("description"),
                    "Invalid Description",
                    format!(
                        "a description has at most {MAX_DESCRIPTION_LEN} characters and no \
                         control characters (line breaks included)"
                    ),
                );
            }
        }
        for (key, value) in &self.parameters {
            let path = AttrPath::attr("parameters").key(key.clone());
            if RESERVED_PARAMETERS.contains(&key.as_str()) {
                errors.push(
                    path,
                    "Reserved Parameter",
                    format!("SageMaker passes {key} itself: remove it"),
                );
            } else if key.is_empty()
                || key.len() > 1000
                || !key.chars().all(|c| c.is_ascii_alphanumeric())
            {
                errors.push(
                    path,
                    "Invalid Parameter Name",
                    format!("{key:?} is not a CloudFormation parameter name (letters and digits)"),
                );
            } else if value.len() > 4096 {
                errors.push(
                    path,
                    "Parameter Too Long",
                    format!("the value of {key} is longer than 4096 characters"),
                );
            }
        }
        super::environment::check_user_tags(&self.tags, &mut errors);
        for key in self.tags.keys() {
            if key.starts_with("sagemaker:") {
                errors.push(
                    AttrPath::attr("tags").key(key.clone()),
                    "Reserved Tag",
                    format!("SageMaker sets the sagemaker: tags itself: remove {key:?}"),
                );
            }
        }
        errors.into_result()
    }
}

/// What is wrong with a project name, as SageMaker checks it
/// (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}`), or `None`.
pub fn project_name_problem(name: &str) -> Option<String> {
    let well_formed = !name.is_empty()
        && name.len() <= MAX_PROJECT_NAME_LEN
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    (!well_formed).then(|| {
        format!(
            "{name:?} is not a project name: 1 to {MAX_PROJECT_NAME_LEN} letters, digits and \
             hyphens, starting and ending with a letter or digit"
        )
    })
}

/// A Service Catalog id as its API checks one: 1-100 letters, digits, `_` and `-`
/// (`prod-…` for products and `pa-…` for versions on AWS).
pub fn is_catalog_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ProjectSpec {
        ProjectSpec {
            name: "churn-model".into(),
            product_id: "prod-abcdefgh12345".into(),
            ..ProjectSpec::default()
        }
    }

    fn paths(spec: &ProjectSpec) -> Vec<String> {
        spec.validate()
            .err()
            .map(|e| e.0.iter().map(|e| e.path.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_plain_project_is_valid() {
        assert!(spec().validate().is_ok());
    }

    #[test]
    fn names_follow_sagemakers_pattern() {
        for bad in ["", "-churn", "churn-", "churn_model", &"a".repeat(33)] {
            assert!(project_name_problem(bad).is_some(), "{bad:?}");
        }
        for good in ["a", "churn--model", &"a".repeat(32), "7up"] {
            assert!(project_name_problem(good).is_none(), "{good:?}");
        }
    }

    #[test]
    fn each_problem_is_on_its_attribute() {
        let bad = ProjectSpec {
            name: "churn_model".into(),
            product_id: "prod 1".into(),
            provisioning_artifact_id: Some("pa-x/1".into()),
            description: Some("two\nlines".into()),
            parameters: BTreeMap::from([
                ("SageMakerProjectName".into(), "x".into()),
                ("Source-Key".into(), "x".into()),
            ]),
            tags: BTreeMap::from([("sagemaker:project-name".into(), "x".into())]),
            ..spec()
        };
        assert_eq!(
            paths(&bad),
            [
                "name",
                "product_id",
                "provisioning_artifact_id",
                "description",
                "parameters[\"SageMakerProjectName\"]",
                "parameters[\"Source-Key\"]",
                "tags[\"sagemaker:project-name\"]"
            ]
        );
    }

    #[test]
    fn ids_are_checked_as_the_catalog_api_checks_them() {
        assert!(is_catalog_id("prod-abcdefgh12345"));
        assert!(is_catalog_id("pa-abcdefgh12345"));
        assert!(!is_catalog_id(""));
        assert!(!is_catalog_id("prod-1 "));
        assert!(!is_catalog_id(&"a".repeat(101)));
    }
}
