//! The time one invocation may use: when the engine stops, when the watchdog answers, and
//! whether a continuation may still follow. Pure arithmetic on durations from the start of
//! the invocation, so it is tested without a clock.

use std::time::Duration;

use crate::settings::Settings;

/// CloudFormation's longest wait for a custom resource (and the default `ServiceTimeout`).
pub const CLOUDFORMATION_TIMEOUT: Duration = Duration::from_secs(3600);

/// Where one invocation stands in time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    /// Until the Lambda deadline.
    pub(crate) remaining: Duration,
    /// Since the request's first invocation started.
    pub(crate) elapsed: Duration,
    /// Invocations before this one.
    pub(crate) count: u32,
    /// The request's `ServiceTimeout` property in seconds, when it has one.
    pub(crate) service_timeout: Option<u64>,
}

/// What one invocation may use, in durations from its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Budget {
    /// How long the engine may work.
    pub(crate) work: Duration,
    /// When the watchdog stops the work and answers FAILED.
    pub(crate) answer_by: Duration,
    /// True when no continuation may start any more (count or time used up).
    pub(crate) last_chance: bool,
    /// Why it is the last chance (empty otherwise), for the reason.
    pub(crate) note: String,
}

impl Budget {
    /// The budget of an invocation at `clock` under `settings`.
    pub(crate) fn of(settings: &Settings, clock: Clock) -> Budget {
        // The engine stops `margin` before the Lambda deadline; the watchdog half-way through
        // the margin at the latest, so recording and answering always have time.
        let margin = settings.margin.min(clock.remaining / 3);
        let reserve = settings.answer_reserve.min(margin / 2);
        let lambda_work = clock.remaining.saturating_sub(margin);
        // The whole request may run until CloudFormation's ServiceTimeout, less a margin.
        let service_timeout = clock
            .service_timeout
            .map(Duration::from_secs)
            .unwrap_or(CLOUDFORMATION_TIMEOUT)
            .min(CLOUDFORMATION_TIMEOUT);
        let request_work = service_timeout
            .saturating_sub(settings.service_timeout_margin)
            .saturating_sub(clock.elapsed);
        let invocations = clock.count.saturating_add(1);
        let (last_chance, note) = if clock.count >= settings.max_continuations {
            (
                true,
                format!("Not finished after {invocations} invocation(s) (the limit)"),
            )
        } else if request_work <= lambda_work {
            (
                true,
                format!(
                    "Not finished within the resource's ServiceTimeout ({} s) after {invocations} invocation(s)",
                    service_timeout.as_secs(),
                ),
            )
        } else {
            (false, String::new())
        };
        Budget {
            work: lambda_work.min(request_work),
            answer_by: clock.remaining.saturating_sub(reserve),
            last_chance,
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn clock(remaining: Duration) -> Clock {
        Clock {
            remaining,
            elapsed: Duration::ZERO,
            count: 0,
            service_timeout: None,
        }
    }

    #[test]
    fn a_first_invocation_works_until_the_margin_and_may_continue() {
        let b = Budget::of(&Settings::default(), clock(secs(900)));
        assert_eq!(
            b,
            Budget {
                work: secs(870),
                answer_by: secs(895),
                last_chance: false,
                note: String::new(),
            }
        );
    }

    #[test]
    fn a_short_invocation_keeps_a_third_for_the_margin_and_half_of_that_for_the_answer() {
        let b = Budget::of(&Settings::default(), clock(secs(9)));
        assert_eq!(b.work, secs(6));
        assert_eq!(b.answer_by, Duration::from_millis(7500));
        assert!(!b.last_chance);
    }

    #[test]
    fn no_time_left_gives_no_work_and_no_panic() {
        let b = Budget::of(&Settings::default(), clock(Duration::ZERO));
        assert_eq!((b.work, b.answer_by), (Duration::ZERO, Duration::ZERO));
    }

    #[test]
    fn the_last_allowed_continuation_is_the_last_chance() {
        let settings = Settings::default();
        let at = |count| {
            Budget::of(
                &settings,
                Clock {
                    count,
                    ..clock(secs(900))
                },
            )
        };
        assert!(!at(29).last_chance);
        let b = at(30);
        assert!(b.last_chance);
        assert_eq!(b.note, "Not finished after 31 invocation(s) (the limit)");
        assert_eq!(b.work, secs(870), "the limit does not shorten the work");
    }

    #[test]
    fn the_service_timeout_less_its_margin_bounds_the_whole_request() {
        let b = Budget::of(
            &Settings::default(),
            Clock {
                elapsed: secs(3000),
                count: 3,
                ..clock(secs(900))
            },
        );
        // 3600 - 60 - 3000 s left of the request, less than the invocation's 870 s.
        assert_eq!(b.work, secs(540));
        assert!(b.last_chance);
        assert_eq!(
            b.note,
            "Not finished within the resource's ServiceTimeout (3600 s) after 4 invocation(s)"
        );
        let past = Budget::of(
            &Settings::default(),
            Clock {
                elapsed: secs(4000),
                ..clock(secs(900))
            },
        );
        assert_eq!(past.work, Duration::ZERO);
        assert!(past.last_chance);
    }

    #[test]
    fn a_service_timeout_property_is_used_up_to_cloudformations_hour() {
        let with = |timeout| {
            Budget::of(
                &Settings::default(),
                Clock {
                    service_timeout: Some(timeout),
                    ..clock(secs(900))
                },
            )
        };
        let short = with(300);
        assert_eq!(short.work, secs(240));
        assert!(
            short.note.contains("ServiceTimeout (300 s)"),
            "{}",
            short.note
        );
        let long = with(7200);
        assert_eq!(long.work, secs(870));
        assert!(!long.last_chance);
        // Exactly as much request time as invocation time: no later invocation could help.
        let even = with(60 + 870);
        assert_eq!(even.work, secs(870));
        assert!(even.last_chance);
    }
}
