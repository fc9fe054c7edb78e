//! Carrying one CloudFormation request over several Lambda invocations.
//!
//! When the engine's deadline passes before an operation is done, the handler records the
//! ledger, re-invokes its own function asynchronously with the original event plus a
//! [`Continuation`] under [`CONTINUATION_KEY`], and does not answer yet. The next invocation
//! runs the same operation again from the recorded ledger: the engine adopts what exists and
//! carries on, so a repeated step is harmless.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The key the continuation state is added under in the re-invocation's payload.
pub const CONTINUATION_KEY: &str = "SecureMlopsContinuation";

/// Where a continued request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Continuation {
    /// How many invocations came before this one.
    pub count: u32,
    /// When the first invocation started, in seconds since the Unix epoch.
    pub started_at: u64,
}

impl Continuation {
    /// Splits a payload into the CloudFormation event and the continuation, if any.
    pub fn take_from(payload: &mut Value) -> Option<Continuation> {
        let value = payload.as_object_mut()?.remove(CONTINUATION_KEY)?;
        serde_json::from_value(value).ok()
    }

    /// The payload of the next invocation: `event` with this continuation added.
    pub fn payload(&self, event: &Value) -> Value {
        let mut payload = event.clone();
        if let Some(map) = payload.as_object_mut() {
            map.insert(
                CONTINUATION_KEY.to_string(),
                serde_json::to_value(self).unwrap_or(Value::Null),
            );
        }
        payload
    }
}

/// A boxed future, for the object-safe trait below.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Starts the next invocation. Behind a trait so tests run the continuation in-process.
pub trait Invoker: Send + Sync {
    /// Invokes `function` asynchronously with `payload`; an error text when it was refused.
    fn invoke_async<'a>(
        &'a self,
        function: &'a str,
        payload: Value,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// `lambda:InvokeFunction` with `InvocationType=Event` on the function's own ARN.
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    client: aws_sdk_lambda::Client,
}

impl LambdaInvoker {
    /// An invoker on `client`.
    pub fn new(client: aws_sdk_lambda::Client) -> Self {
        Self { client }
    }
}

impl Invoker for LambdaInvoker {
    fn invoke_async<'a>(
        &'a self,
        function: &'a str,
        payload: Value,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let bytes = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
            self.client
                .invoke()
                .function_name(function)
                .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
                .payload(aws_sdk_lambda::primitives::Blob::new(bytes))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    secure_mlops_core::aws::AwsCallError::from_sdk("lambda", "Invoke", e)
                        .to_string()
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_continuation_travels_beside_the_event() {
        let event = json!({"RequestType": "Create", "RequestId": "r"});
        let c = Continuation {
            count: 2,
            started_at: 1_700_000_000,
        };
        let mut payload = c.payload(&event);
        assert_eq!(payload[CONTINUATION_KEY]["Count"], 2);
        assert_eq!(Continuation::take_from(&mut payload), Some(c));
        assert_eq!(payload, event);
        assert_eq!(Continuation::take_from(&mut payload), None);
    }
}
