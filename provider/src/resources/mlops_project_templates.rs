//! `sagemaker_mlops_project_templates`: an environment's SageMaker project templates, published
//! as Service Catalog products Studio shows.
//!
//! The engine's ledger is the private state, as for the environment: a lost state is repaired by
//! an apply adopting the children by their names and tags.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use secure_mlops_core::engine::Ledger;
use secure_mlops_core::ids::MlopsTemplateKind;
use secure_mlops_core::mlops::{self, Failed, MlopsError};
use secure_mlops_core::spec::{
    unknown_template, AttrPath, MlopsTemplatesSpec, SourceKind, SourceSpec, ValidationErrors,
    DEFAULT_BRANCH,
};
use secure_mlops_core::wait::Deadline;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::diagnostics::add_validation_errors;
use crate::provider::SharedClients;
use crate::schema::{
    block, computed, map_of_strings, optional, optional_with_default, required, set_of_strings,
};
use crate::timeouts::CreateDelete;

/// Default for `timeouts.create` (and updates).
const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Default for `timeouts.delete`: projects made from the templates are deleted first.
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// `source`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Source {
    #[serde(rename = "type")]
    kind: Value<String>,
    connection_arn: Value<String>,
    repository: Value<String>,
    branch: Value<String>,
}

/// The resource's attributes, as Terraform sends and stores them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    id: Value<String>,
    environment_id: Value<String>,
    templates: Value<Vec<Value<String>>>,
    models_bucket_name: Value<String>,
    tags: Value<BTreeMap<String, Value<String>>>,
    additional_principal_arns: Value<Vec<Value<String>>>,
    source: Value<Source>,
    bucket_name: Value<String>,
    portfolio_id: Value<String>,
    product_ids: Value<BTreeMap<String, Value<String>>>,
    build_role_arn: Value<String>,
    launch_role_arn: Value<String>,
    drifted_settings: Value<Vec<Value<String>>>,
    timeouts: Value<CreateDelete>,
}

/// The resource, holding the provider's shared clients.
pub(crate) struct MlopsProjectTemplatesResource {
    clients: SharedClients,
}

impl MlopsProjectTemplatesResource {
    pub(crate) fn new(clients: SharedClients) -> Self {
        Self { clients }
    }
}

const DESCRIPTION: &str = "The SageMaker project templates of a `sagemaker_secure_ds_environment`, published as \
Service Catalog products tagged `sagemaker:studio-visibility = true` in a portfolio `<environment id>-mlops` shared \
with the environment's `data_scientist` and `team_admin` roles, so Studio lists them under *Projects → Create project \
→ Organization templates*.\n\n\
**model-build-train** (`cfn/mlops/model-build-train.yaml`): a CodePipeline (artifacts in the MLOps bucket, encrypted \
with the environment's `data` key) whose CodeBuild project runs in the environment's private subnets behind its \
SageMaker security group, with no internet, and creates, updates and starts the project's SageMaker Pipeline \
(processing, training, evaluation, a condition, and registration into the project's model package group pending \
manual approval), each step with the environment's subnets, security group and keys, run as its execution role. The \
seed code (`mlops/seed-code/build/`) is zipped into the MLOps bucket; packages come from the environment's package \
repository when it has one.\n\n\
**model-deploy** (`cfn/mlops/model-deploy.yaml`): an EventBridge rule on the approval of a version in the model \
package group the project names (`SourceModelPackageGroupName`, e.g. a model-build-train project's) starts a \
CodePipeline that picks the newest approved version, deploys it with CloudFormation (as the \
`<environment id>-mlops-deploy` role) to a staging endpoint in the environment's private subnets, with the `ebs` key on \
its volume and its captured requests encrypted with the `data` key, tests it from a CodeBuild inside the VPC, waits for \
a person's approval, then deploys it to production. EventBridge starts the pipeline as the \
`<environment id>-mlops-events` role, which may start the projects' deploy pipelines and nothing else. Seed code: \
`mlops/seed-code/deploy/`.\n\n\
Projects launch through a LAUNCH constraint on the `<environment id>-mlops-launch` role, whose only IAM actions are \
passing the `<environment id>-mlops-build` role (what CodePipeline and CodeBuild run as) to those two services and \
the events role to EventBridge. A \
template change publishes a new version and deprecates the old one; existing projects keep theirs. Destroy deletes \
the projects made from the templates first, with what their pipelines made outside their stacks (a deploy project's \
endpoint stacks, a build project's SageMaker Pipeline); it refuses, deleting nothing, while a project's model \
package group holds versions.\n\n\
The environment is found by `environment_id` (its tags and names): it must exist in the provider's account and \
region, with the roles it creates (not `iam.*_role_arn`).";

