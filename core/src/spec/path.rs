//! Attribute paths and validation errors that carry them.

use std::fmt;

/// One step of an [`AttrPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An attribute or block name (`network`).
    Attr(String),
    /// A list index (`[2]`).
    Index(usize),
    /// A map key or a set element's value (`["alice"]`).
    Key(String),
}

/// Where in the user's input a value sits, e.g. `network.private_subnet_cidrs[2]`.
///
/// Front ends translate it to their own form: Terraform attribute paths, or CloudFormation's
/// PascalCase property paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// A path of one attribute name.
    pub fn attr(name: impl Into<String>) -> Self {
        Self(vec![PathStep::Attr(name.into())])
    }

    /// This path extended by an attribute name.
    pub fn then(&self, name: impl Into<String>) -> Self {
        let mut steps = self.0.clone();
        steps.push(PathStep::Attr(name.into()));
        Self(steps)
    }

    /// This path extended by a list index.
    pub fn index(&self, index: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(PathStep::Index(index));
        Self(steps)
    }

    /// This path extended by a map key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut steps = self.0.clone();
        steps.push(PathStep::Key(key.into()));
        Self(steps)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(name) if i == 0 => write!(f, "{name}")?,
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

/// One problem with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where the problem is.
    pub path: AttrPath,
    /// A short, title-case statement of the problem.
    pub summary: String,
    /// What is wrong and what to do about it; names the path again, because some front ends
    /// show only the resource and not the attribute.
    pub detail: String,
}

/// Every problem found in one input, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    /// Records a problem at `path`.
    pub fn push(&mut self, path: AttrPath, summary: impl Into<String>, detail: impl Into<String>) {
        let detail = format!("{}: {}", path, detail.into());
        self.0.push(ValidationError {
            path,
            summary: summary.into(),
            detail,
        });
    }

    /// `Ok` when nothing was recorded, else every problem.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{} ({})", e.detail, e.summary))
            .collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_terraform_references() {
        let path = AttrPath::attr("network")
            .then("private_subnet_cidrs")
            .index(2);
        assert_eq!(path.to_string(), "network.private_subnet_cidrs[2]");
        let path = AttrPath::attr("studio").then("user_profile").key("alice");
        assert_eq!(path.to_string(), "studio.user_profile[\"alice\"]");
    }

    #[test]
    fn errors_collect_and_name_their_path_in_the_detail() {
        let mut errors = ValidationErrors::default();
        assert!(errors.clone().into_result().is_ok());
        errors.push(AttrPath::attr("name"), "Invalid Name", "must be lowercase");
        errors.push(
            AttrPath::attr("stage"),
            "Invalid Stage",
            "must be dev, test or prod",
        );
        let err = errors.into_result().unwrap_err();
        assert_eq!(err.0.len(), 2);
        assert_eq!(err.0[0].detail, "name: must be lowercase");
    }
}
