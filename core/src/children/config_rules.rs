//! The AWS Config managed rules an environment deploys with `guardrails.managed_config_rules`:
//! AWS Config then checks, continuously and in the account's compliance dashboards, what the
//! audit (`data "sagemaker_environment_audit"`) checks on demand.
//!
//! One child holds the environment's rules, each named `secure-mlops-<env id>-<rule>` and tagged
//! as the child: a rule of that name is adopted only when its tags say it is ours. A rule that
//! drifted (deleted, another source or parameters) is put again; a rule no longer wanted (the
//! isolation rule when the guardrail is turned off) is deleted. AWS refuses rules in a region
//! without a configuration recorder; the plan says so first (`environment::complete`).

use std::collections::BTreeMap;

use aws_sdk_config::types::{ConfigRule, Owner as RuleOwner, Scope, Source, Tag};
use serde_json::{json, Value};

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::tags::{built, child_tags, owned_by};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{KeyPurpose, LogicalId, RecordKind};

/// Record attribute: the rules' names, comma-separated.
pub const RULES_ATTRIBUTE: &str = "rules";

/// One managed rule: its name after the environment's prefix, AWS's identifier, the resource
/// type whose configuration changes trigger it (none: a periodic rule, which takes no scope) and
/// whether it takes the environment's parameters. Identifiers, triggers and parameter names are
/// AWS Config's managed-rule list (the emulator checks the parameters against the same list).
struct ManagedRule {
    name: &'static str,
    identifier: &'static str,
    resource_type: Option<&'static str>,
    parameters: Parameters,
}

enum Parameters {
    None,
    SubnetIds,
    EbsKey,
}

/// The rules, with the Security Hub control each backs where there is one.
const RULES: &[ManagedRule] = &[
    // SageMaker.1
    ManagedRule {
        name: "sagemaker-notebook-no-direct-internet-access",
        identifier: "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
        resource_type: None,
        parameters: Parameters::None,
    },
    // SageMaker.2, in the environment's private subnets.
    ManagedRule {
        name: "sagemaker-notebook-instance-inside-vpc",
        identifier: "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC",
        resource_type: Some("AWS::SageMaker::NotebookInstance"),
        parameters: Parameters::SubnetIds,
    },
    // SageMaker.3
    ManagedRule {
        name: "sagemaker-notebook-instance-root-access-check",
        identifier: "SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK",
        resource_type: Some("AWS::SageMaker::NotebookInstance"),
        parameters: Parameters::None,
    },
    ManagedRule {
        name: "sagemaker-notebook-instance-kms-key-configured",
        identifier: "SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED",
        resource_type: None,
        parameters: Parameters::EbsKey,
    },
    ManagedRule {
        name: "sagemaker-endpoint-configuration-kms-key-configured",
        identifier: "SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
        resource_type: None,
        parameters: Parameters::EbsKey,
    },
    ManagedRule {
        name: "sagemaker-model-in-vpc",
        identifier: "SAGEMAKER_MODEL_IN_VPC",
        resource_type: Some("AWS::SageMaker::Model"),
        parameters: Parameters::None,
    },
    // EC2.6
    ManagedRule {
        name: "vpc-flow-logs-enabled",
        identifier: "VPC_FLOW_LOGS_ENABLED",
        resource_type: None,
        parameters: Parameters::None,
    },
    // EC2.2
    ManagedRule {
        name: "vpc-default-security-group-closed",
        identifier: "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
        resource_type: Some("AWS::EC2::SecurityGroup"),
        parameters: Parameters::None,
    },
    // KMS.4
    ManagedRule {
        name: "cmk-backing-key-rotation-enabled",
        identifier: "CMK_BACKING_KEY_ROTATION_ENABLED",
        resource_type: None,
        parameters: Parameters::None,
    },
];

/// SageMaker.5, when the guardrails require network isolation.
const ISOLATION_RULE: ManagedRule = ManagedRule {
    name: "sagemaker-model-isolation-enabled",
    identifier: "SAGEMAKER_MODEL_ISOLATION_ENABLED",
    resource_type: Some("AWS::SageMaker::Model"),
    parameters: Parameters::None,
};

