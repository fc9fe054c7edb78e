//! Logs on stderr, where Terraform picks them up (shown with `TF_LOG=DEBUG` or
//! `TF_LOG_PROVIDER=DEBUG`).

use tracing_subscriber::EnvFilter;

/// Environment variable that overrides the log filter (`tracing` directive syntax).
const FILTER_VAR: &str = "SAGEMAKER_PROVIDER_LOG";
/// Our crates at debug, the AWS SDK and the gRPC stack quieter: their debug output is large and
/// would carry request details.
const DEFAULT_FILTER: &str = "info,terraform_provider_sagemaker=debug,secure_mlops_core=debug,aws_smithy_runtime=warn,aws_config=warn,h2=warn,tower=warn,hyper=warn";

/// Installs the stderr logger, unless `PLUGIN_LOG_FILE` asks `tf-provider` to install its own
/// (a second global logger would make it panic).
pub(crate) fn init() {
    // Backtraces make every diagnostic unreadable when RUST_BACKTRACE=1 is set in the user's
    // shell; keep them for panics only.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    if std::env::var_os("PLUGIN_LOG_FILE").is_some() {
        return;
    }
    let filter =
        EnvFilter::try_from_env(FILTER_VAR).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true)
        .try_init();
}
