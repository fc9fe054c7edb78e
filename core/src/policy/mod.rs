//! IAM policy documents the engine writes, built as JSON values so tests can inspect them.

pub mod environment;
pub(crate) mod glob;
pub mod projects_roles;
pub mod security_response;

use serde_json::{json, Value};

/// A trust policy letting the given AWS services assume a role.
pub fn service_trust_policy(services: &[&str]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": services },
            "Action": "sts:AssumeRole"
        }]
    })
}
