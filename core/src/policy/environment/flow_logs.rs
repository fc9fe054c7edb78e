//! Policies of the role VPC flow logs deliver to CloudWatch Logs with.
//!
//! * [`flow_logs_trust_policy`]: only the VPC Flow Logs service may assume the role, and only on
//!   behalf of flow logs of the environment's own account and region (confused-deputy guard:
//!   another account's flow log cannot name this role and write into our log group).
//! * [`flow_logs_delivery_policy`]: what delivery needs (create streams, put events, describe
//!   the streams), only on the environment's log groups: the names under
//!   [`EnvironmentFacts::log_group_name_prefix`], which are also the only groups the data key
//!   encrypts. `logs:DescribeLogGroups` is a list call that takes no resource (IAM matches it
//!   only against `"*"`; on a log-group ARN it would never be allowed), so it has its own
//!   statement; it returns names and settings of the account's log groups, no log data.

use serde_json::{json, Value};

use super::{document, EnvironmentFacts};

/// Sid of the trust statement letting VPC Flow Logs assume the role.
pub const SID_FLOW_LOGS_ASSUME_ROLE: &str = "AllowVpcFlowLogsAssumeRole";
/// Sid of the statement allowing delivery into the environment's log groups.
pub const SID_FLOW_LOGS_DELIVERY: &str = "AllowFlowLogDeliveryToEnvironmentLogGroups";
/// Sid of the statement allowing the log-group listing delivery makes first.
pub const SID_FLOW_LOGS_DESCRIBE_GROUPS: &str = "AllowFlowLogDescribeLogGroups";

/// The service principal of VPC flow logs.
pub const FLOW_LOGS_SERVICE: &str = "vpc-flow-logs.amazonaws.com";

/// What flow-log delivery calls on the log group and its streams.
pub const DELIVERY_ACTIONS: &[&str] = &[
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
];

/// The list call delivery makes first; it takes no resource.
pub const DESCRIBE_GROUPS_ACTION: &str = "logs:DescribeLogGroups";

/// The trust policy of the flow-log role: `vpc-flow-logs.amazonaws.com`, for flow logs of the
/// environment's account (and, by ARN, region) only.
pub fn flow_logs_trust_policy(facts: &EnvironmentFacts) -> Value {
    document(vec![json!({
        "Sid": SID_FLOW_LOGS_ASSUME_ROLE,
        "Effect": "Allow",
        "Principal": { "Service": FLOW_LOGS_SERVICE },
        "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": { "aws:SourceAccount": facts.account_id },
            "ArnLike": {
                "aws:SourceArn": format!(
                    "arn:{}:ec2:{}:{}:vpc-flow-log/*",
                    facts.partition, facts.region, facts.account_id
                )
            }
        }
    })])
}

/// The inline policy of the flow-log role: delivery into the environment's log groups and their
/// streams, nothing else.
pub fn flow_logs_delivery_policy(facts: &EnvironmentFacts) -> Value {
    let groups = facts.log_group_arn_pattern();
    document(vec![
        json!({
            "Sid": SID_FLOW_LOGS_DELIVERY,
            "Effect": "Allow",
            "Action": DELIVERY_ACTIONS,
            "Resource": [groups.clone(), format!("{groups}:*")],
        }),
        json!({
            "Sid": SID_FLOW_LOGS_DESCRIBE_GROUPS,
            "Effect": "Allow",
            "Action": DESCRIBE_GROUPS_ACTION,
            "Resource": "*",
        }),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::{
        assert_well_formed, facts, glob_matches, sids, statement, strings,
    };

    #[test]
    fn only_vpc_flow_logs_of_the_account_may_assume_the_role() {
        let doc = flow_logs_trust_policy(&facts());
        assert_well_formed(&doc);
        assert_eq!(sids(&doc), [SID_FLOW_LOGS_ASSUME_ROLE]);
        let s = statement(&doc, SID_FLOW_LOGS_ASSUME_ROLE);
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(
            s["Principal"],
            json!({ "Service": "vpc-flow-logs.amazonaws.com" })
        );
        assert_eq!(strings(&s["Action"]), ["sts:AssumeRole"]);
        assert_eq!(
            s["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
        let source = s["Condition"]["ArnLike"]["aws:SourceArn"].as_str().unwrap();
        assert!(glob_matches(
            source,
            "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/fl-0123"
        ));
        assert!(!glob_matches(
            source,
            "arn:aws:ec2:eu-west-1:999999999999:vpc-flow-log/fl-0123"
        ));
        assert!(!glob_matches(
            source,
            "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/fl-0123"
        ));
    }

    #[test]
    fn delivery_is_limited_to_the_environments_log_groups() {
        let doc = flow_logs_delivery_policy(&facts());
        assert_well_formed(&doc);
        assert_eq!(
            sids(&doc),
            [SID_FLOW_LOGS_DELIVERY, SID_FLOW_LOGS_DESCRIBE_GROUPS]
        );
        // The list call alone on "*": it names no log group, so it cannot be scoped to one.
        let describe = statement(&doc, SID_FLOW_LOGS_DESCRIBE_GROUPS);
        assert_eq!(strings(&describe["Action"]), ["logs:DescribeLogGroups"]);
        assert_eq!(describe["Resource"], "*");
        let s = statement(&doc, SID_FLOW_LOGS_DELIVERY);
        assert_eq!(s["Effect"], "Allow");
        let mut actions = strings(&s["Action"]);
        actions.sort_unstable();
        assert_eq!(
            actions,
            [
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents"
            ]
        );
        // Nothing that could delete, read back or re-key logs.
        for a in &actions {
            assert!(
                !a.contains("Delete") && !a.contains("Get") && !a.contains("Kms"),
                "{a}"
            );
        }
        let resources = strings(&s["Resource"]);
        let group =
            "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-a/dev/vpc-flow-logs";
        let stream = format!("{group}:log-stream:eni-0abc-all");
        assert!(resources.iter().any(|r| glob_matches(r, group)));
        assert!(resources.iter().any(|r| glob_matches(r, &stream)));
        for other in [
            "arn:aws:logs:eu-west-1:123456789012:log-group:/secure-mlops/team-b/dev/vpc-flow-logs",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x",
            "arn:aws:logs:eu-west-1:999999999999:log-group:/secure-mlops/team-a/dev/x",
            "arn:aws:logs:us-east-1:123456789012:log-group:/secure-mlops/team-a/dev/x",
        ] {
            assert!(
                !resources.iter().any(|r| glob_matches(r, other)),
                "{other} is reachable"
            );
        }
    }

    #[test]
    fn documents_follow_the_partition() {
        let mut f = facts();
        f.partition = "aws-cn".into();
        f.region = "cn-north-1".into();
        let trust = flow_logs_trust_policy(&f).to_string();
        let delivery = flow_logs_delivery_policy(&f).to_string();
        assert!(trust.contains("arn:aws-cn:ec2:cn-north-1:"), "{trust}");
        assert!(
            delivery.contains("arn:aws-cn:logs:cn-north-1:"),
            "{delivery}"
        );
        assert!(!delivery.contains("arn:aws:"), "{delivery}");
    }
}
