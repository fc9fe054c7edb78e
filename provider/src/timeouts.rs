//! The `timeouts` block: Go duration strings ("20m", "1h30m") with a default per operation.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::schema::{block, optional};

/// Parses a Go duration string: a sequence of decimal numbers each with a unit
/// (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `1h30m`, `90s`, `1.5h`. Negative durations and
/// a bare number are refused, as Terraform's providers do.
pub(crate) fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("{text:?} is not a duration: use a number and a unit such as \"30m\", \"1h30m\" or \"90s\"")
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if number_len == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..number_len].parse().map_err(|_| bad())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// The duration `timeouts.<which>` says, or `default` when it is not set; an error diagnostic
/// on the attribute (and `None`) when it is not a duration.
pub(crate) fn timeout_or_default(
    diags: &mut Diagnostics,
    text: Option<&String>,
    which: &'static str,
    default: Duration,
) -> Option<Duration> {
    match text.map(|t| parse_go_duration(t)) {
        None => Some(default),
        Some(Ok(d)) => Some(d),
        Some(Err(why)) => {
            diags.error(
                "Invalid Timeout",
                format!("timeouts.{which}: {why}"),
                AttributePath::new("timeouts").attribute(which),
            );
            None
        }
    }
}

/// Checks the `timeouts.<name>` values given; true when each is a duration. Errors are on
/// their attribute.
pub(crate) fn check_durations<'a>(
    diags: &mut Diagnostics,
    given: impl IntoIterator<Item = (&'static str, &'a Value<String>)>,
) -> bool {
    let mut ok = true;
    for (name, value) in given {
        if let Value::Value(text) = value {
            if let Err(why) = parse_go_duration(text) {
                diags.error(
                    "Invalid Timeout",
                    format!("timeouts.{name}: {why}"),
                    AttributePath::new("timeouts").attribute(name),
                );
                ok = false;
            }
        }
    }
    ok
}

/// A `timeouts` block of `create` (create and update) and `delete`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct CreateDelete {
    pub(crate) create: Value<String>,
    pub(crate) delete: Value<String>,
}

impl CreateDelete {
    /// The block's schema, with each default in words (`"20m"`).
    pub(crate) fn schema(create_default: &str, delete_default: &str) -> Block {
        block(
            "How long operations may take, as Go duration strings (`\"30m\"`, `\"1h\"`).",
            vec![
                (
                    "create",
                    optional(
                        AttributeType::String,
                        &format!("Limit for create and update. Default `{create_default}`."),
                    ),
                ),
                (
                    "delete",
                    optional(
                        AttributeType::String,
                        &format!("Limit for destroy. Default `{delete_default}`."),
                    ),
                ),
            ],
            vec![],
        )
    }

    /// Checks a configured block; true when nothing is wrong.
    pub(crate) fn check(diags: &mut Diagnostics, timeouts: &Value<CreateDelete>) -> bool {
        match timeouts {
            Value::Value(t) => {
                check_durations(diags, [("create", &t.create), ("delete", &t.delete)])
            }
            _ => true,
        }
    }

    /// The limit of `which` (`"create"` or `"delete"`), or `default`.
    pub(crate) fn limit(
        diags: &mut Diagnostics,
        timeouts: &Value<CreateDelete>,
        which: &'static str,
        default: Duration,
    ) -> Option<Duration> {
        let text = timeouts.as_ref_option().and_then(|t| match which {
            "create" => t.create.as_ref_option(),
            _ => t.delete.as_ref_option(),
        });
        timeout_or_default(diags, text, which, default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("20m"), Ok(Duration::from_secs(1200)));
        assert_eq!(parse_go_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in ["", "20", "m", "-5m", "5 minutes", "1d", "1h 30m"] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