#[async_trait]
impl Resource for MlopsProjectTemplatesResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = Option<Ledger>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let timeouts = CreateDelete::schema("20m", "30m");
        let source = block(
            "Where the projects' code comes from. Omitted: `type = \"s3\"`.",
            vec![
                ("type", optional_with_default(AttributeType::String, "`s3` (default): a zip in the MLOps bucket, the published seed code unless a project names another (`SourceObjectKey`, under `projects/`); works in every account. `codeconnections`: a GitHub, GitLab or Bitbucket repository through an AWS CodeConnections connection. `codecommit`: an AWS CodeCommit repository, where the account still has CodeCommit (closed to new customers since 2024).")),
                ("connection_arn", optional(AttributeType::String, "With `codeconnections`: the connection's ARN, in the provider's region, already authorised in the console.")),
                ("repository", optional(AttributeType::String, "With `codeconnections`: `owner/name`. With `codecommit`: the repository's name.")),
                ("branch", optional_with_default(AttributeType::String, "The branch the pipeline builds (repositories). Default `main`.")),
            ],
            vec![],
        );
        Some(Schema {
            version: 1,
            block: block(
                DESCRIPTION,
                vec![
                    ("id", computed(AttributeType::String, "The environment id.")),
                    ("environment_id", required(AttributeType::String, "The environment's `id` (`<name>-<stage>`). Replaces when changed.")),
                    ("templates", optional_with_default(AttributeType::List(Box::new(AttributeType::String)), "The templates to publish. Default `[\"model-build-train\", \"model-deploy\"]`.")),
                    ("models_bucket_name", optional(AttributeType::String, "The environment's model bucket, when it names its own (`storage.model_bucket_name`); default `<environment id>-<region>-<account>-models`. The pipelines write their data and models there.")),
                    ("tags", optional(map_of_strings(), "Tags for every part, on top of the provider's `default_tags`.")),
                    ("additional_principal_arns", optional(set_of_strings(), "IAM roles or users besides the environment's `data_scientist` and `team_admin` roles who may make projects from the templates: the portfolio is shared with them too. On AWS a project is launched for its caller, so the role that applies `sagemaker_project` must be one.")),
                    ("bucket_name", computed(AttributeType::String, "The MLOps bucket: seed code, templates, pipeline artifacts.")),
                    ("portfolio_id", computed(AttributeType::String, "The Service Catalog portfolio.")),
                    ("product_ids", computed(map_of_strings(), "The product of each template, by template name.")),
                    ("build_role_arn", computed(AttributeType::String, "The role the projects' CodePipeline and CodeBuild run as.")),
                    ("launch_role_arn", computed(AttributeType::String, "The role Service Catalog launches the templates as.")),
                    ("drifted_settings", computed(AttributeType::List(Box::new(AttributeType::String)), "What refresh found changed outside Terraform; the next apply repairs it.")),
                ],
                vec![
                    ("source", NestedBlock::Group(source)),
                    ("timeouts", NestedBlock::Group(timeouts)),
                ],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(config) = &config {
            CreateDelete::check(diags, &config.timeouts);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut prior) = state else {
            return Some((Value::Null, private_state));
        };
        let Some(ledger) = &private_state else {
            return Some((Value::Value(prior), private_state));
        };
        let clients = self.clients.get(diags)?;
        let Some(spec) = known_spec(&prior) else {
            return Some((Value::Value(prior), private_state));
        };
        match mlops::drift(&clients, &spec, ledger).await {
            Ok(found) => {
                for d in &found {
                    tracing::info!(child = %d.child, detail = %d.detail, "drift");
                }
                prior.drifted_settings = strings(found.iter().map(ToString::to_string));
            }
            Err(MlopsError::Environment { env_id, detail }) => diags.root_warning(
                "Environment Not Found",
                format!("environment {env_id}: {detail}; the templates cannot be checked"),
            ),
            Err(err) => diags.root_error("Cannot Read MLOps Project Templates", err.to_string()),
        }
        Some((Value::Value(prior), private_state))
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, None));
        };
        if !self.check(diags, &planned) {
            return None;
        }
        fill_defaults(&mut planned);
        planned.id = planned.environment_id.clone();
        for computed in [
            &mut planned.bucket_name,
            &mut planned.portfolio_id,
            &mut planned.build_role_arn,
            &mut planned.launch_role_arn,
        ] {
            *computed = Value::Unknown;
        }
        planned.product_ids = Value::Unknown;
        planned.drifted_settings = Value::Value(Vec::new());
        Some((Value::Value(planned), None))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, prior_private_state, vec![]));
        };
        if !self.check(diags, &planned) {
            return None;
        }
        fill_defaults(&mut planned);
        let mut replace = vec![];
        let prior = prior_state.as_ref_option();
        if prior.is_some_and(|p| p.environment_id != planned.environment_id) {
            replace.push(AttributePath::new("environment_id"));
            planned.id = planned.environment_id.clone();
        }
        let changed = prior.is_some_and(|p| {
            p.templates != planned.templates
                || p.source != planned.source
                || p.models_bucket_name != planned.models_bucket_name
                || p.tags != planned.tags
                || p.additional_principal_arns != planned.additional_principal_arns
        });
        // Drift is repaired by the apply the plan leads to; a plan with nothing else to do
        // but drift to repair still applies.
        let drifted = prior.is_some_and(|p| {
            p.drifted_settings
                .as_ref_option()
                .is_some_and(|d| !d.is_empty())
        });
        if changed || drifted {
            planned.product_ids = Value::Unknown;
            planned.drifted_settings = Value::Value(Vec::new());
        }
        Some((Value::Value(planned), prior_private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("create called without a planned state");
            return None;
        };
        self.apply(diags, planned, Ledger::default(), "create")
            .await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("update called without a planned state");
            return None;
        };
        let ledger = planned_private_state.unwrap_or_default();
        self.apply(diags, planned, ledger, "update").await
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let spec = MlopsTemplatesSpec::new(id.clone());
        if let Some(clients) = self.clients.get(diags) {
            if let Err(errors) = spec.validate(&clients.region) {
                add_validation_errors(diags, &errors);
                return None;
            }
        }
        // The next apply adopts the children by their names and tags (an empty ledger).
        let state = State {
            id: Value::Value(id.clone()),
            environment_id: Value::Value(id),
            timeouts: Value::Value(CreateDelete::default()),
            drifted_settings: strings([
                "imported: the next apply adopts the templates' children by their tags".to_string(),
            ]),
            ..State::default()
        };
        Some((Value::Value(state), None))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let Value::Value(prior) = prior_state else {
            return Some(());
        };
        let Some(ledger) = planned_private_state else {
            diags.root_error(
                "Cannot Destroy Templates Not Applied Since Import",
                "the provider does not know these templates' children yet: run `terraform apply` once (it adopts them, creating nothing twice), then destroy",
            );
            return None;
        };
        let clients = self.clients.get(diags)?;
        let timeout =
            CreateDelete::limit(diags, &prior.timeouts, "delete", DEFAULT_DELETE_TIMEOUT)?;
        let spec = known_spec(&prior)?;
        match mlops::destroy(&clients, &spec, ledger, Deadline::after(timeout)).await {
            Ok(report) => {
                tracing::info!(wall = ?report.wall, operations = report.operations, "MLOps project templates destroyed");
                Some(())
            }
            Err(failed) => {
                add_failure(
                    diags,
                    "Cannot Destroy MLOps Project Templates",
                    &failed,
                    "delete",
                );
                None
            }
        }
    }
}

