//! One workload's Describe call, as the checks see it: shared by the audit (every workload of the
//! account) and the response handler (the one a CloudTrail event names).

use aws_sdk_sagemaker::types::{
    AppNetworkAccessType, AppType, DirectInternetAccess, RootAccess, VpcConfig,
};

use super::checks::{Setting, Workload, WorkloadKind};
use super::studio::{StudioKind, StudioResource};
use crate::aws::{AwsCallError, AwsClients};

/// A workload with what says whose it is and whether it still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// Its settings, for the checks.
    pub workload: Workload,
    /// Its name.
    pub name: String,
    /// The role it runs as; `None` for transform jobs and endpoint configurations, which run
    /// as their models.
    pub role_arn: Option<String>,
    /// The models it runs (transform jobs, endpoint configurations).
    pub model_names: Vec<String>,
    /// Its status as SageMaker reports it (`InProgress`, `Stopping`, `InService`, ...);
    /// `None` for kinds without one (models, endpoint configurations).
    pub status: Option<String>,
}

impl Described {
    /// Whether a stop call would still change something: the job is running, the notebook
    /// instance is starting or in service.
    pub fn is_running(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some("InProgress" | "Pending" | "InService" | "Updating")
        )
    }
}

/// A workload deleted between its List and its Describe is skipped. SageMaker answers a
/// Describe of a training job, model or notebook instance that is gone with
/// `ValidationException` ("Requested resource not found.", "Could not find model ..."), not
/// `ResourceNotFound`, so both count as gone.
pub(crate) trait DescribedOrDeleted<T> {
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

fn network(vpc: Option<&VpcConfig>) -> Setting<(Vec<String>, Vec<String>)> {
    Setting::Set(vpc.map(|v| (v.subnets().to_vec(), v.security_group_ids().to_vec())))
}

fn key(k: Option<&str>) -> Setting<String> {
    Setting::Set(k.filter(|k| !k.is_empty()).map(str::to_string))
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

/// Describes the workload `name` of `kind`; `None` when it does not exist.
pub async fn describe(
    clients: &AwsClients,
    kind: WorkloadKind,
    name: String,
) -> Result<Option<Described>, AwsCallError> {
    let sm = &clients.sagemaker;
    Ok(Some(match kind {
        WorkloadKind::Model => {
            let Some(m) = sm
                .describe_model()
                .model_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeModel", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            Described {
                workload: Workload {
                    network: network(m.vpc_config()),
                    network_isolation: Setting::Set(m.enable_network_isolation()),
                    ..Workload::new(kind, m.model_arn().unwrap_or_default())
                },
                role_arn: owned(m.execution_role_arn()),
                model_names: vec![name.clone()],
                status: None,
                name,
            }
        }
        WorkloadKind::TrainingJob => {
            let Some(j) = sm
                .describe_training_job()
                .training_job_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeTrainingJob", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            Described {
                workload: Workload {
                    network: network(j.vpc_config()),
                    volume_key: key(j.resource_config().and_then(|r| r.volume_kms_key_id())),
                    output_key: key(j.output_data_config().and_then(|o| o.kms_key_id())),
                    network_isolation: Setting::Set(j.enable_network_isolation()),
                    inter_container_encryption: Setting::Set(
                        j.enable_inter_container_traffic_encryption(),
                    ),
                    ..Workload::new(kind, j.training_job_arn().unwrap_or_default())
                },
                role_arn: owned(j.role_arn()),
                model_names: Vec::new(),
                status: j.training_job_status().map(|s| s.as_str().to_string()),
                name,
            }
        }
        WorkloadKind::ProcessingJob => {
            let Some(j) = sm
                .describe_processing_job()
                .processing_job_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeProcessingJob", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let net = j.network_config();
            Described {
                workload: Workload {
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
                    ..Workload::new(kind, j.processing_job_arn().unwrap_or_default())
                },
                role_arn: owned(j.role_arn()),
                model_names: Vec::new(),
                status: j.processing_job_status().map(|s| s.as_str().to_string()),
                name,
            }
        }
        WorkloadKind::TransformJob => {
            let Some(j) = sm
                .describe_transform_job()
                .transform_job_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeTransformJob", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            // Its network is its model's, checked there.
            Described {
                workload: Workload {
                    volume_key: key(j.transform_resources().and_then(|r| r.volume_kms_key_id())),
                    output_key: key(j.transform_output().and_then(|o| o.kms_key_id())),
                    ..Workload::new(kind, j.transform_job_arn().unwrap_or_default())
                },
                role_arn: None,
                model_names: j.model_name().map(str::to_string).into_iter().collect(),
                status: j.transform_job_status().map(|s| s.as_str().to_string()),
                name,
            }
        }
        WorkloadKind::TuningJob => {
            let Some(j) = sm
                .describe_hyper_parameter_tuning_job()
                .hyper_parameter_tuning_job_name(&name)
                .send()
                .await
                .map_err(|e| {
                    AwsCallError::from_sdk("sagemaker", "DescribeHyperParameterTuningJob", e)
                })
                .or_deleted()?
            else {
                return Ok(None);
            };
            let d = j.training_job_definition();
            Described {
                workload: Workload {
                    network: network(d.and_then(|d| d.vpc_config())),
                    volume_key: key(d
                        .and_then(|d| d.resource_config())
                        .and_then(|r| r.volume_kms_key_id())),
                    output_key: key(d
                        .and_then(|d| d.output_data_config())
                        .and_then(|o| o.kms_key_id())),
                    network_isolation: Setting::Set(d.and_then(|d| d.enable_network_isolation())),
                    inter_container_encryption: Setting::Set(
                        d.and_then(|d| d.enable_inter_container_traffic_encryption()),
                    ),
                    ..Workload::new(kind, j.hyper_parameter_tuning_job_arn().unwrap_or_default())
                },
                role_arn: owned(d.and_then(|d| d.role_arn())),
                model_names: Vec::new(),
                status: j
                    .hyper_parameter_tuning_job_status()
                    .map(|s| s.as_str().to_string()),
                name,
            }
        }
        WorkloadKind::AutoMlJob => {
            let Some(j) = sm
                .describe_auto_ml_job_v2()
                .auto_ml_job_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeAutoMLJobV2", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let security = j.security_config();
            Described {
                workload: Workload {
                    network: network(security.and_then(|s| s.vpc_config())),
                    volume_key: key(security.and_then(|s| s.volume_kms_key_id())),
                    output_key: key(j.output_data_config().and_then(|o| o.kms_key_id())),
                    inter_container_encryption: Setting::Set(
                        security.and_then(|s| s.enable_inter_container_traffic_encryption()),
                    ),
                    ..Workload::new(kind, j.auto_ml_job_arn().unwrap_or_default())
                },
                role_arn: owned(j.role_arn()),
                model_names: Vec::new(),
                status: j.auto_ml_job_status().map(|s| s.as_str().to_string()),
                name,
            }
        }
        WorkloadKind::NotebookInstance => {
            let Some(n) = sm
                .describe_notebook_instance()
                .notebook_instance_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeNotebookInstance", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let network = match n.subnet_id() {
                Some(subnet) => Setting::Set(Some((
                    vec![subnet.to_string()],
                    n.security_groups().to_vec(),
                ))),
                None => Setting::Set(None),
            };
            Described {
                workload: Workload {
                    network,
                    volume_key: key(n.kms_key_id()),
                    root_access: Setting::Set(n.root_access().map(|r| *r == RootAccess::Enabled)),
                    direct_internet: Setting::Set(
                        n.direct_internet_access()
                            .map(|d| *d == DirectInternetAccess::Enabled),
                    ),
                    ..Workload::new(kind, n.notebook_instance_arn().unwrap_or_default())
                },
                role_arn: owned(n.role_arn()),
                model_names: Vec::new(),
                status: n.notebook_instance_status().map(|s| s.as_str().to_string()),
                name,
            }
        }
        WorkloadKind::EndpointConfig => {
            let Some(c) = sm
                .describe_endpoint_config()
                .endpoint_config_name(&name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeEndpointConfig", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            Described {
                workload: Workload {
                    volume_key: key(c.kms_key_id()),
                    output_key: key(c.data_capture_config().and_then(|d| d.kms_key_id())),
                    ..Workload::new(kind, c.endpoint_config_arn().unwrap_or_default())
                },
                role_arn: None,
                model_names: c
                    .production_variants()
                    .iter()
                    .filter_map(|v| v.model_name().map(str::to_string))
                    .collect(),
                status: None,
                name,
            }
        }
    }))
}

