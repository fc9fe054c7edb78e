//! The response sees only the SageMaker calls CloudTrail records: a trail must log this
//! region's management write events. Checked at plan and at apply.

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};

use crate::aws::{AwsCallError, AwsClients};

/// What a trail's selectors say about management write events.
fn basic_logs_writes(selectors: &[EventSelector]) -> bool {
    selectors.iter().any(|s| {
        s.include_management_events().unwrap_or(true)
            && !matches!(s.read_write_type(), Some(ReadWriteType::ReadOnly))
    })
}

/// Advanced selectors: one that selects the `Management` category and does not limit it to
/// read-only events.
fn advanced_logs_writes(selectors: &[AdvancedEventSelector]) -> bool {
    selectors.iter().any(|s| {
        let fields = s.field_selectors();
        let management = fields
            .iter()
            .any(|f| f.field() == "eventCategory" && f.equals().iter().any(|v| v == "Management"));
        let read_only = fields
            .iter()
            .any(|f| f.field() == "readOnly" && f.equals().iter().any(|v| v == "true"));
        management && !read_only
    })
}

/// The name of a trail that records this region's management write events, or why there is
/// none.
pub async fn trail_logging_writes(
    clients: &AwsClients,
) -> Result<Result<String, String>, AwsCallError> {
    let ct = &clients.cloudtrail;
    let trails = ct
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("cloudtrail", "DescribeTrails", e))?;
    let mut seen = Vec::new();
    for trail in trails.trail_list() {
        let name = trail.name().unwrap_or_default().to_string();
        let arn = trail.trail_arn().unwrap_or(&name).to_string();
        let home = trail.home_region().unwrap_or_default();
        if home != clients.region && !trail.is_multi_region_trail().unwrap_or(false) {
            continue;
        }
        let status = ct
            .get_trail_status()
            .name(&arn)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("cloudtrail", "GetTrailStatus", e))?;
        if !status.is_logging().unwrap_or(false) {
            seen.push(format!("{name} (not logging)"));
            continue;
        }
        let selectors = ct
            .get_event_selectors()
            .trail_name(&arn)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("cloudtrail", "GetEventSelectors", e))?;
        let basic = selectors.event_selectors();
        let advanced = selectors.advanced_event_selectors();
        let logs = if !advanced.is_empty() {
            advanced_logs_writes(advanced)
        } else if !basic.is_empty() {
            basic_logs_writes(basic)
        } else {
            // A trail without selectors logs every management event.
            true
        };
        if logs {
            return Ok(Ok(name));
        }
        seen.push(format!("{name} (no management write events)"));
    }
    let found = if seen.is_empty() {
        "there is no trail".to_string()
    } else {
        format!("the trails here do not: {}", seen.join(", "))
    };
    Ok(Err(format!(
        "the security response acts on SageMaker API calls that CloudTrail records, and no CloudTrail trail logs the management write events of {}: {found}. Create a trail (a multi-region one, e.g. resource \"aws_cloudtrail\" with is_multi_region_trail = true and management events included), start its logging, and apply again",
        clients.region
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::AdvancedFieldSelector;

    fn field(name: &str, value: &str) -> AdvancedFieldSelector {
        AdvancedFieldSelector::builder()
            .field(name)
            .equals(value)
            .build()
            .unwrap()
    }

    #[test]
    fn basic_selectors_must_include_management_writes() {
        let all = EventSelector::builder()
            .include_management_events(true)
            .read_write_type(ReadWriteType::All)
            .build();
        let read_only = EventSelector::builder()
            .include_management_events(true)
            .read_write_type(ReadWriteType::ReadOnly)
            .build();
        let data_only = EventSelector::builder()
            .include_management_events(false)
            .build();
        assert!(basic_logs_writes(&[all]));
        assert!(!basic_logs_writes(&[read_only.clone(), data_only]));
        assert!(!basic_logs_writes(&[read_only]));
    }

    #[test]
    fn advanced_selectors_must_select_management_not_only_reads() {
        let management = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", "Management"))
            .build()
            .unwrap();
        let reads = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", "Management"))
            .field_selectors(field("readOnly", "true"))
            .build()
            .unwrap();
        let data = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", "Data"))
            .build()
            .unwrap();
        assert!(advanced_logs_writes(&[data.clone(), management]));
        assert!(!advanced_logs_writes(&[reads, data]));
    }
}
