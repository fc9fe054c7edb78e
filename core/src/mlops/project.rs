//! One SageMaker project made from a project template: the operations behind
//! `sagemaker_project`.
//!
//! A project is a Service Catalog provisioned product SageMaker launches for the caller, so its
//! lifecycle is SageMaker's (`CreateProject`, `UpdateProject`, `DeleteProject`) and its status
//! follows the provisioned product's. What it leaves behind that its stack does not delete is
//! found through the template's outputs, by name:
//!
//! * `SageMakerPipelineName`: the SageMaker Pipeline its build made; always deleted with it.
//! * `ModelPackageGroupName`: the model versions its pipeline registered. SageMaker refuses to
//!   delete a group that holds versions (the stack's delete would fail half way), so destroy
//!   refuses before touching anything unless `force_destroy` lets it delete them.
//! * outputs ending in `Location` with an `s3://bucket/prefix/` value naming the project (its
//!   name or id is in the prefix): data its pipelines wrote, deleted only with `force_destroy`.
//! * outputs ending in `StackName` whose stack is the project's own (`sagemaker-<project id>-…`):
//!   the CloudFormation stacks its deploy pipeline made (a model-deploy project's endpoints);
//!   always deleted with it, before the project, and waited for.
//!
//! Every step is idempotent: a create that was cut off is adopted by the project's name on the
//! next run when it is from the same product, and a delete runs again from wherever it stopped.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::{
    ProjectStatus, ProvisioningParameter, ServiceCatalogProvisioningDetails,
    ServiceCatalogProvisioningUpdateDetails, Tag,
};

use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::children::bucket;
use crate::children::error::ChildError;
use crate::spec::{AttrPath, ProjectSpec, ValidationErrors, RESERVED_PARAMETERS};
use crate::wait::{poll_until, Deadline, Poll, WaitError};

/// The template output naming the project's SageMaker Pipeline.
pub const PIPELINE_OUTPUT: &str = "SageMakerPipelineName";
/// The template output naming the project's model package group.
pub const MODEL_GROUP_OUTPUT: &str = "ModelPackageGroupName";
/// The suffix of template outputs naming an S3 location the project's pipelines write to.
pub const LOCATION_OUTPUT_SUFFIX: &str = "Location";
/// The suffix of template outputs naming a CloudFormation stack the project's pipelines make.
pub const STACK_OUTPUT_SUFFIX: &str = "StackName";

/// A project as it exists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Project {
    /// Its name.
    pub name: String,
    /// SageMaker's id (`p-…`).
    pub project_id: String,
    /// Its ARN.
    pub arn: String,
    /// `CreateCompleted`, `UpdateCompleted`, ... (SageMaker's words).
    pub status: String,
    /// Its description.
    pub description: Option<String>,
    /// The template's product.
    pub product_id: String,
    /// The product version it runs.
    pub provisioning_artifact_id: String,
    /// The parameters given (not the two SageMaker passes).
    pub parameters: BTreeMap<String, String>,
    /// Its provisioned product.
    pub provisioned_product_id: Option<String>,
    /// What Service Catalog said of the last operation on it, when it failed.
    pub status_message: Option<String>,
    /// The template's outputs.
    pub outputs: BTreeMap<String, String>,
}

/// Why a project operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The spec is invalid; nothing was called.
    #[error("invalid project: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The product or its version cannot be used.
    #[error("{0}")]
    Product(String),
    /// Another project has the name.
    #[error("a project named {name} already exists, made from product {product_id}: choose another name, or import it")]
    NameTaken {
        /// The name.
        name: String,
        /// The product the existing one is made from.
        product_id: String,
    },
    /// Service Catalog could not provision or update the template.
    #[error("project {name} is {status}: {message}")]
    Provisioning {
        /// The project.
        name: String,
        /// Its status.
        status: String,
        /// What Service Catalog said.
        message: String,
    },
    /// The project's model package group holds versions and `force_destroy` is off.
    #[error("project {name}'s model package group {group} holds {count} model version(s); nothing was deleted: set force_destroy = true to delete them with the project, or delete them first")]
    HoldsModels {
        /// The project.
        name: String,
        /// The group.
        group: String,
        /// How many versions.
        count: usize,
    },
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// A wait failed or timed out.
    #[error(transparent)]
    Wait(#[from] WaitError<AwsCallError>),
    /// Deleting the project's data failed.
    #[error("deleting the project's data: {0}")]
    Data(#[from] ChildError),
}

/// A failed operation and the project as it exists after it, if it does.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// The project, when one exists.
    pub project: Option<Project>,
    /// Why the operation stopped.
    #[source]
    pub error: ProjectError,
}