/// A Studio resource, by the ids SageMaker names it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StudioSubject {
    /// A domain.
    Domain {
        /// Its id.
        domain_id: String,
    },
    /// A user profile.
    UserProfile {
        /// Its domain.
        domain_id: String,
        /// Its name.
        name: String,
    },
    /// A space.
    Space {
        /// Its domain.
        domain_id: String,
        /// Its name.
        name: String,
    },
    /// An app of a user profile or a space.
    App {
        /// Its domain.
        domain_id: String,
        /// The user profile it belongs to, if any.
        user_profile: Option<String>,
        /// The space it belongs to, if any.
        space: Option<String>,
        /// `JupyterLab`, `CodeEditor`, ...
        app_type: String,
        /// Its name.
        app_name: String,
    },
}

impl StudioSubject {
    /// The domain it is in.
    pub fn domain_id(&self) -> &str {
        match self {
            StudioSubject::Domain { domain_id }
            | StudioSubject::UserProfile { domain_id, .. }
            | StudioSubject::Space { domain_id, .. }
            | StudioSubject::App { domain_id, .. } => domain_id,
        }
    }
}

/// A Studio resource as described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedStudio {
    /// Its settings, for the checks.
    pub resource: StudioResource,
    /// Its status (`InService`, `Deleted`, ...).
    pub status: Option<String>,
}

