//! CloudFormation custom-resource events for the tests, built like the user story reads:
//! `EventBuilder::update(TYPE).physical_id("team-dev").properties(new).old_properties(old)`.
//! Shared by `custom_resource` and `lambda_process` (`#[path]`-included: not a test target).

// Each test binary uses only part of it.
#![allow(dead_code)]

use serde_json::{json, Value};

/// The function's ARN, CloudFormation's `ServiceToken` (added to the properties as well).
pub(crate) const FUNCTION_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:secure-mlops-cr";

/// The stack the events come from unless [`EventBuilder::stack_id`] says otherwise.
pub(crate) const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/ds-team/0f1e2d3c-aaaa-bbbb-cccc-000000000001";

/// One event, as the fixtures of aws_lambda_events show them.
#[derive(Debug, Clone)]
pub(crate) struct EventBuilder {
    request_type: &'static str,
    resource_type: String,
    logical_id: String,
    stack_id: String,
    request_id: String,
    response_url: String,
    physical_id: Option<String>,
    properties: Value,
    old_properties: Option<Value>,
}

impl EventBuilder {
    fn new(request_type: &'static str, resource_type: &str) -> Self {
        EventBuilder {
            request_type,
            resource_type: resource_type.to_string(),
            logical_id: "Resource".to_string(),
            stack_id: STACK_ID.to_string(),
            request_id: "req-1".to_string(),
            response_url: String::new(),
            physical_id: None,
            properties: json!({}),
            old_properties: None,
        }
    }

    /// A Create of `resource_type`.
    pub(crate) fn create(resource_type: &str) -> Self {
        Self::new("Create", resource_type)
    }

    /// An Update of `resource_type` (give it the [`physical_id`](Self::physical_id)).
    pub(crate) fn update(resource_type: &str) -> Self {
        Self::new("Update", resource_type)
    }

    /// A Delete of `resource_type` (give it the [`physical_id`](Self::physical_id)).
    pub(crate) fn delete(resource_type: &str) -> Self {
        Self::new("Delete", resource_type)
    }

    /// The resource's logical id in the template (default `Resource`).
    pub(crate) fn logical_id(mut self, id: &str) -> Self {
        self.logical_id = id.to_string();
        self
    }

    /// The stack sending the event (default [`STACK_ID`]).
    pub(crate) fn stack_id(mut self, id: &str) -> Self {
        self.stack_id = id.to_string();
        self
    }

    /// The request's id and where its answer goes.
    pub(crate) fn request(mut self, request_id: &str, response_url: &str) -> Self {
        self.request_id = request_id.to_string();
        self.response_url = response_url.to_string();
        self
    }

    /// The id the function answered for the resource before.
    pub(crate) fn physical_id(mut self, id: &str) -> Self {
        self.physical_id = Some(id.to_string());
        self
    }

    /// The resource's properties (the new ones on an Update).
    pub(crate) fn properties(mut self, properties: Value) -> Self {
        self.properties = properties;
        self
    }

    /// An Update's previous properties.
    pub(crate) fn old_properties(mut self, properties: Value) -> Self {
        self.old_properties = Some(properties);
        self
    }

    /// The event's JSON; `ServiceToken` is added to the properties, as CloudFormation does.
    pub(crate) fn build(self) -> Value {
        let mut props = self.properties;
        props["ServiceToken"] = json!(FUNCTION_ARN);
        let mut event = json!({
            "RequestType": self.request_type,
            "ServiceToken": FUNCTION_ARN,
            "ResponseURL": self.response_url,
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "ResourceProperties": props,
        });
        if let Some(id) = self.physical_id {
            event["PhysicalResourceId"] = json!(id);
        }
        if let Some(mut old) = self.old_properties {
            old["ServiceToken"] = json!(FUNCTION_ARN);
            event["OldResourceProperties"] = old;
        }
        event
    }
}
