//! The function's other two handlers, selected by the event's shape (one binary, one zip):
//!
//! * an EventBridge delivery of a CloudTrail-recorded API call (`detail-type` "AWS API Call via
//!   CloudTrail") runs the responsive control ([`secure_mlops_core::response::respond`]); the
//!   result is the outcome as JSON, and a failure fails the invocation so Lambda retries it and
//!   then sends it to the dead-letter queue;
//! * `{"SecureMlopsAudit": {"EnvironmentId": "<name>-<stage>"}}` runs the detective control
//!   ([`secure_mlops_core::audit::audit`]) and returns its findings, so the same check runs
//!   from a schedule, a Step Function or `aws lambda invoke` without Terraform.
//!
//! Anything else is a CloudFormation custom-resource request.

use serde_json::{json, Value};

use secure_mlops_core::audit;
use secure_mlops_core::response::{self, event::is_cloudtrail_call, ResponseSettings};

use crate::Handler;

/// The key of an audit request.
pub const AUDIT_KEY: &str = "SecureMlopsAudit";

/// Which handler an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventShape {
    /// A CloudTrail API call from EventBridge.
    SecurityEvent,
    /// An audit request.
    Audit,
    /// A CloudFormation custom-resource request (or anything else, which that handler refuses).
    CustomResource,
}

/// Tells the handlers' events apart.
pub fn shape(event: &Value) -> EventShape {
    if is_cloudtrail_call(event) {
        EventShape::SecurityEvent
    } else if event.get(AUDIT_KEY).is_some() {
        EventShape::Audit
    } else {
        EventShape::CustomResource
    }
}

impl Handler {
    /// Runs the responsive control on one EventBridge event.
    pub async fn respond(&self, event: &Value) -> Result<Value, String> {
        let aws = self.connected().await?;
        let settings = ResponseSettings::from_env();
        // Boxed: the response's future is deep, and the binary's async main holds all three.
        Box::pin(response::respond(&aws.clients, event, &settings))
            .await
            .map(|outcome| outcome.to_json())
            .map_err(|e| format!("security response failed (Lambda retries the event): {e}"))
    }

    /// Runs the audit an audit request names.
    pub async fn audit(&self, event: &Value) -> Result<Value, String> {
        let Some(env_id) = event[AUDIT_KEY]["EnvironmentId"]
            .as_str()
            .filter(|s| !s.is_empty())
        else {
            return Err(format!(
                "an audit request is {{\"{AUDIT_KEY}\": {{\"EnvironmentId\": \"<name>-<stage>\"}}}}"
            ));
        };
        let aws = self.connected().await?;
        let done = Box::pin(audit::audit(&aws.clients, env_id))
            .await
            .map_err(|e| format!("audit of {env_id} failed: {e}"))?;
        Ok(json!({
            "environmentId": env_id,
            "compliant": done.compliant(),
            "workloadsChecked": done.workloads_checked,
            "findings": done.findings.iter().map(|f| json!({
                "control": f.control,
                "severity": f.severity.as_str(),
                "resourceArn": f.resource_arn,
                "message": f.message,
                "remediation": f.remediation,
            })).collect::<Vec<_>>(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_told_apart_by_shape() {
        let cloudtrail = json!({
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.sagemaker",
            "detail": {"eventName": "CreateTrainingJob"}
        });
        assert_eq!(shape(&cloudtrail), EventShape::SecurityEvent);
        assert_eq!(
            shape(&json!({"SecureMlopsAudit": {"EnvironmentId": "a-dev"}})),
            EventShape::Audit
        );
        assert_eq!(
            shape(&json!({"RequestType": "Create", "ResponseURL": "https://x"})),
            EventShape::CustomResource
        );
        // A scheduled event is no CloudTrail call: the custom-resource handler refuses it.
        assert_eq!(
            shape(&json!({"detail-type": "Scheduled Event", "detail": {}})),
            EventShape::CustomResource
        );
    }
}