impl From<ProjectError> for Failed {
    fn from(error: ProjectError) -> Self {
        Failed {
            project: None,
            error,
        }
    }
}

impl From<AwsCallError> for Failed {
    fn from(error: AwsCallError) -> Self {
        ProjectError::Aws(error).into()
    }
}

/// The newest active version of `product_id`, or why there is none.
pub async fn newest_version(
    clients: &AwsClients,
    product_id: &str,
) -> Result<String, ProjectError> {
    let listed = clients
        .servicecatalog
        .list_provisioning_artifacts()
        .product_id(product_id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "ListProvisioningArtifacts", e))
        .or_gone()?
        .ok_or_else(|| {
            ProjectError::Product(format!(
                "product {product_id} is not there (or not shared with this principal)"
            ))
        })?;
    listed
        .provisioning_artifact_details()
        .iter()
        .filter(|a| a.active() != Some(false))
        .max_by_key(|a| a.created_time().map(|t| (t.secs(), t.subsec_nanos())))
        .and_then(|a| a.id())
        .map(str::to_string)
        .ok_or_else(|| ProjectError::Product(format!("product {product_id} has no active version")))
}

/// The project named `name`, as SageMaker describes it now, with its template's outputs; `None`
/// when there is none (or its deletion is over).
pub async fn read(clients: &AwsClients, name: &str) -> Result<Option<Project>, AwsCallError> {
    let Some(mut project) = describe(clients, name).await? else {
        return Ok(None);
    };
    if let Some(id) = &project.provisioned_product_id {
        project.outputs = outputs_of(clients, id).await?;
    }
    Ok(Some(project))
}

/// [`read`] without the outputs: one call, for polling.
pub(crate) async fn describe(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<Project>, AwsCallError> {
    let described = clients
        .sagemaker
        .describe_project()
        .project_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeProject", e));
    let described = match described {
        Ok(d) => d,
        // SageMaker answers a project that does not exist with a ValidationException.
        Err(e) if e.is_not_found() || e.message.contains("does not exist") => return Ok(None),
        Err(e) => return Err(e),
    };
    if described.project_status() == Some(&ProjectStatus::DeleteCompleted) {
        return Ok(None);
    }
    let details = described.service_catalog_provisioning_details();
    let provisioned = described.service_catalog_provisioned_product_details();
    Ok(Some(Project {
        name: described.project_name().unwrap_or(name).to_string(),
        project_id: described.project_id().unwrap_or_default().to_string(),
        arn: described.project_arn().unwrap_or_default().to_string(),
        status: described
            .project_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        description: described.project_description().map(str::to_string),
        product_id: details
            .and_then(|d| d.product_id())
            .unwrap_or_default()
            .to_string(),
        provisioning_artifact_id: details
            .and_then(|d| d.provisioning_artifact_id())
            .unwrap_or_default()
            .to_string(),
        parameters: details
            .map(|d| {
                d.provisioning_parameters()
                    .iter()
                    .filter_map(|p| Some((p.key()?.to_string(), p.value()?.to_string())))
                    .filter(|(k, _)| !crate::spec::RESERVED_PARAMETERS.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default(),
        provisioned_product_id: provisioned
            .and_then(|d| d.provisioned_product_id())
            .filter(|id| !id.is_empty())
            .map(str::to_string),
        status_message: provisioned
            .and_then(|d| d.provisioned_product_status_message())
            .map(str::to_string),
        outputs: BTreeMap::new(),
    }))
}

async fn outputs_of(
    clients: &AwsClients,
    provisioned_product_id: &str,
) -> Result<BTreeMap<String, String>, AwsCallError> {
    let mut outputs = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let Some(page) = clients
            .servicecatalog
            .get_provisioned_product_outputs()
            .provisioned_product_id(provisioned_product_id)
            .set_page_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "GetProvisionedProductOutputs", e)
            })
            .or_gone()?
        else {
            return Ok(outputs);
        };
        for o in page.outputs() {
            if let (Some(k), Some(v)) = (o.output_key(), o.output_value()) {
                outputs.insert(k.to_string(), v.to_string());
            }
        }
        match page.next_page_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(outputs),
        }
    }
}

