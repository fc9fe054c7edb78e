//! The CloudTrail events the response handles, as EventBridge delivers them: which call, on what.
//! Pure. The event only says what to look at; what the resource is, is read from SageMaker
//! (an event's parameters are what the caller asked for, not what AWS made).

use serde_json::Value;

use crate::audit::describe::StudioSubject;
use crate::audit::WorkloadKind;

/// EventBridge's `detail-type` for API calls CloudTrail records.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// The SageMaker calls the rule matches, and so the handler acts on.
pub const EVENT_NAMES: &[&str] = &[
    "CreateTrainingJob",
    "CreateProcessingJob",
    "CreateTransformJob",
    "CreateHyperParameterTuningJob",
    "CreateAutoMLJob",
    "CreateAutoMLJobV2",
    "CreateNotebookInstance",
    "UpdateNotebookInstance",
    "CreateModel",
    "CreateEndpointConfig",
    "CreateApp",
    "CreateSpace",
    "UpdateSpace",
    "UpdateDomain",
    "UpdateUserProfile",
];

/// What an API call is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A job, notebook instance, model or endpoint configuration, by name.
    Workload(WorkloadKind, String),
    /// A Studio resource.
    Studio(StudioSubject),
}

/// One recorded SageMaker call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// CloudTrail's event id: the same on every delivery of the event.
    pub event_id: String,
    /// `CreateTrainingJob`, ...
    pub event_name: String,
    /// What it made or changed.
    pub subject: Subject,
    /// The IAM role of the caller, when it called through an assumed-role session.
    pub caller_role_arn: Option<String>,
}

/// Why an event is not one to act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotActionable {
    /// Not a CloudTrail record of a SageMaker call.
    #[error("not a CloudTrail record of a SageMaker API call")]
    NotSageMakerCall,
    /// A call the response does not handle.
    #[error("{0} is not a call the response handles")]
    OtherCall(String),
    /// The call failed: nothing was made.
    #[error("the {event_name} call failed ({error_code}): nothing was made")]
    CallFailed {
        /// The call.
        event_name: String,
        /// CloudTrail's `errorCode`.
        error_code: String,
    },
    /// A parameter the call always has is missing.
    #[error("the {event_name} record has no {parameter}")]
    Missing {
        /// The call.
        event_name: String,
        /// The parameter (CloudTrail's name).
        parameter: &'static str,
    },
}

/// Whether `event` is an EventBridge delivery of a CloudTrail-recorded API call (of any
/// service): the shape that selects the response handler.
pub fn is_cloudtrail_call(event: &Value) -> bool {
    event["detail-type"] == CLOUDTRAIL_DETAIL_TYPE && event["detail"].is_object()
}

