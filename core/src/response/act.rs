//! What the response does about findings: the plan (pure, by mode and subject) and the calls
//! that carry it out, each idempotent so a redelivered event changes nothing twice.

use std::time::Duration;

use aws_sdk_sagemaker::types::{AppNetworkAccessType, AppType, Tag, UserSettings};

use super::event::Subject;
use crate::audit::describe::{describe, describe_studio, StudioSubject};
use crate::audit::studio::{CONTROL_SECURITY_GROUPS, CONTROL_VPC_ONLY};
use crate::audit::{Finding, Scope, WorkloadKind};
use crate::aws::{AwsCallError, AwsClients};
use crate::spec::ResponseMode;

/// The tag the response leaves on what it acted on.
pub const RESPONSE_TAG: &str = "secure-mlops:response";

/// What the response does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Stop a job or notebook instance.
    Stop(WorkloadKind, String),
    /// Delete a Studio app.
    DeleteApp(StudioSubject),
    /// Put the domain's network access and default security groups back to the environment's.
    RestoreDomain(String),
    /// Put a user profile's security groups back to the environment's.
    RestoreUserProfile {
        /// Its domain.
        domain_id: String,
        /// Its name.
        name: String,
    },
}

impl Action {
    /// The word the tag and the log use.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Stop(..) => "stopped",
            Action::DeleteApp(_) => "deleted",
            Action::RestoreDomain(_) | Action::RestoreUserProfile { .. } => "restored",
        }
    }
}

/// The changes `mode` makes for `findings` on `subject`. Models, endpoint configurations and
/// spaces have nothing to stop: they are tagged (and notified), which is all `stop` can do.
pub fn plan(subject: &Subject, findings: &[Finding], mode: ResponseMode) -> Vec<Action> {
    if findings.is_empty() || !mode.stops() {
        return Vec::new();
    }
    let restorable = findings
        .iter()
        .any(|f| f.control == CONTROL_VPC_ONLY || f.control == CONTROL_SECURITY_GROUPS);
    match subject {
        Subject::Workload(kind, name) => match kind {
            WorkloadKind::TrainingJob
            | WorkloadKind::ProcessingJob
            | WorkloadKind::TransformJob
            | WorkloadKind::TuningJob
            | WorkloadKind::AutoMlJob
            | WorkloadKind::NotebookInstance => vec![Action::Stop(*kind, name.clone())],
            WorkloadKind::Model | WorkloadKind::EndpointConfig => Vec::new(),
        },
        Subject::Studio(app @ StudioSubject::App { .. }) => vec![Action::DeleteApp(app.clone())],
        Subject::Studio(StudioSubject::Domain { domain_id }) if restorable => {
            vec![Action::RestoreDomain(domain_id.clone())]
        }
        Subject::Studio(StudioSubject::UserProfile { domain_id, name }) if restorable => {
            vec![Action::RestoreUserProfile {
                domain_id: domain_id.clone(),
                name: name.clone(),
            }]
        }
        Subject::Studio(_) => Vec::new(),
    }
}

/// The tag's value: what was done and under which controls, within SageMaker's 256 characters.
pub fn tag_value(actions: &[Action], findings: &[Finding], notified: bool) -> String {
    let mut done: Vec<&str> = actions.iter().map(Action::verb).collect();
    if notified {
        done.push("notified");
    }
    if done.is_empty() {
        done.push("found");
    }
    let mut controls: Vec<&str> = findings.iter().map(|f| f.control.as_str()).collect();
    controls.sort_unstable();
    controls.dedup();
    let mut value = format!("{}: {}", done.join("+"), controls.join(" "));
    if value.len() > 256 {
        let mut cut = 253;
        while !value.is_char_boundary(cut) {
            cut -= 1;
        }
        value.truncate(cut);
        value.push_str("...");
    }
    value
}

/// How long a stop waits for a notebook instance or app that is still starting (AWS refuses
/// to stop one that is `Pending`).
const STARTING_WAIT: Duration = Duration::from_secs(120);