/// Waits until no operation is under way on the project (polling `DescribeProject` only), then
/// reads it whole; `None` when it is gone. A deletion under way counts as an operation unless
/// `follow_deletion` is false (a destroy then goes on from it).
async fn idle(
    clients: &AwsClients,
    name: &str,
    deadline: Deadline,
    follow_deletion: bool,
) -> Result<Option<Project>, Failed> {
    let seen = poll_until(&format!("project {name}"), deadline, || async {
        Ok(match describe(clients, name).await? {
            Some(p)
                if p.status == "Pending"
                    || (p.status.ends_with("InProgress")
                        && (follow_deletion || p.status != "DeleteInProgress")) =>
            {
                Poll::Pending(p.status)
            }
            _ => Poll::Ready(()),
        })
    })
    .await;
    if let Err(e) = seen {
        return Err(Failed {
            project: read(clients, name).await.ok().flatten(),
            error: e.into(),
        });
    }
    Ok(read(clients, name).await?)
}

/// [`idle`], with a project whose last operation failed as the error.
async fn settled(
    clients: &AwsClients,
    name: &str,
    deadline: Deadline,
) -> Result<Option<Project>, Failed> {
    let project = idle(clients, name, deadline, true).await?;
    match project {
        Some(p) if p.status.ends_with("Failed") => Err(Failed {
            error: ProjectError::Provisioning {
                name: name.to_string(),
                status: p.status.clone(),
                message: p
                    .status_message
                    .clone()
                    .unwrap_or_else(|| "Service Catalog gave no reason".to_string()),
            },
            project: Some(p),
        }),
        other => Ok(other),
    }
}

fn parameters(spec: &ProjectSpec) -> Vec<ProvisioningParameter> {
    spec.parameters
        .iter()
        .map(|(k, v)| ProvisioningParameter::builder().key(k).value(v).build())
        .collect()
}

fn tags(clients: &AwsClients, spec: &ProjectSpec) -> BTreeMap<String, String> {
    let mut tags = clients.default_tags.clone();
    tags.extend(spec.tags.clone());
    tags
}

/// Service Catalog launches a project for its caller, through a portfolio the caller is
/// associated with, and answers "not found" for a product the caller cannot reach as for one
/// that does not exist: the refusal says which principal may need adding, and where.
fn no_launch_path(clients: &AwsClients, spec: &ProjectSpec, error: AwsCallError) -> ProjectError {
    if !error.is_not_found() {
        return error.into();
    }
    ProjectError::Product(format!(
        "{} cannot launch product {}: it does not exist, or no portfolio the caller is \
         associated with holds it (a project is launched for its caller). Add the caller to the \
         templates' additional_principal_arns, or apply as one of the environment's people. \
         ({error})",
        clients.caller_arn, spec.product_id
    ))
}

/// What is wrong with `spec.parameters` for the product version it launches, read as the
/// caller reads it (`DescribeProvisioningParameters`): a key the template does not have, or a
/// parameter without a default that is not given (besides the two SageMaker passes). Empty when
/// they fit. The version is `spec`'s, else the newest active one. A caller without a launch
/// path is told so, as at create.
pub async fn parameter_problems(
    clients: &AwsClients,
    spec: &ProjectSpec,
) -> Result<ValidationErrors, ProjectError> {
    let version = match &spec.provisioning_artifact_id {
        Some(id) => id.clone(),
        None => newest_version(clients, &spec.product_id).await?,
    };
    let described = clients
        .servicecatalog
        .describe_provisioning_parameters()
        .product_id(&spec.product_id)
        .provisioning_artifact_id(&version)
        .send()
        .await
        .map_err(|e| {
            let error =
                AwsCallError::from_sdk("servicecatalog", "DescribeProvisioningParameters", e);
            no_launch_path(clients, spec, error)
        })?;
    let declared: BTreeMap<&str, bool> = described
        .provisioning_artifact_parameters()
        .iter()
        .filter_map(|p| Some((p.parameter_key()?, p.default_value().is_some())))
        .collect();
    Ok(parameter_errors(&declared, &spec.parameters))
}

