//! The security response's documents: the function role's permissions (least privilege: reads,
//! the stop and delete calls only on what it tagged itself, tags only with its own key), its
//! trust policy, and the dead-letter queue's policy.

use serde_json::{json, Value};

use crate::ids::ENVIRONMENT_TAG;
use crate::response::act::RESPONSE_TAG;

/// The path the function's role is created under, so a deployer policy can be limited to it.
pub const ROLE_PATH: &str = "/secure-mlops-response/";

/// What the documents name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFacts {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// The account.
    pub account_id: String,
    /// The region.
    pub region: String,
    /// The response's name (function, role, rule, topic; queue `<name>-dlq`).
    pub name: String,
    /// The topic, when the mode notifies.
    pub topic_arn: Option<String>,
    /// The key of the topic and queue, when one is given.
    pub kms_key_arn: Option<String>,
}

impl ResponseFacts {
    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account_id
        )
    }

    /// The dead-letter queue's ARN.
    pub fn queue_arn(&self) -> String {
        self.arn("sqs", &format!("{}-dlq", self.name))
    }

    /// The rule's ARN.
    pub fn rule_arn(&self) -> String {
        self.arn("events", &format!("rule/{}", self.name))
    }

    /// The function's log group's ARN.
    pub fn log_group_arn(&self) -> String {
        self.arn("logs", &format!("log-group:/aws/lambda/{}", self.name))
    }
}

/// The SageMaker resources a stop or delete applies to.
const STOP_RESOURCES: &[(&str, &[&str])] = &[
    ("training-job", &["sagemaker:StopTrainingJob"]),
    ("processing-job", &["sagemaker:StopProcessingJob"]),
    ("transform-job", &["sagemaker:StopTransformJob"]),
    (
        "hyper-parameter-tuning-job",
        &["sagemaker:StopHyperParameterTuningJob"],
    ),
    ("automl-job", &["sagemaker:StopAutoMLJob"]),
    ("notebook-instance", &["sagemaker:StopNotebookInstance"]),
    ("app", &["sagemaker:DeleteApp"]),
];

/// The SageMaker reads the handler makes (Describe calls of the resources it judges, the
/// domain's tags, the environment's scope).
pub const SAGEMAKER_READS: &[&str] = &[
    "sagemaker:DescribeApp",
    "sagemaker:DescribeAutoMLJobV2",
    "sagemaker:DescribeDomain",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:DescribeModel",
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:DescribeSpace",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:DescribeUserProfile",
    "sagemaker:ListTags",
];

/// The function role's permissions.
pub fn function_policy(facts: &ResponseFacts) -> Value {
    let sm = |resource: &str| facts.arn("sagemaker", resource);
    let stop_actions: Vec<&str> = STOP_RESOURCES
        .iter()
        .flat_map(|(_, actions)| actions.iter().copied())
        .collect();
    let stop_resources: Vec<String> = STOP_RESOURCES
        .iter()
        .map(|(kind, _)| sm(&format!("{kind}/*")))
        .collect();
    let taggable: Vec<String> = [
        "training-job",
        "processing-job",
        "transform-job",
        "hyper-parameter-tuning-job",
        "automl-job",
        "notebook-instance",
        "model",
        "endpoint-config",
        "app",
        "space",
        "domain",
        "user-profile",
    ]
    .iter()
    .map(|kind| sm(&format!("{kind}/*")))
    .collect();
    let mut statements = vec![
        json!({
            "Sid": "ReadSageMakerResources",
            "Effect": "Allow",
            "Action": SAGEMAKER_READS,
            "Resource": sm("*")
        }),
        // ListDomains names no resource in IAM.
        json!({
            "Sid": "FindEnvironmentDomains",
            "Effect": "Allow",
            "Action": "sagemaker:ListDomains",
            "Resource": "*"
        }),
        json!({
            "Sid": "ReadEnvironmentScope",
            "Effect": "Allow",
            "Action": ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "kms:ListAliases"],
            "Resource": "*"
        }),
        json!({
            "Sid": "ReadEnvironmentRolesAndGuardrails",
            "Effect": "Allow",
            "Action": ["iam:ListRoleTags", "iam:GetPolicy", "iam:GetPolicyVersion"],
            "Resource": [
                format!("arn:{}:iam::{}:role/*", facts.partition, facts.account_id),
                format!("arn:{}:iam::{}:policy/*", facts.partition, facts.account_id)
            ]
        }),
        // The response tags what it judged, with its own key only; it cannot add or change any
        // other tag (so it cannot make a resource look like an environment's).
        json!({
            "Sid": "TagWithTheResponseKeyOnly",
            "Effect": "Allow",
            "Action": "sagemaker:AddTags",
            "Resource": taggable,
            "Condition": {
                "ForAllValues:StringEquals": { "aws:TagKeys": [RESPONSE_TAG] }
            }
        }),
        // Stops and deletes reach only what carries the response tag: what this function
        // judged non-compliant and tagged first.
        json!({
            "Sid": "StopWhatTheResponseTagged",
            "Effect": "Allow",
            "Action": stop_actions,
            "Resource": stop_resources,
            "Condition": {
                "Null": { format!("aws:ResourceTag/{RESPONSE_TAG}"): "false" }
            }
        }),
        // Studio settings go back to the environment's only on the environment's own domain
        // and profiles (the engine tags them).
        json!({
            "Sid": "RestoreEnvironmentStudioSettings",
            "Effect": "Allow",
            "Action": ["sagemaker:UpdateDomain", "sagemaker:UpdateUserProfile"],
            "Resource": [sm("domain/*"), sm("user-profile/*/*")],
            "Condition": {
                "Null": { format!("aws:ResourceTag/{ENVIRONMENT_TAG}"): "false" }
            }
        }),
        json!({
            "Sid": "WriteItsLog",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": format!("{}:*", facts.log_group_arn())
        }),
        json!({
            "Sid": "DeadLetterQueue",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": facts.queue_arn()
        }),
    ];
    if let Some(topic) = &facts.topic_arn {
        statements.push(json!({
            "Sid": "Notify",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": topic
        }));
    }
    if let Some(key) = &facts.kms_key_arn {
        statements.push(json!({
            "Sid": "EncryptNotificationsAndDeadLetters",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": key,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": [
                        format!("sns.{}.amazonaws.com", facts.region),
                        format!("sqs.{}.amazonaws.com", facts.region)
                    ]
                }
            }
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// Lambda may assume the role, for functions of this account only.
pub fn function_trust_policy(facts: &ResponseFacts) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "lambda.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": facts.account_id } }
        }]
    })
}

