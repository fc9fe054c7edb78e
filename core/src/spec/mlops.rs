//! Input for the MLOps project templates (`sagemaker_mlops_project_templates`,
//! `Custom::MlopsProjectTemplates`).

use std::collections::BTreeMap;

use super::choice::Choice;
use super::{AttrPath, Stage, ValidationErrors, MAX_NAME_LEN};
use crate::ids::MlopsTemplateKind;

/// Where a project's code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    /// A zip in the environment's MLOps bucket (the published seed code by default). Works in
    /// every account: CodeCommit is closed to new customers.
    #[default]
    S3,
    /// A GitHub, GitLab or Bitbucket repository through an AWS CodeConnections connection.
    CodeConnections,
    /// An AWS CodeCommit repository, where the account still has CodeCommit.
    CodeCommit,
}

impl Choice for SourceKind {
    const ALL: &'static [Self] = &[
        SourceKind::S3,
        SourceKind::CodeConnections,
        SourceKind::CodeCommit,
    ];
    const SUMMARY: &'static str = "Invalid Source Type";

    fn as_str(&self) -> &'static str {
        match self {
            SourceKind::S3 => "s3",
            SourceKind::CodeConnections => "codeconnections",
            SourceKind::CodeCommit => "codecommit",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not a source type: use \"s3\", \"codeconnections\" or \"codecommit\"")
    }
}

impl SourceKind {
    /// Parses `s3`, `codeconnections` or `codecommit`.
    pub fn parse(text: &str) -> Option<Self> {
        <Self as Choice>::parse(text)
    }

    /// The word.
    pub fn as_str(&self) -> &'static str {
        <Self as Choice>::as_str(self)
    }
}

/// Where the projects' code comes from (`source { ... }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The kind of source.
    pub kind: SourceKind,
    /// The CodeConnections connection (`codeconnections` only).
    pub connection_arn: Option<String>,
    /// `owner/name` for CodeConnections, the repository name for CodeCommit.
    pub repository: Option<String>,
    /// The branch the pipeline builds (repositories only).
    pub branch: String,
}

impl Default for SourceSpec {
    fn default() -> Self {
        SourceSpec {
            kind: SourceKind::S3,
            connection_arn: None,
            repository: None,
            branch: DEFAULT_BRANCH.to_string(),
        }
    }
}

/// The branch a repository source builds unless told otherwise.
pub const DEFAULT_BRANCH: &str = "main";

/// What a user asks for: the project templates of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlopsTemplatesSpec {
    /// The environment (`<name>-<stage>`) whose network, keys and roles the templates use.
    pub environment_id: String,
    /// The templates to publish.
    pub templates: Vec<MlopsTemplateKind>,
    /// Where the projects' code comes from.
    pub source: SourceSpec,
    /// The environment's model bucket, when it was given a name of its own (default
    /// `<environment id>-<region>-<account>-models`).
    pub models_bucket_name: Option<String>,
    /// Tags on every child.
    pub tags: BTreeMap<String, String>,
    /// Principals besides the environment's people who may make projects from the templates
    /// (the portfolio is shared with them too): a role that applies `sagemaker_project`, say.
    pub additional_principal_arns: Vec<String>,
}

impl MlopsTemplatesSpec {
    /// A spec for `environment_id` with every default: every template, seed code in S3.
    pub fn new(environment_id: impl Into<String>) -> Self {
        MlopsTemplatesSpec {
            environment_id: environment_id.into(),
            templates: MlopsTemplateKind::ALL.to_vec(),
            source: SourceSpec::default(),
            models_bucket_name: None,
            tags: BTreeMap::new(),
            additional_principal_arns: Vec::new(),
        }
    }

    /// The environment's name and stage, when the id is well formed.
    pub fn name_and_stage(&self) -> Option<(&str, Stage)> {
        let (name, stage) = self.environment_id.rsplit_once('-')?;
        Some((name, Stage::parse(stage)?))
    }