/// [`parameter_problems`] of `given` against the template's parameters (`key -> has a default`).
pub fn parameter_errors(
    declared: &BTreeMap<&str, bool>,
    given: &BTreeMap<String, String>,
) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    let settable: Vec<&str> = declared
        .keys()
        .copied()
        .filter(|k| !RESERVED_PARAMETERS.contains(k))
        .collect();
    for key in given.keys() {
        if !declared.contains_key(key.as_str()) {
            errors.push(
                AttrPath::attr("parameters").key(key.clone()),
                "Unknown Template Parameter",
                format!(
                    "the template has no parameter {key}; it takes: {}",
                    settable.join(", ")
                ),
            );
        }
    }
    for (key, has_default) in declared {
        if !has_default && !RESERVED_PARAMETERS.contains(key) && !given.contains_key(*key) {
            errors.push(
                AttrPath::attr("parameters"),
                "Missing Template Parameter",
                format!("the template's parameter {key} has no default: set parameters[\"{key}\"]"),
            );
        }
    }
    errors
}

/// Creates the project and waits until its template is provisioned. A project of that name
/// from the same product (a create that was cut off) is adopted, and updated to `spec`.
pub async fn create(
    clients: &AwsClients,
    spec: &ProjectSpec,
    deadline: Deadline,
) -> Result<Project, Failed> {
    spec.validate().map_err(ProjectError::from)?;
    let artifact = match &spec.provisioning_artifact_id {
        Some(id) => id.clone(),
        None => newest_version(clients, &spec.product_id).await?,
    };
    if let Some(existing) = settled(clients, &spec.name, deadline).await? {
        if existing.product_id != spec.product_id {
            return Err(ProjectError::NameTaken {
                name: spec.name.clone(),
                product_id: existing.product_id,
            }
            .into());
        }
        tracing::info!(project = %spec.name, "adopting the project made by an earlier run");
        return update(clients, spec, &existing, deadline).await;
    }
    clients
        .sagemaker
        .create_project()
        .project_name(&spec.name)
        .set_project_description(spec.description.clone())
        .service_catalog_provisioning_details(
            ServiceCatalogProvisioningDetails::builder()
                .product_id(&spec.product_id)
                .provisioning_artifact_id(&artifact)
                .set_provisioning_parameters(Some(parameters(spec)))
                .build(),
        )
        .set_tags(Some(
            tags(clients, spec)
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| {
            no_launch_path(
                clients,
                spec,
                AwsCallError::from_sdk("sagemaker", "CreateProject", e),
            )
        })?;
    tracing::info!(project = %spec.name, product = %spec.product_id, version = %artifact, "project created, provisioning");
    match settled(clients, &spec.name, deadline).await? {
        Some(project) => Ok(project),
        None => Err(ProjectError::Provisioning {
            name: spec.name.clone(),
            status: "gone".into(),
            message: "the project disappeared while it was being created".into(),
        }
        .into()),
    }
}

/// Brings the project to `spec`: its version, parameters and description through
/// `UpdateProject` (when they differ), its tags through `AddTags`/`DeleteTags`.
pub async fn update(
    clients: &AwsClients,
    spec: &ProjectSpec,
    current: &Project,
    deadline: Deadline,
) -> Result<Project, Failed> {
    spec.validate().map_err(ProjectError::from)?;
    let in_place = |error: ProjectError| Failed {
        project: Some(current.clone()),
        error,
    };
    let artifact = match &spec.provisioning_artifact_id {
        Some(id) => id.clone(),
        None => current.provisioning_artifact_id.clone(),
    };
    let description_changed = spec.description.is_some() && spec.description != current.description;
    if artifact != current.provisioning_artifact_id
        || spec.parameters != current.parameters
        || description_changed
    {
        clients
            .sagemaker
            .update_project()
            .project_name(&spec.name)
            .set_project_description(spec.description.clone())
            .service_catalog_provisioning_update_details(
                ServiceCatalogProvisioningUpdateDetails::builder()
                    .provisioning_artifact_id(&artifact)
                    .set_provisioning_parameters(Some(parameters(spec)))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                in_place(AwsCallError::from_sdk("sagemaker", "UpdateProject", e).into())
            })?;
        tracing::info!(project = %spec.name, version = %artifact, "project updating");
    }
    sync_tags(clients, spec, &current.arn)
        .await
        .map_err(|e| in_place(e.into()))?;
    match settled(clients, &spec.name, deadline).await? {
        Some(project) => Ok(project),
        None => Err(ProjectError::Provisioning {
            name: spec.name.clone(),
            status: "gone".into(),
            message: "the project was deleted outside Terraform".into(),
        }
        .into()),
    }
}

