//! The audit's reads of the workloads of the account and region run by the environment: every
//! training, processing, transform, tuning and AutoML job, notebook instance, model and endpoint
//! configuration, as [`Workload`]s for the checks.
//!
//! Listing is paginated (100 a page); the Describe calls of one kind go out 16 at a time, and the
//! kinds are read side by side, so 500 jobs take a few seconds rather than 500 calls in a row.

use std::collections::BTreeSet;
use std::future::Future;

use aws_sdk_sagemaker::types::{DirectInternetAccess, RootAccess, VpcConfig};

use super::checks::{Setting, Workload, WorkloadKind};
use super::reads::Found;
use super::AuditError;
use crate::aws::{AwsCallError, AwsClients};

/// A workload deleted between its List and its Describe is skipped. SageMaker answers a
/// Describe of a training job, model or notebook instance that is gone with
/// `ValidationException` ("Requested resource not found.", "Could not find model ..."), not
/// `ResourceNotFound`, so both count as gone.
trait DescribedOrDeleted<T> {
    fn or_deleted(self) -> Result<Option<T>, AwsCallError>;
}

impl<T> DescribedOrDeleted<T> for Result<T, AwsCallError> {
    fn or_deleted(self) -> Result<Option<T>, AwsCallError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_not_found() || is_gone_validation(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

fn is_gone_validation(err: &AwsCallError) -> bool {
    let message = err.message.to_ascii_lowercase();
    err.code == "ValidationException"
        && ["not found", "could not find", "does not exist"]
            .iter()
            .any(|m| message.contains(m))
}

/// Describe calls in flight at once.
const CONCURRENCY: usize = 16;
/// Items a List call asks for.
const PAGE: i32 = 100;

/// Runs `describe` over `names`, [`CONCURRENCY`] in flight at once: a sliding window, so one
/// slow answer holds up one slot rather than a whole burst.
async fn describe_all<F, Fut, T>(names: Vec<String>, describe: F) -> Result<Vec<T>, AwsCallError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Option<T>, AwsCallError>>,
{
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut out = Vec::with_capacity(names.len());
    let mut names = names.into_iter();
    let mut in_flight = FuturesUnordered::new();
    in_flight.extend(names.by_ref().take(CONCURRENCY).map(&describe));
    while let Some(result) = in_flight.next().await {
        out.extend(result?);
        in_flight.extend(names.next().map(&describe));
    }
    Ok(out)
}

/// Pages through a List call: `page(token)` answers the names of one page and the next token.
async fn list_all<F, Fut>(page: F) -> Result<Vec<String>, AwsCallError>
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<String>, Option<String>), AwsCallError>>,
{
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token).await?;
        names.extend(items);
        match next {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(names),
        }
    }
}

fn network(vpc: Option<&VpcConfig>) -> Setting<(Vec<String>, Vec<String>)> {
    Setting::Set(vpc.map(|v| (v.subnets().to_vec(), v.security_group_ids().to_vec())))
}

fn key(k: Option<&str>) -> Setting<String> {
    Setting::Set(k.filter(|k| !k.is_empty()).map(str::to_string))
}