    /// Every problem, each on its attribute path. `region` is the provider's: a connection must
    /// be in it (CodePipeline uses connections of its own region only).
    pub fn validate(&self, region: &str) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        self.validate_environment_id(&mut errors);
        if self.templates.is_empty() {
            errors.push(
                AttrPath::attr("templates"),
                "No Templates",
                format!(
                    "name at least one template to publish: {}",
                    template_names()
                ),
            );
        }
        let mut seen = Vec::new();
        for (i, template) in self.templates.iter().enumerate() {
            if seen.contains(template) {
                errors.push(
                    AttrPath::attr("templates").index(i),
                    "Duplicate Template",
                    format!("{:?} is listed twice", template.key()),
                );
            }
            seen.push(*template);
        }
        self.validate_source(region, &mut errors);
        if let Some(name) = &self.models_bucket_name {
            if let Some(problem) = super::bucket_name_problem(name) {
                errors.push(
                    AttrPath::attr("models_bucket_name"),
                    "Invalid Bucket Name",
                    problem,
                );
            }
        }
        super::environment::check_user_tags(&self.tags, &mut errors);
        for arn in &self.additional_principal_arns {
            let problem = match super::parse_iam_principal_arn(arn) {
                Ok(()) if arn.ends_with(":root") => {
                    Some(format!("{arn:?} is a whole account: name a role or a user"))
                }
                Ok(()) => None,
                Err(why) => Some(why),
            };
            if let Some(problem) = problem {
                errors.push(
                    // A set element has no stable index: the detail names the value.
                    AttrPath::attr("additional_principal_arns"),
                    "Invalid Principal ARN",
                    problem,
                );
            }
        }
        errors.into_result()
    }

    fn validate_environment_id(&self, errors: &mut ValidationErrors) {
        let path = AttrPath::attr("environment_id");
        let Some((name, _)) = self.name_and_stage() else {
            errors.push(
                path,
                "Invalid Environment Id",
                format!(
                    "{:?} is not an environment id: use the environment's id output, \
                     <name>-<stage> with stage dev, test or prod",
                    self.environment_id
                ),
            );
            return;
        };
        let mut name_errors = ValidationErrors::default();
        super::environment::check_environment_name(name, &mut name_errors);
        if !name_errors.0.is_empty() || name.len() > MAX_NAME_LEN {
            errors.push(
                path,
                "Invalid Environment Id",
                format!(
                    "{:?} is not an environment id: its name part {name:?} is not a valid \
                     environment name",
                    self.environment_id
                ),
            );
        }
    }

    fn validate_source(&self, region: &str, errors: &mut ValidationErrors) {
        let source = &self.source;
        let path = AttrPath::attr("source");
        let forbid = |errors: &mut ValidationErrors, attr: &str, given: bool| {
            if given {
                errors.push(
                    path.clone().then(attr),
                    "Unexpected Source Setting",
                    format!(
                        "source.{attr} is not used with source type {:?}: remove it",
                        source.kind.as_str()
                    ),
                );
            }
        };
        match source.kind {
            SourceKind::S3 => {
                forbid(errors, "connection_arn", source.connection_arn.is_some());
                forbid(errors, "repository", source.repository.is_some());
            }
            SourceKind::CodeConnections => {
                match &source.connection_arn {
                    None => errors.push(
                        path.clone().then("connection_arn"),
                        "Missing Connection",
                        "source type \"codeconnections\" needs connection_arn: the ARN of an \
                         AWS CodeConnections connection (GitHub, GitLab, Bitbucket) in this region, \
                         already authorised in the console",
                    ),
                    Some(arn) => {
                        if let Err(why) = check_connection_arn(arn, region) {
                            errors.push(
                                path.clone().then("connection_arn"),
                                "Invalid Connection",
                                why,
                            );
                        }
                    }
                }
                match &source.repository {
                    None => errors.push(
                        path.clone().then("repository"),
                        "Missing Repository",
                        "source type \"codeconnections\" needs repository: owner/name, e.g. \
                         my-org/churn-model",
                    ),
                    Some(repo) if !is_full_repository_id(repo) => errors.push(
                        path.clone().then("repository"),
                        "Invalid Repository",
                        format!("{repo:?} is not owner/name (e.g. my-org/churn-model)"),
                    ),
                    Some(_) => {}
                }
            }
            SourceKind::CodeCommit => {
                forbid(errors, "connection_arn", source.connection_arn.is_some());
                match &source.repository {
                    None => errors.push(
                        path.clone().then("repository"),
                        "Missing Repository",
                        "source type \"codecommit\" needs repository: the name of a CodeCommit \
                         repository of this account and region",
                    ),
                    Some(repo) if !is_codecommit_name(repo) => errors.push(
                        path.clone().then("repository"),
                        "Invalid Repository",
                        format!(
                            "{repo:?} is not a CodeCommit repository name (1-100 letters, digits, \
                             '.', '_' and '-')"
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
        if !is_branch_name(&source.branch) {
            errors.push(
                path.then("branch"),
                "Invalid Branch",
                format!("{:?} is not a branch name", source.branch),
            );
        }
    }
}

/// Why `word` names no template (for user input read outside the spec: a Terraform list, a
/// CloudFormation property).
pub fn unknown_template(word: &str) -> String {
    format!("{word:?} is not a template: use {}", template_names())
}

fn template_names() -> String {
    MlopsTemplateKind::ALL
        .iter()
        .map(|t| format!("{:?}", t.key()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `arn` is not a CodeConnections connection of `region`: both the current
/// (`codeconnections`) and the former (`codestar-connections`) service names are accepted.
pub fn check_connection_arn(arn: &str, region: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, arn_region, account, resource] = parts[..] else {
        return Err(format!("{arn:?} is not an ARN"));
    };
    let well_formed = prefix == "arn"
        && partition.starts_with("aws")
        && matches!(service, "codeconnections" | "codestar-connections")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("connection/")
            .is_some_and(|id| !id.is_empty());
    if !well_formed {
        return Err(format!(
            "{arn:?} is not a CodeConnections connection ARN \
             (arn:aws:codeconnections:<region>:<account>:connection/<id>)"
        ));
    }
    if arn_region != region {
        return Err(format!(
            "the connection is in {arn_region}, the provider in {region}: CodePipeline uses \
             connections of its own region only; create the connection in {region}"
        ));
    }
    Ok(())
}

fn is_full_repository_id(text: &str) -> bool {
    let mut parts = text.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn is_codecommit_name(text: &str) -> bool {
    (1..=100).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_branch_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && !text.starts_with(['-', '/'])
        && !text.ends_with(['/', '.'])
        && !text.contains("..")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGION: &str = "eu-west-1";
    const CONNECTION: &str =
        "arn:aws:codeconnections:eu-west-1:111122223333:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";

    fn summaries(spec: &MlopsTemplatesSpec) -> Vec<(String, String)> {
        match spec.validate(REGION) {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .0
                .iter()
                .map(|e| (e.path.to_string(), e.summary.clone()))
                .collect(),
        }
    }

    #[test]
    fn the_defaults_are_valid() {
        let spec = MlopsTemplatesSpec::new("team-a-dev");
        assert_eq!(summaries(&spec), Vec::<(String, String)>::new());
        assert_eq!(spec.name_and_stage(), Some(("team-a", Stage::Dev)));
    }

    #[test]
    fn additional_principals_are_roles_or_users() {
        let mut spec = MlopsTemplatesSpec::new("team-a-dev");
        spec.additional_principal_arns = vec![
            "arn:aws:iam::111122223333:role/ci/terraform".into(),
            "arn:aws:iam::111122223333:user/ops".into(),
        ];
        assert_eq!(summaries(&spec), Vec::<(String, String)>::new());
        for bad in [
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/*",
        ] {
            spec.additional_principal_arns = vec![bad.into()];
            assert_eq!(
                summaries(&spec),
                vec![(
                    "additional_principal_arns".into(),
                    "Invalid Principal ARN".into()
                )],
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_environment_id_is_refused() {
        for id in ["team", "team-a-staging", "Team-dev", "-dev"] {
            let spec = MlopsTemplatesSpec::new(id);
            assert_eq!(
                summaries(&spec),
                vec![("environment_id".into(), "Invalid Environment Id".into())],
                "{id}"
            );
        }
    }

    #[test]
    fn no_template_or_a_duplicate_is_refused() {
        let mut spec = MlopsTemplatesSpec::new("team-a-dev");
        spec.templates.clear();
        assert_eq!(
            summaries(&spec),
            vec![("templates".into(), "No Templates".into())]
        );
        spec.templates = vec![
            MlopsTemplateKind::ModelBuildTrain,
            MlopsTemplateKind::ModelBuildTrain,
        ];
        assert_eq!(
            summaries(&spec),
            vec![("templates[1]".into(), "Duplicate Template".into())]
        );
    }

    #[test]
    fn a_connection_source_needs_a_connection_of_this_region_and_a_repository() {
        let mut spec = MlopsTemplatesSpec::new("team-a-dev");
        spec.source.kind = SourceKind::CodeConnections;
        assert_eq!(
            summaries(&spec),
            vec![
                ("source.connection_arn".into(), "Missing Connection".into()),
                ("source.repository".into(), "Missing Repository".into())
            ]
        );
        spec.source.connection_arn = Some(CONNECTION.replace("eu-west-1", "us-east-1"));
        spec.source.repository = Some("my-org".into());
        let problems = summaries(&spec);
        assert_eq!(
            problems,
            vec![
                ("source.connection_arn".into(), "Invalid Connection".into()),
                ("source.repository".into(), "Invalid Repository".into())
            ]
        );
        let why = spec.validate(REGION).unwrap_err().to_string();
        assert!(
            why.contains("us-east-1") && why.contains("own region"),
            "{why}"
        );
        spec.source.connection_arn = Some(CONNECTION.into());
        spec.source.repository = Some("my-org/churn-model".into());
        assert_eq!(summaries(&spec), Vec::<(String, String)>::new());
        spec.source.connection_arn =
            Some(CONNECTION.replace("codeconnections", "codestar-connections"));
        assert_eq!(summaries(&spec), Vec::<(String, String)>::new());
    }

    #[test]
    fn an_s3_source_takes_no_repository_settings() {
        let mut spec = MlopsTemplatesSpec::new("team-a-dev");
        spec.source.connection_arn = Some(CONNECTION.into());
        spec.source.repository = Some("x".into());
        assert_eq!(
            summaries(&spec),
            vec![
                (
                    "source.connection_arn".into(),
                    "Unexpected Source Setting".into()
                ),
                (
                    "source.repository".into(),
                    "Unexpected Source Setting".into()
                )
            ]
        );
    }

    #[test]
    fn a_codecommit_source_needs_a_repository_name() {
        let mut spec = MlopsTemplatesSpec::new("team-a-dev");
        spec.source.kind = SourceKind::CodeCommit;
        assert_eq!(
            summaries(&spec),
            vec![("source.repository".into(), "Missing Repository".into())]
        );
        spec.source.repository = Some("churn model".into());
        spec.source.branch = "../x".into();
        assert_eq!(
            summaries(&spec),
            vec![
                ("source.repository".into(), "Invalid Repository".into()),
                ("source.branch".into(), "Invalid Branch".into())
            ]
        );
        spec.source.repository = Some("churn-model".into());
        spec.source.branch = "release/1.0".into();
        assert_eq!(summaries(&spec), Vec::<(String, String)>::new());
    }

    #[test]
    fn source_types_parse_from_their_words() {
        for kind in SourceKind::ALL {
            assert_eq!(SourceKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(SourceKind::parse("github"), None);
    }
}