/// Reads the call an EventBridge event carries.
pub fn parse(event: &Value) -> Result<ApiCall, NotActionable> {
    let detail = &event["detail"];
    if !is_cloudtrail_call(event) || detail["eventSource"] != "sagemaker.amazonaws.com" {
        return Err(NotActionable::NotSageMakerCall);
    }
    let event_name = detail["eventName"].as_str().unwrap_or_default().to_string();
    if !EVENT_NAMES.contains(&event_name.as_str()) {
        return Err(NotActionable::OtherCall(event_name));
    }
    if let Some(code) = detail["errorCode"].as_str() {
        return Err(NotActionable::CallFailed {
            event_name,
            error_code: code.to_string(),
        });
    }
    let params = &detail["requestParameters"];
    let text = |name: &'static str| -> Result<String, NotActionable> {
        params[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or(NotActionable::Missing {
                event_name: event_name.clone(),
                parameter: name,
            })
    };
    let optional = |name: &str| params[name].as_str().map(str::to_string);
    let workload = |kind, name: &'static str| Ok(Subject::Workload(kind, text(name)?));
    let subject = match event_name.as_str() {
        "CreateTrainingJob" => workload(WorkloadKind::TrainingJob, "trainingJobName")?,
        "CreateProcessingJob" => workload(WorkloadKind::ProcessingJob, "processingJobName")?,
        "CreateTransformJob" => workload(WorkloadKind::TransformJob, "transformJobName")?,
        "CreateHyperParameterTuningJob" => {
            workload(WorkloadKind::TuningJob, "hyperParameterTuningJobName")?
        }
        "CreateAutoMLJob" | "CreateAutoMLJobV2" => {
            workload(WorkloadKind::AutoMlJob, "autoMLJobName")?
        }
        "CreateNotebookInstance" | "UpdateNotebookInstance" => {
            workload(WorkloadKind::NotebookInstance, "notebookInstanceName")?
        }
        "CreateModel" => workload(WorkloadKind::Model, "modelName")?,
        "CreateEndpointConfig" => workload(WorkloadKind::EndpointConfig, "endpointConfigName")?,
        "CreateApp" => Subject::Studio(StudioSubject::App {
            domain_id: text("domainId")?,
            user_profile: optional("userProfileName"),
            space: optional("spaceName"),
            app_type: text("appType")?,
            app_name: text("appName")?,
        }),
        "CreateSpace" | "UpdateSpace" => Subject::Studio(StudioSubject::Space {
            domain_id: text("domainId")?,
            name: text("spaceName")?,
        }),
        "UpdateDomain" => Subject::Studio(StudioSubject::Domain {
            domain_id: text("domainId")?,
        }),
        "UpdateUserProfile" => Subject::Studio(StudioSubject::UserProfile {
            domain_id: text("domainId")?,
            name: text("userProfileName")?,
        }),
        other => return Err(NotActionable::OtherCall(other.to_string())),
    };
    let identity = &detail["userIdentity"];
    let caller_role_arn = (identity["type"] == "AssumedRole")
        .then(|| identity["sessionContext"]["sessionIssuer"]["arn"].as_str())
        .flatten()
        .map(str::to_string);
    Ok(ApiCall {
        event_id: detail["eventID"]
            .as_str()
            .or(event["id"].as_str())
            .unwrap_or_default()
            .to_string(),
        event_name,
        subject,
        caller_role_arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(name: &str, params: Value) -> Value {
        json!({
            "version": "0",
            "id": "eb-1",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.sagemaker",
            "account": "123456789012",
            "region": "eu-west-1",
            "detail": {
                "eventSource": "sagemaker.amazonaws.com",
                "eventName": name,
                "eventID": "ct-1",
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::123456789012:assumed-role/team-a-dev-data-scientist/alice",
                    "sessionContext": {"sessionIssuer": {
                        "type": "Role",
                        "arn": "arn:aws:iam::123456789012:role/team-a-dev-data-scientist"
                    }}
                },
                "requestParameters": params,
                "responseElements": {"trainingJobArn": "arn:x"}
            }
        })
    }

    #[test]
    fn a_training_job_call_names_its_job_and_caller() {
        let call = parse(&event(
            "CreateTrainingJob",
            json!({"trainingJobName": "j1", "vpcConfig": {"subnets": ["s"]}}),
        ))
        .unwrap();
        assert_eq!(
            call.subject,
            Subject::Workload(WorkloadKind::TrainingJob, "j1".into())
        );
        assert_eq!(call.event_id, "ct-1");
        assert_eq!(
            call.caller_role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/team-a-dev-data-scientist")
        );
    }

    #[test]
    fn studio_calls_name_their_domain_resources() {
        let call = parse(&event(
            "CreateApp",
            json!({"domainId": "d-1", "spaceName": "s", "appType": "JupyterLab", "appName": "default"}),
        ))
        .unwrap();
        assert_eq!(
            call.subject,
            Subject::Studio(StudioSubject::App {
                domain_id: "d-1".into(),
                user_profile: None,
                space: Some("s".into()),
                app_type: "JupyterLab".into(),
                app_name: "default".into()
            })
        );
        let call = parse(&event("UpdateDomain", json!({"domainId": "d-1"}))).unwrap();
        assert_eq!(
            call.subject,
            Subject::Studio(StudioSubject::Domain {
                domain_id: "d-1".into()
            })
        );
    }

    #[test]
    fn other_events_failed_calls_and_missing_names_are_not_actionable() {
        let mut other = event("CreateTrainingJob", json!({"trainingJobName": "j"}));
        other["detail"]["eventSource"] = json!("s3.amazonaws.com");
        assert_eq!(parse(&other), Err(NotActionable::NotSageMakerCall));
        assert_eq!(
            parse(&json!({"RequestType": "Create"})),
            Err(NotActionable::NotSageMakerCall)
        );
        assert!(matches!(
            parse(&event("DeleteModel", json!({"modelName": "m"}))),
            Err(NotActionable::OtherCall(_))
        ));
        let mut failed = event("CreateTrainingJob", json!({"trainingJobName": "j"}));
        failed["detail"]["errorCode"] = json!("AccessDenied");
        assert!(matches!(
            parse(&failed),
            Err(NotActionable::CallFailed { .. })
        ));
        assert!(matches!(
            parse(&event("CreateTrainingJob", json!({}))),
            Err(NotActionable::Missing {
                parameter: "trainingJobName",
                ..
            })
        ));
    }

    #[test]
    fn a_caller_without_a_role_session_has_no_caller_role() {
        let mut e = event("CreateModel", json!({"modelName": "m"}));
        e["detail"]["userIdentity"] = json!({"type": "IAMUser", "arn": "arn:aws:iam::1:user/bob"});
        assert_eq!(parse(&e).unwrap().caller_role_arn, None);
    }
}
