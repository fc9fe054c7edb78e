//! The audit's reads of the environment itself: its scope (found by its tag and names, without
//! its ledger) and its own settings as findings. The workloads it runs are read in `workloads`.

use std::collections::BTreeSet;

use super::checks::Scope;
use super::{AuditError, Finding, Severity};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::children::ec2_tags::filter;
use crate::children::guardrail_policy;
use crate::children::kms_key::alias_name;
use crate::children::tags::iam_document;
use crate::ids::{KeyPurpose, Persona, COMPONENT_TAG, ENVIRONMENT_TAG};
use crate::policy::environment::guardrails::{
    SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES, SID_DENY_WITHOUT_NETWORK_ISOLATION,
    SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION,
};
use crate::policy::environment::roles::{
    environment_policy_arn, environment_role_arn, persona_role_name,
};

/// What the audit knows of the environment.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// What its workloads may use.
    pub scope: Scope,
    /// Its VPC.
    pub vpc_id: String,
    /// Its Studio domains' ids.
    pub domain_ids: Vec<String>,
    /// Its keys' ARNs, by purpose.
    pub key_arns: Vec<(KeyPurpose, String)>,
}

/// Finds the environment `env_id` by its tag: its SageMaker security group (every environment
/// has one, in its own VPC or one it was given), that VPC's private subnets, its keys by alias,
/// its domain, its roles by name and the guardrails its policy holds. An environment without
/// its SageMaker group is not found, whatever else carries its name.
pub async fn scope(clients: &AwsClients, env_id: &str) -> Result<Found, AuditError> {
    let ec2 = &clients.ec2;
    let env_filter = || filter(&format!("tag:{ENVIRONMENT_TAG}"), env_id);
    // The reads are independent: they go out together (one round trip of latency, not five),
    // each into its own part, merged below.
    let (mut keys_part, mut domain_part, mut guardrails_part) =
        (Found::default(), Found::default(), Scope::default());
    let (groups, subnets, (), (), ()) = futures_util::future::try_join5(
        async {
            ec2.describe_security_groups()
                .filters(env_filter())
                .send()
                .await
                .map_err(|e| {
                    AuditError::from(AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))
                })
        },
        async {
            ec2.describe_subnets()
                .filters(env_filter())
                .send()
                .await
                .map_err(|e| AuditError::from(AwsCallError::from_sdk("ec2", "DescribeSubnets", e)))
        },
        keys(clients, env_id, &mut keys_part),
        domain(clients, env_id, &mut domain_part),
        guardrails(clients, env_id, &mut guardrails_part),
    )
    .await?;
    let component = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter()
            .find(|t| t.key() == Some(COMPONENT_TAG))
            .and_then(|t| t.value())
            .map(str::to_string)
            .unwrap_or_default()
    };
    let sagemaker_group = groups
        .security_groups()
        .iter()
        .find(|g| component(g.tags()) == "security-group-sagemaker")
        .ok_or_else(|| AuditError::NotFound(env_id.to_string()))?;
    let mut found = Found {
        vpc_id: sagemaker_group.vpc_id().unwrap_or_default().to_string(),
        domain_ids: domain_part.domain_ids,
        key_arns: keys_part.key_arns,
        scope: Scope {
            env_id: env_id.to_string(),
            volume_keys: keys_part.scope.volume_keys,
            output_keys: keys_part.scope.output_keys,
            subnet_ids: domain_part.scope.subnet_ids,
            role_arns: domain_part.scope.role_arns,
            ..guardrails_part
        },
    };
    found
        .scope
        .security_group_ids
        .insert(sagemaker_group.group_id().unwrap_or_default().to_string());
    for subnet in subnets.subnets() {
        if component(subnet.tags()).starts_with("subnet-private-") {
            found
                .scope
                .subnet_ids
                .insert(subnet.subnet_id().unwrap_or_default().to_string());
        }
    }
    for persona in Persona::ALL {
        found.scope.role_arns.insert(environment_role_arn(
            &clients.partition,
            &clients.account_id,
            &persona_role_name(env_id, persona),
        ));
    }
    Ok(found)
}