/// The workloads of the account and region that are the environment's. The kinds are read at
/// the same time; transform jobs and endpoint configurations after the models they belong by.
pub async fn workloads(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AuditError> {
    use futures_util::future::{try_join, try_join3};
    let ((models, training, processing), (tuning, automl, notebooks)) = try_join(
        try_join3(
            models(clients, found),
            training_jobs(clients, found),
            processing_jobs(clients, found),
        ),
        try_join3(
            tuning_jobs(clients, found),
            automl_jobs(clients, found),
            notebook_instances(clients, found),
        ),
    )
    .await?;
    let (model_workloads, our_models) = models;
    let (transform, endpoint_configs) = try_join(
        transform_jobs(clients, &our_models),
        endpoint_configs(clients, &our_models),
    )
    .await?;
    Ok([
        model_workloads,
        training,
        processing,
        transform,
        tuning,
        automl,
        notebooks,
        endpoint_configs,
    ]
    .into_iter()
    .flatten()
    .collect())
}

/// The environment's models: the model workloads and the names of the environment's models.
async fn models(
    clients: &AwsClients,
    found: &Found,
) -> Result<(Vec<Workload>, BTreeSet<String>), AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_models()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListModels", e))?;
        let names = page
            .models()
            .iter()
            .filter_map(|m| m.model_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let models = describe_all(names, |name| async move {
        sm.describe_model()
            .model_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeModel", e))
            .or_deleted()
    })
    .await?;
    let mut our_models = BTreeSet::new();
    for m in models.iter().filter(|m| ours(m.execution_role_arn())) {
        our_models.insert(m.model_name().unwrap_or_default().to_string());
        out.push(Workload {
            network: network(m.vpc_config()),
            network_isolation: Setting::Set(m.enable_network_isolation()),
            ..Workload::new(WorkloadKind::Model, m.model_arn().unwrap_or_default())
        });
    }
    Ok((out, our_models))
}

/// The environment's training jobs.
async fn training_jobs(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_training_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTrainingJobs", e))?;
        let names = page
            .training_job_summaries()
            .iter()
            .filter_map(|j| j.training_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_training_job()
            .training_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeTrainingJob", e))
            .or_deleted()
    })
    .await?;
    for j in jobs.iter().filter(|j| ours(j.role_arn())) {
        out.push(Workload {
            network: network(j.vpc_config()),
            volume_key: key(j.resource_config().and_then(|r| r.volume_kms_key_id())),
            output_key: key(j.output_data_config().and_then(|o| o.kms_key_id())),
            network_isolation: Setting::Set(j.enable_network_isolation()),
            inter_container_encryption: Setting::Set(j.enable_inter_container_traffic_encryption()),
            ..Workload::new(
                WorkloadKind::TrainingJob,
                j.training_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's processing jobs.
async fn processing_jobs(
    clients: &AwsClients,
    found: &Found,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_processing_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListProcessingJobs", e))?;
        let names = page
            .processing_job_summaries()
            .iter()
            .filter_map(|j| j.processing_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_processing_job()
            .processing_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeProcessingJob", e))
            .or_deleted()
    })
    .await?;
    for j in jobs.iter().filter(|j| ours(j.role_arn())) {
        let net = j.network_config();
        out.push(Workload {
            network: network(net.and_then(|n| n.vpc_config())),
            volume_key: key(j
                .processing_resources()
                .and_then(|r| r.cluster_config())
                .and_then(|c| c.volume_kms_key_id())),
            output_key: key(j.processing_output_config().and_then(|o| o.kms_key_id())),
            network_isolation: Setting::Set(net.and_then(|n| n.enable_network_isolation())),
            inter_container_encryption: Setting::Set(
                net.and_then(|n| n.enable_inter_container_traffic_encryption()),
            ),
            ..Workload::new(
                WorkloadKind::ProcessingJob,
                j.processing_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's transform jobs using one of `our_models` (their network is their model's).
async fn transform_jobs(
    clients: &AwsClients,
    our_models: &BTreeSet<String>,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_transform_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTransformJobs", e))?;
        let names = page
            .transform_job_summaries()
            .iter()
            .filter_map(|j| j.transform_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_transform_job()
            .transform_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeTransformJob", e))
            .or_deleted()
    })
    .await?;
    for j in jobs
        .iter()
        .filter(|j| j.model_name().is_some_and(|m| our_models.contains(m)))
    {
        // Its network is its model's, checked there.
        out.push(Workload {
            volume_key: key(j.transform_resources().and_then(|r| r.volume_kms_key_id())),
            output_key: key(j.transform_output().and_then(|o| o.kms_key_id())),
            ..Workload::new(
                WorkloadKind::TransformJob,
                j.transform_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's hyperparameter tuning jobs.
async fn tuning_jobs(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_hyper_parameter_tuning_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListHyperParameterTuningJobs", e))?;
        let names = page
            .hyper_parameter_tuning_job_summaries()
            .iter()
            .filter_map(|j| j.hyper_parameter_tuning_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_hyper_parameter_tuning_job()
            .hyper_parameter_tuning_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeHyperParameterTuningJob", e))
            .or_deleted()
    })
    .await?;
    for j in &jobs {
        let Some(d) = j.training_job_definition() else {
            continue;
        };
        if !ours(d.role_arn()) {
            continue;
        }
        out.push(Workload {
            network: network(d.vpc_config()),
            volume_key: key(d.resource_config().and_then(|r| r.volume_kms_key_id())),
            output_key: key(d.output_data_config().and_then(|o| o.kms_key_id())),
            network_isolation: Setting::Set(d.enable_network_isolation()),
            inter_container_encryption: Setting::Set(d.enable_inter_container_traffic_encryption()),
            ..Workload::new(
                WorkloadKind::TuningJob,
                j.hyper_parameter_tuning_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's AutoML (V2) jobs.
async fn automl_jobs(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_auto_ml_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListAutoMLJobs", e))?;
        let names = page
            .auto_ml_job_summaries()
            .iter()
            .filter_map(|j| j.auto_ml_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_auto_ml_job_v2()
            .auto_ml_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeAutoMLJobV2", e))
            .or_deleted()
    })
    .await?;
    for j in jobs.iter().filter(|j| ours(j.role_arn())) {
        let security = j.security_config();
        out.push(Workload {
            network: network(security.and_then(|s| s.vpc_config())),
            volume_key: key(security.and_then(|s| s.volume_kms_key_id())),
            output_key: key(j.output_data_config().and_then(|o| o.kms_key_id())),
            inter_container_encryption: Setting::Set(
                security.and_then(|s| s.enable_inter_container_traffic_encryption()),
            ),
            ..Workload::new(
                WorkloadKind::AutoMlJob,
                j.auto_ml_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's notebook instances.
async fn notebook_instances(
    clients: &AwsClients,
    found: &Found,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_notebook_instances()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListNotebookInstances", e))?;
        let names = page
            .notebook_instances()
            .iter()
            .filter_map(|n| n.notebook_instance_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let notebooks = describe_all(names, |name| async move {
        sm.describe_notebook_instance()
            .notebook_instance_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeNotebookInstance", e))
            .or_deleted()
    })
    .await?;
    for n in notebooks.iter().filter(|n| ours(n.role_arn())) {
        let network = match n.subnet_id() {
            Some(subnet) => Setting::Set(Some((
                vec![subnet.to_string()],
                n.security_groups().to_vec(),
            ))),
            None => Setting::Set(None),
        };
        out.push(Workload {
            network,
            volume_key: key(n.kms_key_id()),
            root_access: Setting::Set(n.root_access().map(|r| *r == RootAccess::Enabled)),
            direct_internet: Setting::Set(
                n.direct_internet_access()
                    .map(|d| *d == DirectInternetAccess::Enabled),
            ),
            ..Workload::new(
                WorkloadKind::NotebookInstance,
                n.notebook_instance_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's endpoint configurations serving one of `our_models`.
async fn endpoint_configs(
    clients: &AwsClients,
    our_models: &BTreeSet<String>,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_endpoint_configs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListEndpointConfigs", e))?;
        let names = page
            .endpoint_configs()
            .iter()
            .filter_map(|c| c.endpoint_config_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let configs = describe_all(names, |name| async move {
        sm.describe_endpoint_config()
            .endpoint_config_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeEndpointConfig", e))
            .or_deleted()
    })
    .await?;
    for c in configs.iter().filter(|c| {
        c.production_variants()
            .iter()
            .any(|v| v.model_name().is_some_and(|m| our_models.contains(m)))
    }) {
        out.push(Workload {
            volume_key: key(c.kms_key_id()),
            output_key: key(c.data_capture_config().and_then(|d| d.kms_key_id())),
            ..Workload::new(
                WorkloadKind::EndpointConfig,
                c.endpoint_config_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;

    fn error(code: &str, message: &str) -> AwsCallError {
        AwsCallError {
            service: "sagemaker",
            operation: "DescribeModel",
            code: code.into(),
            message: message.into(),
            kind: if code == "ResourceNotFound" {
                ErrorKind::NotFound
            } else {
                ErrorKind::InvalidInput
            },
        }
    }

    #[test]
    fn a_workload_deleted_since_its_listing_is_skipped_other_errors_are_not() {
        let gone: Result<(), _> = Err(error("ValidationException", "Could not find model \"m\"."));
        assert!(matches!(gone.or_deleted(), Ok(None)));
        let gone: Result<(), _> = Err(error(
            "ValidationException",
            "Requested resource not found.",
        ));
        assert!(matches!(gone.or_deleted(), Ok(None)));
        let gone: Result<(), _> = Err(error("ResourceNotFound", "x"));
        assert!(matches!(gone.or_deleted(), Ok(None)));
        let bad: Result<(), _> = Err(error("ValidationException", "1 validation error detected"));
        assert!(bad.or_deleted().is_err());
    }
}
