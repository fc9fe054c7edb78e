//! The audit's reads of the workloads of the account and region run by the environment: every
//! training, processing, transform, tuning and AutoML job, notebook instance, model and endpoint
//! configuration, as [`Workload`]s for the checks.
//!
//! Listing is paginated (100 a page); the Describe calls of one kind go out 16 at a time, and the
//! kinds are read side by side, so 500 jobs take a few seconds rather than 500 calls in a row.

use std::collections::BTreeSet;
use std::future::Future;

use super::checks::{Workload, WorkloadKind};
use super::describe::{describe, describe_studio, Described, DescribedStudio, StudioSubject};
use super::reads::Found;
use super::AuditError;
use crate::aws::{AwsCallError, AwsClients};

/// Describe calls in flight at once.
const CONCURRENCY: usize = 16;
/// Items a List call asks for.
const PAGE: i32 = 100;

/// Runs `describe` over `names`, [`CONCURRENCY`] in flight at once: a sliding window, so one
/// slow answer holds up one slot rather than a whole burst.
async fn describe_all<N, F, Fut, T>(names: Vec<N>, describe: F) -> Result<Vec<T>, AwsCallError>
where
    F: Fn(N) -> Fut,
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

/// The names of every workload of `kind` in the account and region, page by page.
async fn list_names(clients: &AwsClients, kind: WorkloadKind) -> Result<Vec<String>, AwsCallError> {
    let sm = &clients.sagemaker;
    let names = |items: Vec<Option<&str>>| -> Vec<String> {
        items.into_iter().flatten().map(str::to_string).collect()
    };
    let next = |t: Option<&str>| t.map(str::to_string);
    list_all(|token| async move {
        Ok(match kind {
            WorkloadKind::Model => {
                let p = sm
                    .list_models()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListModels", e))?;
                (
                    names(p.models().iter().map(|m| m.model_name()).collect()),
                    next(p.next_token()),
                )
            }
            WorkloadKind::TrainingJob => {
                let p = sm
                    .list_training_jobs()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTrainingJobs", e))?;
                (
                    names(
                        p.training_job_summaries()
                            .iter()
                            .map(|j| j.training_job_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
            WorkloadKind::ProcessingJob => {
                let p = sm
                    .list_processing_jobs()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListProcessingJobs", e))?;
                (
                    names(
                        p.processing_job_summaries()
                            .iter()
                            .map(|j| j.processing_job_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
            WorkloadKind::TransformJob => {
                let p = sm
                    .list_transform_jobs()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTransformJobs", e))?;
                (
                    names(
                        p.transform_job_summaries()
                            .iter()
                            .map(|j| j.transform_job_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
            WorkloadKind::TuningJob => {
                let p = sm
                    .list_hyper_parameter_tuning_jobs()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| {
                        AwsCallError::from_sdk("sagemaker", "ListHyperParameterTuningJobs", e)
                    })?;
                (
                    names(
                        p.hyper_parameter_tuning_job_summaries()
                            .iter()
                            .map(|j| j.hyper_parameter_tuning_job_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
            WorkloadKind::AutoMlJob => {
                let p = sm
                    .list_auto_ml_jobs()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListAutoMLJobs", e))?;
                (
                    names(
                        p.auto_ml_job_summaries()
                            .iter()
                            .map(|j| j.auto_ml_job_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
            WorkloadKind::NotebookInstance => {
                let p = sm
                    .list_notebook_instances()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListNotebookInstances", e))?;
                (
                    names(
                        p.notebook_instances()
                            .iter()
                            .map(|n| n.notebook_instance_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
            WorkloadKind::EndpointConfig => {
                let p = sm
                    .list_endpoint_configs()
                    .max_results(PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListEndpointConfigs", e))?;
                (
                    names(
                        p.endpoint_configs()
                            .iter()
                            .map(|c| c.endpoint_config_name())
                            .collect(),
                    ),
                    next(p.next_token()),
                )
            }
        })
    })
    .await
}

/// Every workload of `kind`, described.
async fn described(
    clients: &AwsClients,
    kind: WorkloadKind,
) -> Result<Vec<Described>, AwsCallError> {
    let names = list_names(clients, kind).await?;
    describe_all(names, |name| describe(clients, kind, name)).await
}

/// The workloads of `kind` run as one of the environment's roles.
async fn by_role(
    clients: &AwsClients,
    found: &Found,
    kind: WorkloadKind,
) -> Result<Vec<Described>, AwsCallError> {
    let mut all = described(clients, kind).await?;
    all.retain(|d| {
        d.role_arn
            .as_deref()
            .is_some_and(|r| found.scope.role_arns.contains(r))
    });
    Ok(all)
}

/// The workloads of `kind` running one of `models` (transform jobs, endpoint configurations:
/// their role and network are their models').
async fn by_model(
    clients: &AwsClients,
    models: &BTreeSet<String>,
    kind: WorkloadKind,
) -> Result<Vec<Described>, AwsCallError> {
    let mut all = described(clients, kind).await?;
    all.retain(|d| d.model_names.iter().any(|m| models.contains(m)));
    Ok(all)
}

/// The workloads of the account and region that are the environment's. The kinds are read at
/// the same time; transform jobs and endpoint configurations after the models they belong by.
pub async fn workloads(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AuditError> {
    use futures_util::future::{try_join, try_join3};
    let ((models, training, processing), (tuning, automl, notebooks)) = try_join(
        try_join3(
            by_role(clients, found, WorkloadKind::Model),
            by_role(clients, found, WorkloadKind::TrainingJob),
            by_role(clients, found, WorkloadKind::ProcessingJob),
        ),
        try_join3(
            by_role(clients, found, WorkloadKind::TuningJob),
            by_role(clients, found, WorkloadKind::AutoMlJob),
            by_role(clients, found, WorkloadKind::NotebookInstance),
        ),
    )
    .await?;
    let our_models: BTreeSet<String> = models.iter().map(|m| m.name.clone()).collect();
    let (transform, endpoint_configs) = try_join(
        by_model(clients, &our_models, WorkloadKind::TransformJob),
        by_model(clients, &our_models, WorkloadKind::EndpointConfig),
    )
    .await?;
    Ok([
        models,
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
    .map(|d| d.workload)
    .collect())
}

/// The environment's Studio resources: its domains, their user profiles, spaces and running
/// apps, described.
pub async fn studio(
    clients: &AwsClients,
    found: &Found,
) -> Result<Vec<DescribedStudio>, AuditError> {
    let sm = &clients.sagemaker;
    let mut subjects = Vec::new();
    for domain_id in &found.domain_ids {
        subjects.push(StudioSubject::Domain {
            domain_id: domain_id.clone(),
        });
        let profiles = list_all(|token| async move {
            let p = sm
                .list_user_profiles()
                .domain_id_equals(domain_id)
                .max_results(PAGE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListUserProfiles", e))?;
            let names = p
                .user_profiles()
                .iter()
                .filter_map(|u| u.user_profile_name().map(str::to_string))
                .collect();
            Ok((names, p.next_token().map(str::to_string)))
        })
        .await?;
        subjects.extend(profiles.into_iter().map(|name| StudioSubject::UserProfile {
            domain_id: domain_id.clone(),
            name,
        }));
        let spaces = list_all(|token| async move {
            let p = sm
                .list_spaces()
                .domain_id_equals(domain_id)
                .max_results(PAGE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListSpaces", e))?;
            let names = p
                .spaces()
                .iter()
                .filter_map(|s| s.space_name().map(str::to_string))
                .collect();
            Ok((names, p.next_token().map(str::to_string)))
        })
        .await?;
        subjects.extend(spaces.into_iter().map(|name| StudioSubject::Space {
            domain_id: domain_id.clone(),
            name,
        }));
        let mut token = None;
        loop {
            let p = sm
                .list_apps()
                .domain_id_equals(domain_id)
                .max_results(PAGE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListApps", e))?;
            for app in p.apps() {
                if matches!(
                    app.status().map(|s| s.as_str()),
                    Some("Deleted" | "Deleting" | "Failed")
                ) {
                    continue;
                }
                subjects.push(StudioSubject::App {
                    domain_id: domain_id.clone(),
                    user_profile: app.user_profile_name().map(str::to_string),
                    space: app.space_name().map(str::to_string),
                    app_type: app
                        .app_type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    app_name: app.app_name().unwrap_or_default().to_string(),
                });
            }
            match p.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok(describe_all(subjects, |subject| async move {
        describe_studio(clients, &subject).await
    })
    .await?)
}
