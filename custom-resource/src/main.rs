//! `bootstrap`: the custom-resource Lambda (`provided.al2023`), which is also the security
//! response's and the audit's function: the event's shape selects the handler
//! ([`secure_mlops_custom_resource::security`]).
//!
//! Reads its settings from the environment ([`Settings::from_env`]; AWS region, credentials
//! and `AWS_ENDPOINT_URL` the standard way), then serves the Lambda Runtime API
//! (`AWS_LAMBDA_RUNTIME_API`) with [`Handler::handle`]. Every invocation returns success to
//! Lambda once CloudFormation has been answered (or the request handed to the next
//! invocation): a Lambda-level retry would only deliver the event again. The exception is a
//! request whose `ResponseURL` is not CloudFormation's ([`Outcome::Refused`]): nothing can be
//! answered, so the invocation fails.

// The runtime's service future holds three handlers' futures: its layout nests deeper than the
// default limit of 128 allows.
#![recursion_limit = "256"]
use std::sync::Arc;

use lambda_runtime::tracing::subscriber::{
    self, filter::filter_fn, filter::EnvFilter, filter::LevelFilter, layer::SubscriberExt,
    util::SubscriberInitExt, Layer,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use secure_mlops_custom_resource::{shape, EventShape, Handler, Invocation, Outcome, Settings};
use serde_json::Value;

/// Logs to stdout (CloudWatch Logs), at `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (default INFO),
/// as JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`. The runtime's and the HTTP stack's TRACE events
/// are always dropped: they print raw event bodies and request lines, which hold the response
/// URL, a bearer credential.
fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_string());
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse_lossy(level.to_lowercase());
    let no_secrets = filter_fn(|meta| {
        let noisy = ["lambda_runtime", "hyper", "h2", "aws_smithy", "rustls"]
            .iter()
            .any(|prefix| meta.target().starts_with(prefix));
        !(noisy && *meta.level() == lambda_runtime::tracing::Level::TRACE)
    });
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let base = subscriber::fmt::layer()
        .with_target(false)
        .without_time()
        .with_writer(std::io::stdout);
    let layer = if json {
        base.json()
            .with_filter(filter)
            .with_filter(no_secrets)
            .boxed()
    } else {
        base.with_filter(filter).with_filter(no_secrets).boxed()
    };
    subscriber::registry().with(layer).init();
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    // The AWS SDK enables rustls' aws-lc-rs back end and other crates may enable ring; rustls
    // then refuses to choose one itself. Choose aws-lc-rs, the SDK's, before any TLS.
    if rustls::crypto::aws_lc_rs::default_provider()
        .install_default()
        .is_err()
    {
        lambda_runtime::tracing::debug!("a rustls crypto provider was already installed");
    }
    let handler = Arc::new(Handler::for_lambda(Settings::from_env()).await);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            // One binary, three handlers, told apart by the event's shape.
            match shape(&event.payload) {
                EventShape::SecurityEvent => {
                    return Box::pin(handler.respond(&event.payload))
                        .await
                        .map_err(Error::from)
                }
                EventShape::Audit => {
                    return handler.audit(&event.payload).await.map_err(Error::from)
                }
                EventShape::CustomResource => {}
            }
            let invocation = Invocation {
                deadline: event.context.deadline(),
                function_arn: event.context.invoked_function_arn.clone(),
            };
            let outcome = handler.handle(event.payload, invocation).await;
            lambda_runtime::tracing::debug!(?outcome, "invocation done");
            // A request whose ResponseURL is not CloudFormation's fails the invocation (its
            // reason never quotes the URL's query), so it shows in the function's errors.
            if let Outcome::Refused { why } = outcome {
                return Err(Error::from(why));
            }
            Ok::<Value, Error>(Value::Null)
        }
    }))
    .await
}