/// The environment's keys by their aliases; every name a request may give them by.
async fn keys(clients: &AwsClients, env_id: &str, found: &mut Found) -> Result<(), AuditError> {
    let mut marker = None;
    let mut aliases = Vec::new();
    loop {
        let out = clients
            .kms
            .list_aliases()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("kms", "ListAliases", e))?;
        aliases.extend(out.aliases().iter().cloned());
        match out.next_marker() {
            Some(m) if out.truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    for purpose in KeyPurpose::ALL {
        let alias = alias_name(env_id, purpose);
        let Some(entry) = aliases
            .iter()
            .find(|a| a.alias_name() == Some(alias.as_str()))
        else {
            continue;
        };
        let Some(key_id) = entry.target_key_id() else {
            continue;
        };
        let arn = format!(
            "arn:{}:kms:{}:{}:key/{key_id}",
            clients.partition, clients.region, clients.account_id
        );
        let names = [
            arn.clone(),
            key_id.to_string(),
            alias.clone(),
            entry.alias_arn().unwrap_or_default().to_string(),
        ];
        let set = match purpose {
            KeyPurpose::Ebs => &mut found.scope.volume_keys,
            KeyPurpose::Data => &mut found.scope.output_keys,
            KeyPurpose::Studio => {
                found.key_arns.push((purpose, arn));
                continue;
            }
        };
        set.extend(names.into_iter().filter(|n| !n.is_empty()));
        found.key_arns.push((purpose, arn));
    }
    Ok(())
}

/// The environment's Studio domain, if any: its subnets and execution role count as the
/// environment's (a brought VPC's subnets carry no tag of ours).
async fn domain(clients: &AwsClients, env_id: &str, found: &mut Found) -> Result<(), AuditError> {
    let domains = clients
        .sagemaker
        .list_domains()
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListDomains", e))?;
    for summary in domains.domains() {
        let Some(arn) = summary.domain_arn() else {
            continue;
        };
        let tags = crate::children::sagemaker::sagemaker_tags(clients, arn).await?;
        if tags.get(ENVIRONMENT_TAG).map(String::as_str) != Some(env_id) {
            continue;
        }
        let Some(domain) = clients
            .sagemaker
            .describe_domain()
            .domain_id(summary.domain_id().unwrap_or_default())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeDomain", e))
            .or_gone()?
        else {
            continue;
        };
        found
            .domain_ids
            .push(summary.domain_id().unwrap_or_default().to_string());
        found
            .scope
            .subnet_ids
            .extend(domain.subnet_ids().iter().cloned());
        if let Some(role) = domain
            .default_user_settings()
            .and_then(|s| s.execution_role())
        {
            found.scope.role_arns.insert(role.to_string());
        }
    }
    Ok(())
}

/// What the guardrail policy requires beyond the network and keys, read from its statements.
async fn guardrails(
    clients: &AwsClients,
    env_id: &str,
    scope: &mut Scope,
) -> Result<(), AuditError> {
    let arn = environment_policy_arn(
        &clients.partition,
        &clients.account_id,
        &guardrail_policy::policy_name(env_id),
    );
    let Some(policy) = clients
        .iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "GetPolicy", e))
        .or_gone()?
    else {
        return Ok(());
    };
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .unwrap_or("v1")
        .to_string();
    let document = clients
        .iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "GetPolicyVersion", e))?;
    let text = document
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default();
    let doc = iam_document(text);
    let sids: BTreeSet<&str> = doc["Statement"]
        .as_array()
        .map(|s| s.iter().filter_map(|st| st["Sid"].as_str()).collect())
        .unwrap_or_default();
    scope.require_network_isolation = sids.contains(SID_DENY_WITHOUT_NETWORK_ISOLATION);
    scope.require_inter_container_encryption = sids.contains(SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION);
    scope.app_instance_types = doc["Statement"].as_array().and_then(|statements| {
        let apps = statements
            .iter()
            .find(|s| s["Sid"] == SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES)?;
        let allowed = &apps["Condition"]["ForAnyValue:StringNotLike"]["sagemaker:InstanceTypes"];
        Some(match allowed {
            serde_json::Value::String(one) => [one.clone()].into(),
            other => other
                .as_array()?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        })
    });
    Ok(())
}

/// The environment's own settings an auditor checks: the VPC's default security group holds no
/// rule (Security Hub EC2.2), the VPC has flow logs (EC2.6), the keys rotate (KMS.4).
pub async fn environment_findings(
    clients: &AwsClients,
    found: &Found,
) -> Result<Vec<Finding>, AuditError> {
    let mut out = Vec::new();
    let vpc_arn = format!(
        "arn:{}:ec2:{}:{}:vpc/{}",
        clients.partition, clients.region, clients.account_id, found.vpc_id
    );
    let groups = clients
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &found.vpc_id))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
    for group in groups.security_groups() {
        let rules = group.ip_permissions().len() + group.ip_permissions_egress().len();
        if rules > 0 {
            out.push(Finding {
                control: "EC2.2".into(),
                severity: Severity::High,
                resource_arn: format!(
                    "arn:{}:ec2:{}:{}:security-group/{}",
                    clients.partition,
                    clients.region,
                    clients.account_id,
                    group.group_id().unwrap_or_default()
                ),
                message: format!("the VPC's default security group has {rules} rules"),
                remediation: "apply the environment again: it empties the default group".into(),
            });
        }
    }
    let logs = clients
        .ec2
        .describe_flow_logs()
        .filter(filter("resource-id", &found.vpc_id))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeFlowLogs", e))?;
    if logs.flow_logs().is_empty() {
        out.push(Finding {
            control: "EC2.6".into(),
            severity: Severity::Medium,
            resource_arn: vpc_arn,
            message: "the VPC has no flow log".into(),
            remediation: "set network.flow_logs.enabled = true (the default) and apply".into(),
        });
    }
    for (purpose, arn) in &found.key_arns {
        let rotation = clients
            .kms
            .get_key_rotation_status()
            .key_id(arn)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("kms", "GetKeyRotationStatus", e))?;
        if !rotation.key_rotation_enabled() {
            out.push(Finding {
                control: "KMS.4".into(),
                severity: Severity::Medium,
                resource_arn: arn.clone(),
                message: format!("the {} key does not rotate", purpose.key()),
                remediation: "apply the environment again: it turns rotation back on".into(),
            });
        }
    }
    Ok(out)
}
