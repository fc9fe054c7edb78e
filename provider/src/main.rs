//! `terraform-provider-sagemaker`: the Terraform front end of the secure SageMaker engine.
//!
//! Terraform starts this binary and talks tfplugin6 over gRPC (the `tf-provider` crate serves
//! the protocol). This crate only maps Terraform values to the core's specs and back, and core
//! errors to diagnostics on attribute paths; every AWS call happens in `secure-mlops-core`.

mod diagnostics;
mod logging;
mod provider;
mod resources;
mod schema;
mod timeouts;

use provider::SageMakerProvider;

/// The provider's type name: resource types are `sagemaker_<name>`.
const PROVIDER_NAME: &str = "sagemaker";

#[tokio::main]
async fn main() {
    logging::init();
    // Both rustls crypto back ends end up in the build (the AWS SDK and tonic each enable one),
    // and rustls then refuses to pick: choose ring, the one tonic and Terraform's mTLS handshake were tested with, before Terraform's mTLS handshake.
    if rustls::crypto::ring::default_provider()
        .install_default()
        .is_err()
    {
        tracing::debug!("a rustls crypto provider was already installed");
    }
    tracing::debug!(version = env!("CARGO_PKG_VERSION"), "provider starting");
    if let Err(err) = tf_provider::serve(PROVIDER_NAME, SageMakerProvider::default()).await {
        tracing::error!(error = %err, "provider server stopped with an error");
        eprintln!("terraform-provider-sagemaker: {err}");
        std::process::exit(1);
    }
}
