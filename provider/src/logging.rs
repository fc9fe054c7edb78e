//! Logs on stderr, where Terraform picks them up, each event at its own level: `TF_LOG=INFO`
//! (or `TF_LOG_PROVIDER=INFO`) shows the engine's per-child progress, `TF_LOG=DEBUG` everything.
//!
//! Terraform (go-plugin) reads a plugin's stderr line by line: a line that is a JSON object in
//! hclog's shape (`@level`, `@message`, other keys as key=value pairs) is logged at its level;
//! any other line only at DEBUG. So every event is written as one such object, as the Go
//! plugin SDKs' own loggers do. No `@timestamp`: Terraform stamps each line itself, and refuses
//! the whole object (back to DEBUG) when a timestamp is not in hclog's exact format.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
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
        .event_format(HclogJson)
        .try_init();
}

/// One event as one line of hclog JSON.
struct HclogJson;

impl<S, N> FormatEvent<S, N> for HclogJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        writeln!(writer, "{}", hclog_line(event))
    }
}

/// The JSON object Terraform reads `event` from.
fn hclog_line(event: &Event<'_>) -> Value {
    let meta = event.metadata();
    let mut fields = Fields::default();
    event.record(&mut fields);
    let mut line = Map::new();
    line.insert("@level".into(), Value::from(hclog_level(*meta.level())));
    line.insert("@message".into(), Value::from(fields.message));
    line.insert("@module".into(), Value::from(meta.target()));
    for (key, value) in fields.others {
        line.entry(key).or_insert(value);
    }
    Value::Object(line)
}

/// hclog's name of a level.
fn hclog_level(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// An event's message and its other fields.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(String, Value)>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
        } else {
            self.others.push((field.name().to_string(), value));
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a subscriber with [`HclogJson`] writes for the events `log` makes.
    fn written(log: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let out = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || out.clone())
            .with_ansi(false)
            .with_max_level(Level::TRACE)
            .event_format(HclogJson)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let bytes = buffer.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn each_event_is_one_line_of_hclog_json_at_its_level() {
        let text = written(|| {
            let child = "studio-domain";
            tracing::info!(child, kind = "studio-domain", elapsed = %"2m10s", "{child}: applied in 2m10s");
            tracing::debug!(attempts = 3_u64, "detail");
        });
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["@level"], "info");
        assert_eq!(lines[0]["@message"], "studio-domain: applied in 2m10s");
        assert_eq!(lines[0]["child"], "studio-domain");
        assert_eq!(lines[0]["elapsed"], "2m10s");
        assert!(lines[0].get("@timestamp").is_none());
        assert_eq!(lines[1]["@level"], "debug");
        assert_eq!(lines[1]["attempts"], 3);
    }
}