/// One rule as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredRule {
    /// `secure-mlops-<env id>-<rule>`.
    pub name: String,
    /// AWS's identifier of the managed rule.
    pub identifier: String,
    /// The resource type that triggers it; `None`: periodic.
    pub resource_type: Option<String>,
    /// Its input parameters (JSON text), if any.
    pub parameters: Option<String>,
}

/// The name prefix of the environment's rules.
pub fn prefix(env_id: &str) -> String {
    format!("secure-mlops-{env_id}-")
}

/// The rules the environment should have, with its private subnets and ebs key.
pub fn desired_rules(
    env_id: &str,
    network_isolation: bool,
    subnet_ids: &[String],
    ebs_key_arn: &str,
) -> Vec<DesiredRule> {
    let isolation = network_isolation.then_some(&ISOLATION_RULE);
    RULES
        .iter()
        .chain(isolation)
        .map(|rule| DesiredRule {
            name: format!("{}{}", prefix(env_id), rule.name),
            identifier: rule.identifier.to_string(),
            resource_type: rule.resource_type.map(str::to_string),
            parameters: match rule.parameters {
                Parameters::None => None,
                Parameters::SubnetIds => Some(json!({ "SubnetIds": subnet_ids.join(",") })),
                Parameters::EbsKey => Some(json!({ "kmsKeyArns": ebs_key_arn })),
            }
            .map(|v| v.to_string()),
        })
        .collect()
}

/// Makes the environment's rules exactly `desired`: puts the missing and the changed ones,
/// deletes its rules no longer wanted.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    desired: &[DesiredRule],
) -> Result<Record, ChildError> {
    let existing = rules_with_prefix(clients, &prefix(owner.env_id)).await?;
    for rule in desired {
        match existing.get(&rule.name) {
            Some(found) => {
                let arn = found.config_rule_arn().unwrap_or_default();
                if !owned_by(owner, &rule_tags(clients, arn).await?) {
                    return Err(ChildError::Refused {
                        child: owner.logical_id.to_string(),
                        reason: format!(
                            "an AWS Config rule named {} already exists and is not tagged as this \
                             environment's {}; delete it, or set \
                             guardrails.managed_config_rules = false",
                            rule.name, owner.logical_id
                        ),
                    });
                }
                if !differences(found, rule).is_empty() {
                    put(clients, owner, tags, rule).await?;
                }
            }
            None => put(clients, owner, tags, rule).await?,
        }
    }
    for (name, found) in &existing {
        if desired.iter().any(|d| &d.name == name) {
            continue;
        }
        let arn = found.config_rule_arn().unwrap_or_default();
        if owned_by(owner, &rule_tags(clients, arn).await?) {
            delete_rule(clients, name).await?;
        }
    }
    Ok(Record {
        kind: RecordKind::ConfigRules,
        physical_id: owner.env_id.to_string(),
        arn: None,
        attributes: BTreeMap::from([(
            RULES_ATTRIBUTE.to_string(),
            desired
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
        )]),
        depends_on: Vec::new(),
    })
}

/// What differs from `desired`: rules deleted outside, or changed.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    desired: &[DesiredRule],
) -> Result<Vec<String>, ChildError> {
    let existing = rules_with_prefix(clients, &prefix(&record.physical_id)).await?;
    let label = LogicalId::ConfigRules.to_string();
    let mut out = Vec::new();
    for rule in desired {
        match existing.get(&rule.name) {
            None => out.push(format!(
                "{label}: {} deleted outside the engine; apply puts it again",
                rule.name
            )),
            Some(found) => {
                for d in differences(found, rule) {
                    out.push(format!("{label}: {} {d}; apply restores it", rule.name));
                }
            }
        }
    }
    Ok(out)
}

/// Deletes the rules the record names. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let names = record
        .attributes
        .get(RULES_ATTRIBUTE)
        .map(|list| {
            list.split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for name in names {
        delete_rule(clients, &name).await?;
    }
    Ok(())
}

async fn delete_rule(clients: &AwsClients, name: &str) -> Result<(), AwsCallError> {
    clients
        .config
        .delete_config_rule()
        .config_rule_name(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("config", "DeleteConfigRule", e))
        .or_gone()?;
    Ok(())
}

async fn put(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    rule: &DesiredRule,
) -> Result<(), AwsCallError> {
    let source = Source::builder()
        .owner(RuleOwner::Aws)
        .source_identifier(&rule.identifier)
        .build();
    let source = built("config Source", source);
    let scope = rule
        .resource_type
        .as_ref()
        .map(|t| Scope::builder().compliance_resource_types(t).build());
    let config_rule = ConfigRule::builder()
        .config_rule_name(&rule.name)
        .description(format!(
            "secure-mlops environment {}: the audit's check, continuously",
            owner.env_id
        ))
        .source(source)
        .set_scope(scope)
        .set_input_parameters(rule.parameters.clone())
        .build();
    let tags: Vec<Tag> = child_tags(owner, tags)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    clients
        .config
        .put_config_rule()
        .config_rule(config_rule)
        .set_tags(Some(tags))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("config", "PutConfigRule", e))
}

