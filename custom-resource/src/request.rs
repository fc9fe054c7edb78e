//! The CloudFormation request, read from `aws_lambda_events`' types into one shape whose
//! `Debug` never shows the response URL.

use aws_lambda_events::cloudformation::CloudFormationCustomResourceRequest;
use serde_json::Value;

use crate::response::ResponseUrl;

/// `Custom::SecureDsEnvironment`.
pub const ENVIRONMENT_TYPE: &str = "Custom::SecureDsEnvironment";
/// `Custom::SageMakerProjectsEnablement`.
pub const PROJECTS_TYPE: &str = "Custom::SageMakerProjectsEnablement";
/// `Custom::MlopsProjectTemplates`.
pub const TEMPLATES_TYPE: &str = "Custom::MlopsProjectTemplates";
/// The `PhysicalResourceId` of a Create that failed before it changed anything. The Delete
/// CloudFormation sends for it on rollback is answered SUCCESS without any AWS call.
pub const CREATE_FAILED_ID: &str = "secure-mlops:create-failed";

/// Create, Update or Delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A new resource.
    Create,
    /// New properties for an existing one.
    Update,
    /// The resource goes.
    Delete,
}

impl RequestKind {
    /// `Create`, `Update` or `Delete`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RequestKind::Create => "Create",
            RequestKind::Update => "Update",
            RequestKind::Delete => "Delete",
        }
    }
}

/// One custom-resource request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Create, Update or Delete.
    pub kind: RequestKind,
    /// CloudFormation's id of this request.
    pub request_id: String,
    /// The stack.
    pub stack_id: String,
    /// `Custom::...`.
    pub resource_type: String,
    /// The resource's logical id in the template.
    pub logical_resource_id: String,
    /// The id this function gave the resource (Update and Delete).
    pub physical_resource_id: Option<String>,
    /// Where the answer goes.
    pub response_url: ResponseUrl,
    /// The properties (new ones on Update).
    pub properties: Value,
    /// The previous properties (Update only).
    pub old_properties: Option<Value>,
}

/// Why a payload is not a request.
#[derive(Debug, thiserror::Error)]
#[error("not a CloudFormation custom-resource request: {0}")]
pub struct NotARequest(String);

impl Request {
    /// Reads a payload (the continuation key already taken out).
    pub fn parse(payload: &Value) -> Result<Request, NotARequest> {
        let parsed: CloudFormationCustomResourceRequest =
            serde_json::from_value(payload.clone()).map_err(|e| NotARequest(e.to_string()))?;
        Ok(match parsed {
            CloudFormationCustomResourceRequest::Create(r) => Request {
                kind: RequestKind::Create,
                request_id: r.request_id,
                stack_id: r.stack_id,
                resource_type: r.resource_type,
                logical_resource_id: r.logical_resource_id,
                physical_resource_id: None,
                response_url: ResponseUrl::new(r.response_url),
                properties: r.resource_properties,
                old_properties: None,
            },
            CloudFormationCustomResourceRequest::Update(r) => Request {
                kind: RequestKind::Update,
                request_id: r.request_id,
                stack_id: r.stack_id,
                resource_type: r.resource_type,
                logical_resource_id: r.logical_resource_id,
                physical_resource_id: Some(r.physical_resource_id),
                response_url: ResponseUrl::new(r.response_url),
                properties: r.resource_properties,
                old_properties: Some(r.old_resource_properties),
            },
            CloudFormationCustomResourceRequest::Delete(r) => Request {
                kind: RequestKind::Delete,
                request_id: r.request_id,
                stack_id: r.stack_id,
                resource_type: r.resource_type,
                logical_resource_id: r.logical_resource_id,
                physical_resource_id: Some(r.physical_resource_id),
                response_url: ResponseUrl::new(r.response_url),
                properties: r.resource_properties,
                old_properties: None,
            },
            // The enum is non-exhaustive: a future request type is refused, not guessed at.
            #[allow(unreachable_patterns)]
            _ => return Err(NotARequest("unknown RequestType".to_string())),
        })
    }

    /// The fields of a payload that failed to parse, enough to answer it (FAILED), if it has
    /// a response URL at all.
    pub fn salvage(payload: &Value) -> Option<Request> {
        let text = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_string);
        let kind = match text("RequestType").as_deref() {
            Some("Update") => RequestKind::Update,
            Some("Delete") => RequestKind::Delete,
            _ => RequestKind::Create,
        };
        Some(Request {
            kind,
            request_id: text("RequestId").unwrap_or_default(),
            stack_id: text("StackId").unwrap_or_default(),
            resource_type: text("ResourceType").unwrap_or_default(),
            logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
            physical_resource_id: text("PhysicalResourceId"),
            response_url: ResponseUrl::new(text("ResponseURL")?),
            properties: Value::Null,
            old_properties: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_parse_and_never_show_their_url() {
        let payload = json!({
            "RequestType": "Update",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "ResponseURL": "https://example.invalid/r?X-Amz-Signature=secret",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1",
            "LogicalResourceId": "Env",
            "PhysicalResourceId": "team-a-dev",
            "ResourceType": "Custom::SecureDsEnvironment",
            "ResourceProperties": {"Name": "team-a"},
            "OldResourceProperties": {"Name": "team-b"}
        });
        let r = Request::parse(&payload).unwrap();
        assert_eq!(r.kind, RequestKind::Update);
        assert_eq!(r.physical_resource_id.as_deref(), Some("team-a-dev"));
        assert_eq!(r.old_properties.unwrap()["Name"], "team-b");
        assert!(!format!("{:?}", Request::parse(&payload).unwrap()).contains("secret"));
        let broken = json!({"RequestType": "Delete", "ResponseURL": "http://x/y"});
        assert!(Request::parse(&broken).is_err());
        let salvaged = Request::salvage(&broken).unwrap();
        assert_eq!(salvaged.kind, RequestKind::Delete);
        assert!(Request::salvage(&json!({"foo": 1})).is_none());
    }
}
