//! `sagemaker_project`: one SageMaker project made from a project template, as a data scientist
//! makes one in Studio, but from Terraform.
//!
//! SageMaker is the source of truth: the state is what `DescribeProject` says, and a project
//! deleted outside Terraform leaves the state on the next refresh.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use secure_mlops_core::mlops::project::{self, Failed, Project, ProjectError};
use secure_mlops_core::spec::{ProjectSpec, ValidationErrors};
use secure_mlops_core::wait::Deadline;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::diagnostics::add_validation_errors;
use crate::provider::SharedClients;
use crate::schema::{block, computed, map_of_strings, optional, optional_with_default, required};
use crate::timeouts::CreateDelete;

/// Default for `timeouts.create` (and updates): the template's stack.
const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Default for `timeouts.delete`.
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The resource's attributes, as Terraform sends and stores them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    id: Value<String>,
    name: Value<String>,
    description: Value<String>,
    product_id: Value<String>,
    provisioning_artifact_id: Value<String>,
    parameters: Value<BTreeMap<String, Value<String>>>,
    tags: Value<BTreeMap<String, Value<String>>>,
    force_destroy: Value<bool>,
    project_id: Value<String>,
    arn: Value<String>,
    status: Value<String>,
    provisioned_product_id: Value<String>,
    outputs: Value<BTreeMap<String, Value<String>>>,
    timeouts: Value<CreateDelete>,
}

/// The resource, holding the provider's shared clients.
pub(crate) struct ProjectResource {
    clients: SharedClients,
}

impl ProjectResource {
    pub(crate) fn new(clients: SharedClients) -> Self {
        Self { clients }
    }

    /// Checks the template's parameters against the product version's own, as the caller reads
    /// them, when the product, version and parameters are known (a product made in the same
    /// apply is checked at apply). False when something is wrong; a read that fails for another
    /// reason is a warning, and apply checks again.
    async fn check_template_parameters(&self, diags: &mut Diagnostics, planned: &State) -> bool {
        let parameters_known = planned
            .parameters
            .as_ref_option()
            .is_none_or(|m| m.values().all(|v| !v.is_unknown()));
        if planned.product_id.is_unknown()
            || planned.provisioning_artifact_id.is_unknown()
            || planned.parameters.is_unknown()
            || !parameters_known
        {
            return true;
        }
        let Some(spec) = known_spec(planned) else {
            return true;
        };
        let Some(clients) = self.clients.get(diags) else {
            return false;
        };
        match project::parameter_problems(&clients, &spec).await {
            Ok(errors) if errors.0.is_empty() => true,
            Ok(errors) => {
                add_validation_errors(diags, &errors);
                false
            }
            Err(ProjectError::Product(detail)) => {
                diags.error(
                    "Cannot Launch Product",
                    detail,
                    AttributePath::new("product_id"),
                );
                false
            }
            Err(other) => {
                diags.root_warning(
                    "Template Parameters Not Checked",
                    format!("{other}; they are checked when the project is applied"),
                );
                true
            }
        }
    }
}

const DESCRIPTION: &str = "A SageMaker project made from a project template (a Service Catalog product Studio \
shows, such as a `product_ids` value of `sagemaker_mlops_project_templates`), as a data scientist makes one in \
Studio. SageMaker launches the template through its launch constraint and passes `SageMakerProjectName` and \
`SageMakerProjectId`; the resource waits until the template is provisioned. At plan, when the product is known, \
`parameters` are checked against the product version's own (as the caller reads them): a key the template does not \
have, or a parameter without a default that is missing (the model-deploy template's `SourceModelPackageGroupName`), \
fails on its attribute, as does a caller with no launch path.\n\n\
Changing `provisioning_artifact_id`, `parameters` or `description` updates the project in place (`UpdateProject`); \
changing `name` or `product_id` replaces it. Destroy deletes the SageMaker Pipeline its build made (the template's \
`SageMakerPipelineName` output) and the stacks its deploy pipeline made (`…StackName` outputs naming \
`sagemaker-<project id>-…`: a model-deploy project's endpoints), then the project (Service Catalog deletes its stack). A project whose model package \
group (`ModelPackageGroupName` output) holds model versions is refused unless `force_destroy` is set, which also \
deletes the data its pipelines wrote under the template's `…Location` outputs that name the project.\n\n\
The principal Terraform runs as needs a launch path to the product: on AWS, that means being one of the \
portfolio's principals (`additional_principal_arns` of `sagemaker_mlops_project_templates`).";