/// The account's rules whose name starts with `prefix`, by name.
async fn rules_with_prefix(
    clients: &AwsClients,
    prefix: &str,
) -> Result<BTreeMap<String, ConfigRule>, AwsCallError> {
    let mut found = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .config
            .describe_config_rules()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("config", "DescribeConfigRules", e))?;
        for rule in page.config_rules() {
            if let Some(name) = rule.config_rule_name().filter(|n| n.starts_with(prefix)) {
                found.insert(name.to_string(), rule.clone());
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(found),
        }
    }
}

async fn rule_tags(
    clients: &AwsClients,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsCallError> {
    let out = clients
        .config
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("config", "ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

/// How `found` differs from `rule`, in words.
fn differences(found: &ConfigRule, rule: &DesiredRule) -> Vec<String> {
    let mut out = Vec::new();
    let identifier = found
        .source()
        .and_then(|s| s.source_identifier())
        .unwrap_or("none");
    if identifier != rule.identifier {
        out.push(format!("runs {identifier}, not {}", rule.identifier));
    }
    let parse = |text: Option<&str>| -> Value {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null)
    };
    if parse(found.input_parameters()) != parse(rule.parameters.as_deref()) {
        out.push(format!(
            "has parameters {}, not {}",
            found.input_parameters().unwrap_or("none"),
            rule.parameters.as_deref().unwrap_or("none")
        ));
    }
    out
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::ConfigRules {
    type Desired = Vec<DesiredRule>;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Vec<DesiredRule>, ChildError> {
        let subnets = inputs.dependency_ids(|id| matches!(id, LogicalId::PrivateSubnet(_)))?;
        let ebs = inputs.arn(&LogicalId::KmsKey(KeyPurpose::Ebs))?;
        Ok(desired_rules(
            &cx.env.env_id,
            self.network_isolation,
            &subnets,
            &ebs,
        ))
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Vec<DesiredRule>) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), desired).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Vec<DesiredRule>,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_name_the_environment_its_subnets_and_key() {
        let rules = desired_rules(
            "team-a-dev",
            false,
            &["subnet-a".into(), "subnet-b".into()],
            "arn:aws:kms:eu-west-1:1:key/ebs",
        );
        assert_eq!(rules.len(), RULES.len());
        assert!(rules
            .iter()
            .all(|r| r.name.starts_with("secure-mlops-team-a-dev-") && r.name.len() <= 128));
        let vpc = rules
            .iter()
            .find(|r| r.identifier == "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC")
            .unwrap();
        assert_eq!(
            vpc.parameters.as_deref(),
            Some(r#"{"SubnetIds":"subnet-a,subnet-b"}"#)
        );
        let with_isolation = desired_rules("team-a-dev", true, &[], "k");
        assert!(with_isolation
            .iter()
            .any(|r| r.identifier == "SAGEMAKER_MODEL_ISOLATION_ENABLED"));
    }

    #[test]
    fn another_source_or_parameters_is_a_difference() {
        let rule = &desired_rules("e", false, &["s".into()], "k")[1];
        let same = ConfigRule::builder()
            .source(
                Source::builder()
                    .owner(RuleOwner::Aws)
                    .source_identifier(&rule.identifier)
                    .build()
                    .unwrap(),
            )
            .input_parameters(r#"{ "SubnetIds": "s" }"#)
            .build();
        assert!(differences(&same, rule).is_empty());
        let other = ConfigRule::builder()
            .source(
                Source::builder()
                    .owner(RuleOwner::Aws)
                    .source_identifier("OTHER")
                    .build()
                    .unwrap(),
            )
            .build();
        assert_eq!(differences(&other, rule).len(), 2);
    }
}