impl MlopsProjectTemplatesResource {
    /// Validates what is known of a configuration; true when nothing is wrong. The connection's
    /// region is checked against the provider's when the provider is configured (else at apply).
    fn check(&self, diags: &mut Diagnostics, config: &State) -> bool {
        let mut quiet = Diagnostics::default();
        let region = self.clients.get(&mut quiet).map(|c| c.region.clone());
        let timeouts_ok = CreateDelete::check(diags, &config.timeouts);
        let mut errors = ValidationErrors::default();
        let spec = match to_spec(config, &mut errors) {
            Some(spec) => spec,
            None => {
                add_validation_errors(diags, &errors);
                return false;
            }
        };
        let region = region.unwrap_or_else(|| {
            // Not configured yet: take the connection's own region, so only its shape is
            // checked now.
            spec.source
                .connection_arn
                .as_deref()
                .and_then(|arn| arn.split(':').nth(3))
                .unwrap_or_default()
                .to_string()
        });
        let mut all = errors;
        if let Err(found) = spec.validate(&region) {
            // An id not known yet (the environment is created in the same apply) is checked at
            // apply.
            all.0.extend(found.0.into_iter().filter(|e| {
                !(e.path.to_string() == "environment_id" && config.environment_id.is_unknown())
            }));
        }
        add_validation_errors(diags, &all);
        all.0.is_empty() && timeouts_ok
    }