/// EventBridge may put events that its rule could not deliver into the dead-letter queue.
pub fn queue_policy(facts: &ResponseFacts) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "RuleDeadLetters",
            "Effect": "Allow",
            "Principal": { "Service": "events.amazonaws.com" },
            "Action": "sqs:SendMessage",
            "Resource": facts.queue_arn(),
            "Condition": { "ArnEquals": { "aws:SourceArn": facts.rule_arn() } }
        }]
    })
}

/// The rule's event pattern: the SageMaker calls the handler acts on, as CloudTrail records
/// them.
pub fn event_pattern() -> Value {
    json!({
        "source": ["aws.sagemaker"],
        "detail-type": [crate::response::event::CLOUDTRAIL_DETAIL_TYPE],
        "detail": {
            "eventSource": ["sagemaker.amazonaws.com"],
            "eventName": crate::response::event::EVENT_NAMES
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ResponseFacts {
        ResponseFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "secure-mlops-response".into(),
            topic_arn: Some("arn:aws:sns:eu-west-1:123456789012:secure-mlops-response".into()),
            kms_key_arn: Some("arn:aws:kms:eu-west-1:123456789012:key/k".into()),
        }
    }

    fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid}"))
    }

    #[test]
    fn stops_need_the_response_tag_and_tags_are_only_the_response_key() {
        let doc = function_policy(&facts());
        let stop = statement(&doc, "StopWhatTheResponseTagged");
        assert_eq!(
            stop["Condition"]["Null"]["aws:ResourceTag/secure-mlops:response"],
            "false"
        );
        assert!(stop["Resource"].as_array().unwrap().iter().all(|r| r
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sagemaker:eu-west-1:123456789012:")));
        let tag = statement(&doc, "TagWithTheResponseKeyOnly");
        assert_eq!(
            tag["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"],
            json!(["secure-mlops:response"])
        );
        // Nothing writes anywhere but through those two, the restore, the log, the queue and
        // the topic.
        let writes: Vec<&str> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Resource"] == "*")
            .flat_map(|s| match &s["Action"] {
                Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
                other => vec![other.as_str().unwrap()],
            })
            .filter(|a| !a.contains(":Describe") && !a.contains(":List"))
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
    }

    #[test]
    fn without_a_topic_there_is_no_publish_or_key_use() {
        let doc = function_policy(&ResponseFacts {
            topic_arn: None,
            kms_key_arn: None,
            ..facts()
        });
        let text = doc.to_string();
        assert!(!text.contains("sns:Publish") && !text.contains("kms:GenerateDataKey"));
    }

    #[test]
    fn the_pattern_lists_every_call_the_handler_parses() {
        let pattern = event_pattern();
        assert_eq!(
            pattern["detail"]["eventName"].as_array().unwrap().len(),
            crate::response::event::EVENT_NAMES.len()
        );
        assert_eq!(pattern["source"], json!(["aws.sagemaker"]));
    }
}

#[cfg(test)]
mod coverage {
    //! The function's role allows every call the handler makes: the calls are read from the
    //! sources the handler runs (as the packaging test reads the engine's), so a new call
    //! without its permission fails here rather than in an account.

    use super::*;

    /// The handler's sources, and for `audit/reads.rs` only its first part: the scope reads
    /// (the environment findings after it are the data source's, not the handler's).
    fn handler_sources() -> String {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
        let read = |p: &str| std::fs::read_to_string(format!("{root}{p}")).unwrap();
        let reads = read("audit/reads.rs");
        let scope_part = reads
            .split("pub async fn environment_findings")
            .next()
            .unwrap()
            .to_string();
        let guardrails = read("children/guardrail_policy.rs");
        let role_environment = guardrails
            .split("pub(crate) async fn role_environment")
            .nth(1)
            .unwrap()
            .split("\n}\n")
            .next()
            .unwrap()
            .to_string();
        [
            read("response/mod.rs"),
            role_environment,
            read("response/act.rs"),
            read("audit/describe.rs"),
            read("children/sagemaker.rs")
                .split("pub(crate) async fn sagemaker_tags")
                .nth(1)
                .unwrap()
                .split("\n}\n")
                .next()
                .unwrap()
                .to_string(),
            scope_part,
        ]
        .join("\n")
    }

    /// `service:Operation` of every call the engine names in its errors (`from_sdk`, and
    /// `collect` for paginated calls).
    fn calls(text: &str) -> Vec<String> {
        let flat: String = text.split_whitespace().collect();
        ["from_sdk(\"", "AwsCallError::collect(\""]
            .iter()
            .flat_map(|marker| flat.split(marker).skip(1))
            .filter_map(|rest| {
                let mut parts = rest.splitn(4, '"');
                let service = parts.next()?;
                let op = parts.nth(1)?;
                Some(format!("{service}:{op}"))
            })
            .collect()
    }

    /// The example boundary a platform team creates for the role allows every action the role's
    /// policy does: the boundary takes nothing the function needs.
    #[test]
    fn the_example_boundary_allows_the_function_policy() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/iam/secure-mlops-response-boundary.json"
        );
        let boundary: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let actions = |doc: &Value| -> Vec<String> {
            doc["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| match &s["Action"] {
                    Value::String(a) => vec![a.clone()],
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                    _ => vec![],
                })
                .collect()
        };
        let facts = ResponseFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "secure-mlops-response".into(),
            topic_arn: Some("arn:aws:sns:eu-west-1:123456789012:secure-mlops-response".into()),
            kms_key_arn: Some("arn:aws:kms:eu-west-1:123456789012:key/k".into()),
        };
        let allowed = actions(&boundary);
        let missing: Vec<String> = actions(&function_policy(&facts))
            .into_iter()
            .filter(|a| !allowed.contains(a))
            .collect();
        assert!(missing.is_empty(), "the example boundary lacks {missing:?}");
    }

    #[test]
    fn the_function_role_allows_every_call_the_handler_makes() {
        let facts = ResponseFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "r".into(),
            topic_arn: Some("arn:aws:sns:eu-west-1:123456789012:r".into()),
            kms_key_arn: Some("arn:aws:kms:eu-west-1:123456789012:key/k".into()),
        };
        let doc = function_policy(&facts);
        let allowed: Vec<String> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            })
            .collect();
        let made = calls(&handler_sources());
        assert!(
            made.len() > 20,
            "the scan found the handler's calls: {made:?}"
        );
        let missing: Vec<&String> = made
            .iter()
            .filter(|c| !allowed.iter().any(|a| a.eq_ignore_ascii_case(c)))
            .collect();
        assert!(missing.is_empty(), "the function role lacks {missing:?}");
        // And it allows nothing the handler does not call.
        let unused: Vec<&String> = allowed
            .iter()
            .filter(|a| {
                !made.iter().any(|c| c.eq_ignore_ascii_case(a))
                    && !matches!(
                        a.as_str(),
                        "logs:CreateLogStream"
                            | "logs:PutLogEvents"
                            | "sqs:SendMessage"
                            | "kms:GenerateDataKey"
                            | "kms:Decrypt"
                    )
            })
            .collect();
        assert!(
            unused.is_empty(),
            "the function role allows calls it never makes: {unused:?}"
        );
    }
}