#[async_trait]
impl Resource for ProjectResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let timeouts = CreateDelete::schema("30m", "30m");
        Some(Schema {
            version: 1,
            block: block(
                DESCRIPTION,
                vec![
                    ("id", computed(AttributeType::String, "The project's name.")),
                    ("name", required(AttributeType::String, "The project's name: 1-32 letters, digits and hyphens, starting and ending with a letter or digit. Replaces when changed.")),
                    ("description", optional(AttributeType::String, "What the project is for.")),
                    ("product_id", required(AttributeType::String, "The template's Service Catalog product. Replaces when changed.")),
                    ("provisioning_artifact_id", optional_with_default(AttributeType::String, "The template version. Default: the product's newest active version when the project is created; a later version is taken only when set here.")),
                    ("parameters", optional(map_of_strings(), "The template's parameters, besides `SageMakerProjectName` and `SageMakerProjectId` (SageMaker passes those). The model-build-train template takes `SourceObjectKey`.")),
                    ("tags", optional(map_of_strings(), "Tags on the project, on top of the provider's `default_tags`; SageMaker passes them to what the template makes.")),
                    ("force_destroy", optional_with_default(AttributeType::Bool, "Destroy also deletes the model versions the project registered and the data its pipelines wrote. Default `false`: a project with model versions is refused.")),
                    ("project_id", computed(AttributeType::String, "SageMaker's id of the project (`p-…`).")),
                    ("arn", computed(AttributeType::String, "The project's ARN.")),
                    ("status", computed(AttributeType::String, "`CreateCompleted` or `UpdateCompleted` once applied.")),
                    ("provisioned_product_id", computed(AttributeType::String, "The Service Catalog provisioned product behind the project.")),
                    ("outputs", computed(map_of_strings(), "The template's outputs: for model-build-train `ModelPackageGroupName`, `SageMakerPipelineName`, `BuildProjectName`, `PipelineName`, `ArtifactLocation` and (with seed code in S3) `SourceLocation`.")),
                ],
                vec![("timeouts", NestedBlock::Group(timeouts))],
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
        let Value::Value(prior) = state else {
            return Some((Value::Null, private_state));
        };
        let clients = self.clients.get(diags)?;
        let Some(name) = prior.name.as_ref_option().cloned() else {
            return Some((Value::Value(prior), private_state));
        };
        match project::read(&clients, &name).await {
            Ok(Some(found)) => Some((Value::Value(to_state(&found, prior)), private_state)),
            Ok(None) => {
                tracing::info!(project = %name, "the project is gone");
                Some((Value::Null, private_state))
            }
            Err(err) => {
                diags.root_error("Cannot Read SageMaker Project", err.to_string());
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, Value::Null));
        };
        if !check(diags, &planned) || !self.check_template_parameters(diags, &planned).await {
            return None;
        }
        fill_defaults(&mut planned);
        planned.id = planned.name.clone();
        if planned.provisioning_artifact_id.is_null() {
            planned.provisioning_artifact_id = Value::Unknown;
        }
        for computed in [
            &mut planned.project_id,
            &mut planned.arn,
            &mut planned.status,
            &mut planned.provisioned_product_id,
        ] {
            *computed = Value::Unknown;
        }
        planned.outputs = Value::Unknown;
        Some((Value::Value(planned), Value::Null))
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
        if !check(diags, &planned) {
            return None;
        }
        fill_defaults(&mut planned);
        let Some(prior) = prior_state.as_ref_option() else {
            return Some((Value::Value(planned), prior_private_state, vec![]));
        };
        let mut replace = vec![];
        for (attr, changed) in [
            ("name", prior.name != planned.name),
            ("product_id", prior.product_id != planned.product_id),
        ] {
            if changed {
                replace.push(AttributePath::new(attr));
            }
        }
        if !replace.is_empty() {
            planned.id = planned.name.clone();
            for computed in [
                &mut planned.project_id,
                &mut planned.arn,
                &mut planned.provisioned_product_id,
            ] {
                *computed = Value::Unknown;
            }
            if planned.provisioning_artifact_id == prior.provisioning_artifact_id {
                planned.provisioning_artifact_id = Value::Unknown;
            }
        }
        let launches_anew = !replace.is_empty()
            || prior.provisioning_artifact_id != planned.provisioning_artifact_id
            || prior.parameters != planned.parameters;
        if launches_anew && !self.check_template_parameters(diags, &planned).await {
            return None;
        }
        let changes_project = launches_anew || prior.description != planned.description;
        if changes_project {
            planned.status = Value::Unknown;
            planned.outputs = Value::Unknown;
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
        let clients = self.clients.get(diags)?;
        let timeout =
            CreateDelete::limit(diags, &planned.timeouts, "create", DEFAULT_CREATE_TIMEOUT)?;
        let spec = known_spec(&planned)?;
        let made = project::create(&clients, &spec, Deadline::after(timeout)).await;
        finish(diags, planned, made, "Cannot Create SageMaker Project")
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("update called without a planned state");
            return None;
        };
        let clients = self.clients.get(diags)?;
        let timeout =
            CreateDelete::limit(diags, &planned.timeouts, "create", DEFAULT_CREATE_TIMEOUT)?;
        let spec = known_spec(&planned)?;
        let current = match project::read(&clients, &spec.name).await {
            Ok(Some(current)) => current,
            Ok(None) => {
                diags.root_error(
                    "Cannot Update SageMaker Project",
                    format!(
                        "project {} is gone (deleted outside Terraform): refresh and apply to make it again",
                        spec.name
                    ),
                );
                return None;
            }
            Err(err) => {
                diags.root_error("Cannot Update SageMaker Project", err.to_string());
                return None;
            }
        };
        let updated = project::update(&clients, &spec, &current, Deadline::after(timeout)).await;
        finish(diags, planned, updated, "Cannot Update SageMaker Project")
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let clients = self.clients.get(diags)?;
        match project::read(&clients, &id).await {
            Ok(Some(found)) => {
                let state = State {
                    force_destroy: Value::Value(false),
                    timeouts: Value::Value(CreateDelete::default()),
                    ..State::default()
                };
                Some((Value::Value(to_state(&found, state)), Value::Null))
            }
            Ok(None) => {
                diags.root_error(
                    "Cannot Import SageMaker Project",
                    format!("no project named {id:?} in this account and region"),
                );
                None
            }
            Err(err) => {
                diags.root_error("Cannot Import SageMaker Project", err.to_string());
                None
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let Value::Value(prior) = prior_state else {
            return Some(());
        };
        let clients = self.clients.get(diags)?;
        let timeout =
            CreateDelete::limit(diags, &prior.timeouts, "delete", DEFAULT_DELETE_TIMEOUT)?;
        let Some(name) = prior.name.as_ref_option() else {
            return Some(());
        };
        let force = prior
            .force_destroy
            .as_ref_option()
            .copied()
            .unwrap_or(false);
        match project::delete(&clients, name, force, Deadline::after(timeout)).await {
            Ok(()) => {
                tracing::info!(project = %name, "project deleted");
                Some(())
            }
            Err(failed) => {
                let attribute = matches!(failed.error, ProjectError::HoldsModels { .. })
                    .then(|| AttributePath::new("force_destroy"));
                report(
                    diags,
                    "Cannot Destroy SageMaker Project",
                    &failed,
                    attribute,
                );
                None
            }
        }
    }
}

/// The state after a create or update: the project as it is, or the error and (when the
/// project exists) the project as it is, so Terraform records it (tainted after a create).
fn finish(
    diags: &mut Diagnostics,
    planned: State,
    result: Result<Project, Failed>,
    summary: &'static str,
) -> Option<(Value<State>, ValueEmpty)> {
    match result {
        Ok(found) => Some((Value::Value(to_state(&found, planned)), Value::Null)),
        Err(failed) => {
            let attribute = match &failed.error {
                ProjectError::Product(_) => Some(AttributePath::new("product_id")),
                ProjectError::NameTaken { .. } => Some(AttributePath::new("name")),
                _ => None,
            };
            report(diags, summary, &failed, attribute);
            let found = failed.project?;
            Some((Value::Value(to_state(&found, planned)), Value::Null))
        }
    }
}

fn report(
    diags: &mut Diagnostics,
    summary: &'static str,
    failed: &Failed,
    attribute: Option<AttributePath>,
) {
    match (&failed.error, attribute) {
        (ProjectError::Invalid(errors), _) => add_validation_errors(diags, errors),
        (error, Some(path)) => diags.error(summary, error.to_string(), path),
        (error, None) => {
            let exists = failed
                .project
                .as_ref()
                .map(|p| format!("\n\nThe project exists ({}) and is recorded.", p.status))
                .unwrap_or_default();
            diags.root_error(summary, format!("{error}{exists}"));
        }
    }
}

/// Validates what is known of a configuration; true when nothing is wrong.
fn check(diags: &mut Diagnostics, config: &State) -> bool {
    let timeouts_ok = CreateDelete::check(diags, &config.timeouts);
    let spec = to_spec(config);
    let Err(errors) = spec.validate() else {
        return timeouts_ok;
    };
    // What is not known yet (a product id from a resource made in the same apply) is checked at
    // apply.
    let unknown = |attr: &str| match attr {
        "name" => config.name.is_unknown(),
        "product_id" => config.product_id.is_unknown(),
        "provisioning_artifact_id" => config.provisioning_artifact_id.is_unknown(),
        "description" => config.description.is_unknown(),
        _ => false,
    };
    let known = ValidationErrors(
        errors
            .0
            .into_iter()
            .filter(|e| !unknown(&e.path.to_string()))
            .collect(),
    );
    add_validation_errors(diags, &known);
    known.0.is_empty() && timeouts_ok
}

fn fill_defaults(state: &mut State) {
    if state.force_destroy.is_null() {
        state.force_destroy = Value::Value(false);
    }
}

fn known_map(map: &Value<BTreeMap<String, Value<String>>>) -> BTreeMap<String, String> {
    map.as_ref_option()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// The spec a state asks for; unknown values are left empty (checked again at apply).
fn to_spec(state: &State) -> ProjectSpec {
    ProjectSpec {
        name: state.name.as_ref_option().cloned().unwrap_or_default(),
        description: state.description.as_ref_option().cloned(),
        product_id: state
            .product_id
            .as_ref_option()
            .cloned()
            .unwrap_or_default(),
        provisioning_artifact_id: state.provisioning_artifact_id.as_ref_option().cloned(),
        parameters: known_map(&state.parameters),
        tags: known_map(&state.tags),
        force_destroy: state
            .force_destroy
            .as_ref_option()
            .copied()
            .unwrap_or(false),
    }
}

/// The spec of a state whose arguments are all known and valid; `None` otherwise.
fn known_spec(state: &State) -> Option<ProjectSpec> {
    let spec = to_spec(state);
    spec.validate().is_ok().then_some(spec)
}

fn strings_map(map: &BTreeMap<String, String>) -> Value<BTreeMap<String, Value<String>>> {
    Value::Value(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
            .collect(),
    )
}

/// `state` with what SageMaker says of the project. Arguments the user left out stay null.
fn to_state(found: &Project, mut state: State) -> State {
    state.id = Value::Value(found.name.clone());
    state.name = Value::Value(found.name.clone());
    state.product_id = Value::Value(found.product_id.clone());
    state.provisioning_artifact_id = Value::Value(found.provisioning_artifact_id.clone());
    state.description = match &found.description {
        Some(d) if !d.is_empty() => Value::Value(d.clone()),
        _ => Value::Null,
    };
    state.parameters = if found.parameters.is_empty() && !state.parameters.is_value() {
        Value::Null
    } else {
        strings_map(&found.parameters)
    };
    state.project_id = Value::Value(found.project_id.clone());
    state.arn = Value::Value(found.arn.clone());
    state.status = Value::Value(found.status.clone());
    state.provisioned_product_id =
        Value::Value(found.provisioned_product_id.clone().unwrap_or_default());
    state.outputs = strings_map(&found.outputs);
    if state.force_destroy.is_null() || state.force_destroy.is_unknown() {
        state.force_destroy = Value::Value(false);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Project {
        Project {
            name: "churn".into(),
            project_id: "p-abc".into(),
            arn: "arn:aws:sagemaker:eu-west-1:111122223333:project/churn".into(),
            status: "CreateCompleted".into(),
            product_id: "prod-abc".into(),
            provisioning_artifact_id: "pa-abc".into(),
            outputs: BTreeMap::from([("ModelPackageGroupName".into(), "churn-p-abc".into())]),
            ..Project::default()
        }
    }

    #[test]
    fn arguments_left_out_stay_null() {
        let state = to_state(&found(), State::default());
        assert_eq!(state.parameters, Value::Null);
        assert_eq!(state.description, Value::Null);
        assert_eq!(state.force_destroy, Value::Value(false));
        assert_eq!(state.id, Value::Value("churn".to_string()));
        assert_eq!(
            state.outputs,
            strings_map(&BTreeMap::from([(
                "ModelPackageGroupName".to_string(),
                "churn-p-abc".to_string()
            )]))
        );
    }

    #[test]
    fn parameters_changed_outside_terraform_show_up() {
        let mut p = found();
        p.parameters = BTreeMap::from([("SourceObjectKey".into(), "projects/x.zip".into())]);
        let state = to_state(&p, State::default());
        assert_eq!(state.parameters, strings_map(&p.parameters));
    }

    #[test]
    fn unknown_product_ids_are_checked_at_apply() {
        let config = State {
            name: Value::Value("churn".into()),
            product_id: Value::Unknown,
            ..State::default()
        };
        let mut diags = Diagnostics::default();
        assert!(check(&mut diags, &config));
        let bad = State {
            name: Value::Value("churn_model".into()),
            ..config
        };
        assert!(!check(&mut diags, &bad));
    }
}