    async fn apply(
        &self,
        diags: &mut Diagnostics,
        mut planned: State,
        ledger: Ledger,
        operation: &'static str,
    ) -> Option<(Value<State>, Option<Ledger>)> {
        let clients = self.clients.get(diags)?;
        let timeout =
            CreateDelete::limit(diags, &planned.timeouts, "create", DEFAULT_CREATE_TIMEOUT)?;
        let spec = known_spec(&planned)?;
        planned.id = Value::Value(spec.environment_id.clone());
        match mlops::apply(&clients, &spec, ledger, Deadline::after(timeout)).await {
            Ok((ledger, report)) => {
                tracing::info!(wall = ?report.wall, operations = report.operations, children = ledger.len(), "MLOps project templates applied");
                set_outputs(&mut planned, &spec, &ledger);
                Some((Value::Value(planned), Some(ledger)))
            }
            Err(failed) => {
                add_failure(
                    diags,
                    "Cannot Apply MLOps Project Templates",
                    &failed,
                    operation,
                );
                if failed.ledger.is_empty() && operation == "create" {
                    return None;
                }
                set_outputs(&mut planned, &spec, &failed.ledger);
                Some((Value::Value(planned), Some(failed.ledger)))
            }
        }
    }
}

fn add_failure(diags: &mut Diagnostics, summary: &'static str, failed: &Failed, operation: &str) {
    let next = match operation {
        "create" => "the resource is now tainted: the next apply deletes them and publishes the templates again; `terraform untaint` it first to continue from them instead.",
        "delete" => "destroy again to continue.",
        _ => "apply again to continue, or destroy to remove them.",
    };
    match &failed.error {
        MlopsError::Invalid(errors) => add_validation_errors(diags, errors),
        MlopsError::Children(errors) => {
            for e in errors {
                diags.root_error(
                    summary,
                    format!(
                        "{e}\n\n{} child resource(s) exist and are recorded; {next}",
                        failed.ledger.len()
                    ),
                );
            }
        }
        MlopsError::Environment { .. } => diags.error(
            summary,
            failed.error.to_string(),
            AttributePath::new("environment_id"),
        ),
        other => diags.root_error(summary, other.to_string()),
    }
}

fn strings(items: impl IntoIterator<Item = String>) -> Value<Vec<Value<String>>> {
    Value::Value(items.into_iter().map(Value::Value).collect())
}

fn fill_defaults(state: &mut State) {
    if state.templates.is_null() {
        state.templates = strings(MlopsTemplateKind::ALL.iter().map(|t| t.key().to_string()));
    }
    if let Value::Value(source) = &mut state.source {
        if source.kind.is_null() {
            source.kind = Value::Value(SourceKind::S3.as_str().into());
        }
        if source.branch.is_null() {
            source.branch = Value::Value(DEFAULT_BRANCH.into());
        }
    }
}

/// The spec of a state whose arguments are all known; `None` (with nothing said) otherwise.
fn known_spec(state: &State) -> Option<MlopsTemplatesSpec> {
    let mut errors = ValidationErrors::default();
    to_spec(state, &mut errors).filter(|_| errors.0.is_empty())
}