/// Sets the project's own tags to the spec's (the `sagemaker:` and `aws:` ones are SageMaker's).
async fn sync_tags(
    clients: &AwsClients,
    spec: &ProjectSpec,
    arn: &str,
) -> Result<(), AwsCallError> {
    let want = tags(clients, spec);
    let have: BTreeMap<String, String> = crate::children::sagemaker::sagemaker_tags(clients, arn)
        .await?
        .into_iter()
        .filter(|(k, _)| !k.starts_with("sagemaker:") && !k.starts_with("aws:"))
        .collect();
    let stale: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    if !stale.is_empty() {
        clients
            .sagemaker
            .delete_tags()
            .resource_arn(arn)
            .set_tag_keys(Some(stale))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteTags", e))?;
    }
    let changed: Vec<Tag> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    if !changed.is_empty() {
        clients
            .sagemaker
            .add_tags()
            .resource_arn(arn)
            .set_tags(Some(changed))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "AddTags", e))?;
    }
    Ok(())
}

/// The model versions in `group` (their ARNs).
async fn model_versions(clients: &AwsClients, group: &str) -> Result<Vec<String>, AwsCallError> {
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let Some(page) = clients
            .sagemaker
            .list_model_packages()
            .model_package_group_name(group)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListModelPackages", e))
            .or_gone()?
        else {
            return Ok(arns);
        };
        arns.extend(
            page.model_package_summary_list()
                .iter()
                .filter_map(|p| p.model_package_arn().map(str::to_string)),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(arns),
        }
    }
}

/// The S3 locations among a template's outputs that belong to the project: `(bucket, prefix)`
/// for each `…Location` output whose prefix names the project's name or id. Anything else (a
/// bucket root, another project's prefix) is never deleted.
pub fn project_locations(project: &Project) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (key, value) in &project.outputs {
        if !key.ends_with(LOCATION_OUTPUT_SUFFIX) {
            continue;
        }
        let Some((bucket, prefix)) = value
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        let names_project = prefix.split('/').any(|segment| {
            !segment.is_empty()
                && (segment.contains(&project.project_id) || segment == project.name)
                && !project.project_id.is_empty()
        });
        if bucket.is_empty() || !names_project {
            tracing::warn!(output = %key, location = %value, "not a location of this project's own: kept");
            continue;
        }
        let prefix = if prefix.ends_with('/') {
            prefix.to_string()
        } else {
            format!("{prefix}/")
        };
        found.push((bucket.to_string(), prefix));
    }
    found
}

/// The stacks among a template's outputs that belong to the project: each `…StackName` output
/// whose stack is named `sagemaker-<project id>-…`, as the templates name what the project's
/// pipelines deploy. Anything else is left alone.
pub fn project_stacks(project: &Project) -> Vec<String> {
    if project.project_id.is_empty() {
        return Vec::new();
    }
    let own = format!("sagemaker-{}-", project.project_id);
    project
        .outputs
        .iter()
        .filter(|(key, _)| key.ends_with(STACK_OUTPUT_SUFFIX))
        .filter_map(|(key, stack)| {
            if stack.starts_with(&own) {
                Some(stack.clone())
            } else {
                tracing::warn!(output = %key, %stack, "not a stack of this project's own: kept");
                None
            }
        })
        .collect()
}