/// Carries out `action`. Returns what it did (`None`: nothing left to do, e.g. the job had
/// already stopped).
pub async fn execute(
    clients: &AwsClients,
    action: &Action,
    scope: &Scope,
) -> Result<Option<String>, AwsCallError> {
    let sm = &clients.sagemaker;
    match action {
        Action::Stop(kind, name) => {
            let started = tokio::time::Instant::now();
            loop {
                let Some(now) = describe(clients, *kind, name.clone()).await? else {
                    return Ok(None);
                };
                let pending = now.status.as_deref() == Some("Pending");
                if pending && started.elapsed() < STARTING_WAIT {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
                if !now.is_running() {
                    return Ok(None);
                }
                break;
            }
            let result = match kind {
                WorkloadKind::TrainingJob => sm
                    .stop_training_job()
                    .training_job_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "StopTrainingJob", e)),
                WorkloadKind::ProcessingJob => sm
                    .stop_processing_job()
                    .processing_job_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "StopProcessingJob", e)),
                WorkloadKind::TransformJob => sm
                    .stop_transform_job()
                    .transform_job_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "StopTransformJob", e)),
                WorkloadKind::TuningJob => sm
                    .stop_hyper_parameter_tuning_job()
                    .hyper_parameter_tuning_job_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        AwsCallError::from_sdk("sagemaker", "StopHyperParameterTuningJob", e)
                    }),
                WorkloadKind::AutoMlJob => sm
                    .stop_auto_ml_job()
                    .auto_ml_job_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "StopAutoMLJob", e)),
                WorkloadKind::NotebookInstance => sm
                    .stop_notebook_instance()
                    .notebook_instance_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("sagemaker", "StopNotebookInstance", e)),
                WorkloadKind::Model | WorkloadKind::EndpointConfig => return Ok(None),
            };
            match result {
                Ok(()) => Ok(Some(format!("stopped the {} {name}", kind.label()))),
                // Stopped by someone else between the Describe and the Stop: done all the same.
                Err(err) if err.code == "ValidationException" => {
                    match describe(clients, *kind, name.clone()).await? {
                        Some(now) if now.is_running() => Err(err),
                        _ => Ok(None),
                    }
                }
                Err(err) => Err(err),
            }
        }
        Action::DeleteApp(app) => {
            let StudioSubject::App {
                domain_id,
                user_profile,
                space,
                app_type,
                app_name,
            } = app
            else {
                return Ok(None);
            };
            let started = tokio::time::Instant::now();
            loop {
                let Some(now) = describe_studio(clients, app).await? else {
                    return Ok(None);
                };
                match now.status.as_deref() {
                    Some("Pending") if started.elapsed() < STARTING_WAIT => {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                    Some("Deleting" | "Deleted" | "Failed") => return Ok(None),
                    _ => break,
                }
            }
            sm.delete_app()
                .domain_id(domain_id)
                .set_user_profile_name(user_profile.clone())
                .set_space_name(space.clone())
                .app_type(AppType::from(app_type.as_str()))
                .app_name(app_name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteApp", e))?;
            Ok(Some(format!("deleted the {app_type} app {app_name}")))
        }
        Action::RestoreDomain(domain_id) => {
            let groups: Vec<String> = scope.security_group_ids.iter().cloned().collect();
            sm.update_domain()
                .domain_id(domain_id)
                .app_network_access_type(AppNetworkAccessType::VpcOnly)
                .default_user_settings(
                    UserSettings::builder()
                        .set_security_groups(Some(groups))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "UpdateDomain", e))?;
            Ok(Some(format!(
                "restored the domain {domain_id}: VpcOnly, the environment's security group"
            )))
        }
        Action::RestoreUserProfile { domain_id, name } => {
            let groups: Vec<String> = scope.security_group_ids.iter().cloned().collect();
            sm.update_user_profile()
                .domain_id(domain_id)
                .user_profile_name(name)
                .user_settings(
                    UserSettings::builder()
                        .set_security_groups(Some(groups))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "UpdateUserProfile", e))?;
            Ok(Some(format!(
                "restored the user profile {name}: the environment's security group"
            )))
        }
    }
}

/// Tags `arn` with the response tag.
pub async fn tag(clients: &AwsClients, arn: &str, value: &str) -> Result<(), AwsCallError> {
    let tag = Tag::builder().key(RESPONSE_TAG).value(value).build();
    clients
        .sagemaker
        .add_tags()
        .resource_arn(arn)
        .tags(tag)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "AddTags", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Severity;

    fn finding(control: &str) -> Finding {
        Finding {
            control: control.into(),
            severity: Severity::High,
            resource_arn: "arn".into(),
            message: String::new(),
            remediation: String::new(),
        }
    }

    #[test]
    fn jobs_and_notebooks_are_stopped_only_in_a_stopping_mode() {
        let job = Subject::Workload(WorkloadKind::TrainingJob, "j".into());
        let found = [finding("secure-mlops:compute-in-environment-vpc")];
        assert_eq!(
            plan(&job, &found, ResponseMode::Stop),
            [Action::Stop(WorkloadKind::TrainingJob, "j".into())]
        );
        assert_eq!(plan(&job, &found, ResponseMode::Both).len(), 1);
        assert!(plan(&job, &found, ResponseMode::Notify).is_empty());
        assert!(plan(&job, &[], ResponseMode::Stop).is_empty());
        let model = Subject::Workload(WorkloadKind::Model, "m".into());
        assert!(plan(&model, &found, ResponseMode::Stop).is_empty());
    }

    #[test]
    fn studio_settings_are_restored_only_for_what_can_be_restored() {
        let domain = Subject::Studio(StudioSubject::Domain {
            domain_id: "d".into(),
        });
        assert_eq!(
            plan(&domain, &[finding(CONTROL_VPC_ONLY)], ResponseMode::Stop),
            [Action::RestoreDomain("d".into())]
        );
        // A foreign execution role has no right value to go back to: notify and tag only.
        assert!(plan(
            &domain,
            &[finding("secure-mlops:studio-execution-role")],
            ResponseMode::Stop
        )
        .is_empty());
    }

    #[test]
    fn the_tag_says_what_was_done_and_why_within_256_characters() {
        let stop = [Action::Stop(WorkloadKind::TrainingJob, "j".into())];
        let found = [finding("SageMaker.2"), finding("b"), finding("SageMaker.2")];
        assert_eq!(
            tag_value(&stop, &found, true),
            "stopped+notified: SageMaker.2 b"
        );
        assert_eq!(tag_value(&[], &found, false), "found: SageMaker.2 b");
        let many: Vec<Finding> = (0..100).map(|i| finding(&format!("control-{i}"))).collect();
        assert!(tag_value(&stop, &many, false).len() <= 256);
    }
}