/// The spec `state` asks for; words that are not template names or source types are added to
/// `errors`. Unknown values are taken as their defaults (plan checks them again at apply).
fn to_spec(state: &State, errors: &mut ValidationErrors) -> Option<MlopsTemplatesSpec> {
    let mut spec = MlopsTemplatesSpec::new(
        state
            .environment_id
            .as_ref_option()
            .cloned()
            .unwrap_or_default(),
    );
    if let Value::Value(templates) = &state.templates {
        spec.templates = Vec::new();
        for (i, t) in templates.iter().enumerate() {
            let Value::Value(word) = t else { continue };
            match MlopsTemplateKind::from_key(word) {
                Some(kind) => spec.templates.push(kind),
                None => errors.push(
                    AttrPath::attr("templates").index(i),
                    "Unknown Template",
                    unknown_template(word),
                ),
            }
        }
    }
    spec.models_bucket_name = state.models_bucket_name.as_ref_option().cloned();
    spec.additional_principal_arns = state
        .additional_principal_arns
        .as_ref_option()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_ref_option().cloned())
                .collect()
        })
        .unwrap_or_default();
    spec.tags = state
        .tags
        .as_ref_option()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default();
    if let Value::Value(source) = &state.source {
        let kind = match &source.kind {
            Value::Value(word) => match SourceKind::parse(word) {
                Some(kind) => kind,
                None => {
                    errors.push(
                        AttrPath::attr("source").then("type"),
                        "Invalid Source Type",
                        format!("{word:?} is not a source type: use \"s3\", \"codeconnections\" or \"codecommit\""),
                    );
                    SourceKind::S3
                }
            },
            _ => SourceKind::S3,
        };
        spec.source = SourceSpec {
            kind,
            connection_arn: source.connection_arn.as_ref_option().cloned(),
            repository: source.repository.as_ref_option().cloned(),
            branch: source
                .branch
                .as_ref_option()
                .cloned()
                .unwrap_or_else(|| DEFAULT_BRANCH.into()),
        };
    }
    Some(spec)
}

/// The outputs from the ledger: what exists.
fn set_outputs(state: &mut State, spec: &MlopsTemplatesSpec, ledger: &Ledger) {
    let out = mlops::outputs(spec, ledger);
    state.bucket_name = Value::Value(out.bucket_name);
    state.portfolio_id = Value::Value(out.portfolio_id);
    state.build_role_arn = Value::Value(out.build_role_arn);
    state.launch_role_arn = Value::Value(out.launch_role_arn);
    state.product_ids = Value::Value(
        out.product_ids
            .into_iter()
            .map(|(k, v)| (k, Value::Value(v)))
            .collect(),
    );
    state.drifted_settings = Value::Value(Vec::new());
}

#[cfg(test)]
mod tests {
    use super::*;
    use secure_mlops_core::ids::LogicalId;

    fn config() -> State {
        State {
            environment_id: Value::Value("team-a-dev".into()),
            timeouts: Value::Value(CreateDelete::default()),
            ..State::default()
        }
    }

    #[test]
    fn the_defaults_are_both_templates_and_seed_code_in_s3() {
        let mut state = config();
        fill_defaults(&mut state);
        let spec = known_spec(&state).unwrap();
        assert_eq!(
            spec.templates,
            [
                MlopsTemplateKind::ModelBuildTrain,
                MlopsTemplateKind::ModelDeploy
            ]
        );
        assert_eq!(spec.source.kind, SourceKind::S3);
        assert_eq!(
            state.templates,
            strings(["model-build-train".to_string(), "model-deploy".to_string()])
        );
    }

    #[test]
    fn unknown_words_are_errors_on_their_attributes() {
        let state = State {
            templates: strings([
                "model-build-train".to_string(),
                "deploy-everything".to_string(),
            ]),
            source: Value::Value(Source {
                kind: Value::Value("github".into()),
                ..Source::default()
            }),
            ..config()
        };
        let mut errors = ValidationErrors::default();
        to_spec(&state, &mut errors);
        let paths: Vec<String> = errors.0.iter().map(|e| e.path.to_string()).collect();
        assert_eq!(paths, ["templates[1]", "source.type"]);
        assert!(known_spec(&state).is_none());
    }

    #[test]
    fn outputs_come_from_the_ledger() {
        let mut ledger = Ledger::default();
        ledger.insert(
            LogicalId::MlopsTemplate(MlopsTemplateKind::ModelBuildTrain).to_string(),
            secure_mlops_core::engine::Record {
                kind: secure_mlops_core::ids::RecordKind::MlopsTemplate,
                physical_id: "prod-1".into(),
                arn: None,
                attributes: BTreeMap::new(),
                depends_on: Vec::new(),
            },
        );
        let mut state = config();
        let spec = MlopsTemplatesSpec::new("team-a-dev");
        set_outputs(&mut state, &spec, &ledger);
        assert_eq!(
            state.product_ids,
            Value::Value(BTreeMap::from([(
                "model-build-train".to_string(),
                Value::Value("prod-1".to_string())
            )]))
        );
        assert_eq!(state.bucket_name, Value::Value(String::new()));
    }
}