fn non_empty(groups: &[String]) -> Option<Vec<String>> {
    (!groups.is_empty()).then(|| groups.to_vec())
}

/// Describes a Studio resource; `None` when it does not exist (or, for an app, is deleted).
pub async fn describe_studio(
    clients: &AwsClients,
    subject: &StudioSubject,
) -> Result<Option<DescribedStudio>, AwsCallError> {
    let sm = &clients.sagemaker;
    Ok(Some(match subject {
        StudioSubject::Domain { domain_id } => {
            let Some(d) = sm
                .describe_domain()
                .domain_id(domain_id)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeDomain", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let defaults = d.default_user_settings();
            DescribedStudio {
                resource: StudioResource {
                    public_internet: d
                        .app_network_access_type()
                        .map(|t| *t == AppNetworkAccessType::PublicInternetOnly),
                    security_groups: defaults.and_then(|s| non_empty(s.security_groups())),
                    execution_role: owned(defaults.and_then(|s| s.execution_role())),
                    ..StudioResource::new(StudioKind::Domain, d.domain_arn().unwrap_or_default())
                },
                status: d.status().map(|s| s.as_str().to_string()),
            }
        }
        StudioSubject::UserProfile { domain_id, name } => {
            let Some(p) = sm
                .describe_user_profile()
                .domain_id(domain_id)
                .user_profile_name(name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeUserProfile", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let settings = p.user_settings();
            DescribedStudio {
                resource: StudioResource {
                    security_groups: settings.and_then(|s| non_empty(s.security_groups())),
                    execution_role: owned(settings.and_then(|s| s.execution_role())),
                    ..StudioResource::new(
                        StudioKind::UserProfile,
                        p.user_profile_arn().unwrap_or_default(),
                    )
                },
                status: p.status().map(|s| s.as_str().to_string()),
            }
        }
        StudioSubject::Space { domain_id, name } => {
            let Some(s) = sm
                .describe_space()
                .domain_id(domain_id)
                .space_name(name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeSpace", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let settings = s.space_settings();
            let instance_type = settings
                .and_then(|s| s.jupyter_lab_app_settings())
                .and_then(|j| j.default_resource_spec())
                .or_else(|| {
                    settings
                        .and_then(|s| s.code_editor_app_settings())
                        .and_then(|c| c.default_resource_spec())
                })
                .and_then(|r| r.instance_type())
                .map(|t| t.as_str().to_string());
            DescribedStudio {
                resource: StudioResource {
                    instance_type,
                    ..StudioResource::new(StudioKind::Space, s.space_arn().unwrap_or_default())
                },
                status: s.status().map(|s| s.as_str().to_string()),
            }
        }
        StudioSubject::App {
            domain_id,
            user_profile,
            space,
            app_type,
            app_name,
        } => {
            let Some(a) = sm
                .describe_app()
                .domain_id(domain_id)
                .set_user_profile_name(user_profile.clone())
                .set_space_name(space.clone())
                .app_type(AppType::from(app_type.as_str()))
                .app_name(app_name)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeApp", e))
                .or_deleted()?
            else {
                return Ok(None);
            };
            let status = a.status().map(|s| s.as_str().to_string());
            if status.as_deref() == Some("Deleted") {
                return Ok(None);
            }
            DescribedStudio {
                resource: StudioResource {
                    instance_type: a
                        .resource_spec()
                        .and_then(|r| r.instance_type())
                        .map(|t| t.as_str().to_string()),
                    ..StudioResource::new(StudioKind::App, a.app_arn().unwrap_or_default())
                },
                status,
            }
        }
    }))
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

    #[test]
    fn only_running_workloads_are_worth_stopping() {
        let mut d = Described {
            workload: Workload::new(WorkloadKind::TrainingJob, "arn"),
            name: "j".into(),
            role_arn: None,
            model_names: vec![],
            status: Some("InProgress".into()),
        };
        assert!(d.is_running());
        for done in ["Stopping", "Stopped", "Completed", "Failed"] {
            d.status = Some(done.into());
            assert!(!d.is_running(), "{done}");
        }
        d.status = None;
        assert!(!d.is_running());
    }
}