/// Deletes the stack `name` (CloudFormation deletes it as the role it was made with) and waits
/// until it is gone. A stack that is not there counts as deleted.
async fn delete_stack(
    clients: &AwsClients,
    name: &str,
    deadline: Deadline,
) -> Result<(), ProjectError> {
    let cfn = &clients.cloudformation;
    cfn.delete_stack()
        .stack_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("cloudformation", "DeleteStack", e))?;
    let what = format!("stack {name} to be deleted");
    let last = poll_until(&what, deadline, || async {
        let described = cfn
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("cloudformation", "DescribeStacks", e));
        let status = match described {
            Ok(out) => out
                .stacks()
                .first()
                .and_then(|s| s.stack_status())
                .map(|s| s.as_str().to_string()),
            // CloudFormation answers a name it does not know (or no longer, once deleted) with a
            // ValidationError, as SageMaker does a project (see `describe`).
            Err(e) if e.is_not_found() || e.message.contains("does not exist") => None,
            Err(e) => return Err(e),
        };
        Ok(match status {
            Some(s) if s.ends_with("_IN_PROGRESS") => Poll::Pending(s),
            other => Poll::Ready(other),
        })
    })
    .await?;
    match last.as_deref() {
        None | Some("DELETE_COMPLETE") => Ok(()),
        Some(status) => Err(ProjectError::Provisioning {
            name: name.to_string(),
            status: status.to_string(),
            message: format!(
                "CloudFormation did not delete the stack {name} (its events say why): fix it and \
                 destroy again"
            ),
        }),
    }
}

/// The model versions in the project's model package group (its `ModelPackageGroupName`
/// output), none when it names no group.
pub async fn held_versions(
    clients: &AwsClients,
    project: &Project,
) -> Result<Vec<String>, AwsCallError> {
    match project.outputs.get(MODEL_GROUP_OUTPUT) {
        Some(group) => model_versions(clients, group).await,
        None => Ok(Vec::new()),
    }
}

/// Deletes what the project's pipelines made that its own stack does not delete, and which
/// nothing of value is in: the endpoint stacks its deploy pipeline made (waited for) and the
/// SageMaker Pipeline its build made. Model versions and data are left to the caller. Gone
/// counts as deleted.
pub async fn delete_leftovers(
    clients: &AwsClients,
    project: &Project,
    deadline: Deadline,
) -> Result<(), ProjectError> {
    for stack in project_stacks(project) {
        delete_stack(clients, &stack, deadline).await?;
        tracing::info!(project = %project.name, %stack, "project stack deleted");
    }
    if let Some(pipeline) = project.outputs.get(PIPELINE_OUTPUT) {
        clients
            .sagemaker
            .delete_pipeline()
            .pipeline_name(pipeline)
            // 32 to 128 characters; the same for every attempt, so a retry is the same request.
            .client_request_token(format!(
                "secure-mlops-delete-pipeline-{}",
                project.project_id
            ))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeletePipeline", e))
            .or_gone()?;
    }
    Ok(())
}

