//! `terraform-provider-sagemaker`: the Terraform front end of the secure SageMaker engine.
//!
//! Terraform starts this binary and talks tfplugin6 over gRPC (the `tf-provider` crate serves
//! the protocol). This crate only maps Terraform values to the core's specs and back, and core
//! errors to diagnostics on attribute paths; every AWS call happens in `secure-mlops-core`.

mod data_sources;
mod diagnostics;
mod logging;
mod provider;
mod resources;
mod schema;
mod timeouts;

use provider::SageMakerProvider;

/// The provider's type name: resource types are `sagemaker_<name>`.
const PROVIDER_NAME: &str = "sagemaker";

// One thread: everything the provider does is waiting on Terraform or on AWS, and the engine's
// concurrency is futures, not threads. Measured in bench/ (20 environments applied through one
// provider): the peak resident memory went from 61 MB with the multi-thread runtime (each worker
// and blocking thread gets an allocator arena of its own) to 57 MB, and the apply got no slower
// (22-24 s against 24-27 s).
fn main() {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("terraform-provider-sagemaker: cannot start the async runtime: {err}");
            std::process::exit(1);
        }
    };
    runtime.block_on(serve());
}

async fn serve() {
    logging::init();
    // Both rustls crypto back ends end up in the build (the AWS SDK and tonic each enable one),
    // and rustls then refuses to pick: choose ring, the one tonic and Terraform's mTLS handshake
    // were tested with.
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