/// Deletes the project: its SageMaker Pipeline, with `force_destroy` its model versions and the
/// data under its locations, the stacks its deploy pipeline made, then the project itself (Service Catalog deletes its stack), and
/// waits until it is gone. Refuses before deleting anything when its model package group holds
/// versions and `force_destroy` is off. Gone already counts as deleted.
pub async fn delete(
    clients: &AwsClients,
    name: &str,
    force_destroy: bool,
    deadline: Deadline,
) -> Result<(), Failed> {
    let Some(project) = idle(clients, name, deadline, false).await? else {
        return Ok(());
    };
    let with = |error: ProjectError| Failed {
        project: Some(project.clone()),
        error,
    };
    let versions = held_versions(clients, &project)
        .await
        .map_err(|e| with(e.into()))?;
    if !versions.is_empty() && !force_destroy {
        return Err(with(ProjectError::HoldsModels {
            name: name.to_string(),
            group: project.outputs[MODEL_GROUP_OUTPUT].clone(),
            count: versions.len(),
        }));
    }
    for arn in &versions {
        clients
            .sagemaker
            .delete_model_package()
            .model_package_name(arn)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteModelPackage", e))
            .or_gone()
            .map_err(|e| with(e.into()))?;
    }
    delete_leftovers(clients, &project, deadline)
        .await
        .map_err(with)?;
    if force_destroy {
        for (bucket_name, prefix) in project_locations(&project) {
            bucket::empty(clients, &bucket_name, Some(&prefix))
                .await
                .map_err(|e| with(e.into()))?;
            tracing::info!(project = %name, bucket = %bucket_name, %prefix, "project data deleted");
        }
    }
    if project.status != "DeleteInProgress" {
        clients
            .sagemaker
            .delete_project()
            .project_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteProject", e))
            .or_gone()
            .map_err(|e| with(e.into()))?;
    }
    match settled(clients, name, deadline).await {
        Ok(None) => Ok(()),
        Ok(Some(left)) => Err(Failed {
            project: Some(left.clone()),
            error: ProjectError::Provisioning {
                name: name.to_string(),
                status: left.status,
                message: "the project is still there after its deletion".into(),
            },
        }),
        Err(failed) => Err(failed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(outputs: &[(&str, &str)]) -> Project {
        Project {
            name: "churn".into(),
            project_id: "p-abc123def456".into(),
            outputs: outputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Project::default()
        }
    }

    #[test]
    fn only_locations_naming_the_project_are_its_own() {
        let p = project(&[
            ("ArtifactLocation", "s3://models/mlops/churn-p-abc123def456"),
            ("SourceLocation", "s3://mlops/projects/churn/"),
            ("SharedLocation", "s3://models/"),
            ("OtherLocation", "s3://models/mlops/churner-p-zzz/"),
            ("ModelPackageGroupName", "s3://models/mlops/churn/"),
            ("NotS3Location", "https://example.com/churn/"),
        ]);
        assert_eq!(
            project_locations(&p),
            [
                (
                    "models".to_string(),
                    "mlops/churn-p-abc123def456/".to_string()
                ),
                ("mlops".to_string(), "projects/churn/".to_string()),
            ]
        );
    }

    #[test]
    fn a_project_without_an_id_owns_no_location() {
        let mut p = project(&[("SourceLocation", "s3://mlops/projects/churn/")]);
        p.project_id.clear();
        assert!(project_locations(&p).is_empty());
    }

    #[test]
    fn only_stacks_named_for_the_project_are_its_own() {
        let p = project(&[
            (
                "StagingStackName",
                "sagemaker-p-abc123def456-deploy-staging",
            ),
            (
                "ProductionStackName",
                "sagemaker-p-abc123def456-deploy-prod",
            ),
            ("OtherStackName", "sagemaker-p-zzz-deploy-prod"),
            ("NetworkStackName", "team-a-dev-network"),
            ("DeployPipelineName", "sagemaker-p-abc123def456-deploy"),
        ]);
        assert_eq!(
            project_stacks(&p),
            [
                "sagemaker-p-abc123def456-deploy-prod",
                "sagemaker-p-abc123def456-deploy-staging"
            ]
        );
        let mut nameless = p.clone();
        nameless.project_id.clear();
        assert!(project_stacks(&nameless).is_empty());
    }

    #[test]
    fn parameters_must_be_the_templates_and_those_without_a_default_given() {
        let declared = BTreeMap::from([
            ("SageMakerProjectName", false),
            ("SageMakerProjectId", false),
            ("SourceModelPackageGroupName", false),
            ("SourceObjectKey", true),
        ]);
        let given = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = parameter_errors(&declared, &given(&[("SourceModelPackageGroupName", "g")]));
        assert!(ok.0.is_empty(), "{ok:?}");
        let wrong = parameter_errors(&declared, &given(&[("SourceGroup", "g")]));
        let found: Vec<(String, String)> = wrong
            .0
            .iter()
            .map(|e| (e.path.to_string(), e.summary.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "parameters[\"SourceGroup\"]".to_string(),
                    "Unknown Template Parameter".to_string()
                ),
                (
                    "parameters".to_string(),
                    "Missing Template Parameter".to_string()
                ),
            ]
        );
        assert!(wrong.0[0]
            .detail
            .contains("SourceModelPackageGroupName, SourceObjectKey"));
        assert!(wrong.0[1]
            .detail
            .contains("parameters[\"SourceModelPackageGroupName\"]"));
    }
}
