//! The audit's AWS reads: the environment's scope (found by its tag and names, without its
//! ledger), its own settings as findings, and the workloads of the account and region run by it.
//!
//! Listing is paginated (100 a page); the Describe calls of one kind go out 16 at a time, and the
//! kinds are read side by side, so 500 jobs take a few seconds rather than 500 calls in a row.

use std::collections::BTreeSet;
use std::future::Future;

use aws_sdk_sagemaker::types::{DirectInternetAccess, RootAccess, VpcConfig};

use super::checks::{Scope, Setting, Workload, WorkloadKind};
use super::{AuditError, Finding, Severity};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::children::ec2_tags::filter;
use crate::children::guardrail_policy;
use crate::children::kms_key::alias_name;
use crate::children::tags::iam_document;
use crate::ids::{KeyPurpose, Persona, COMPONENT_TAG, ENVIRONMENT_TAG};
use crate::policy::environment::guardrails::{
    SID_DENY_WITHOUT_NETWORK_ISOLATION, SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION,
};
use crate::policy::environment::roles::{
    environment_policy_arn, environment_role_arn, persona_role_name,
};

/// Describe calls in flight at once.
const CONCURRENCY: usize = 16;
/// Items a List call asks for.
const PAGE: i32 = 100;

/// What the audit knows of the environment.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// What its workloads may use.
    pub scope: Scope,
    /// Its VPC.
    pub vpc_id: String,
    /// The roles whose workloads are the environment's.
    pub role_arns: BTreeSet<String>,
    /// Its keys' ARNs, by purpose.
    pub key_arns: Vec<(KeyPurpose, String)>,
}

/// Finds the environment `env_id` by its tag: its SageMaker security group (every environment
/// has one, in its own VPC or one it was given), that VPC's private subnets, its keys by alias,
/// its domain, its roles by name and the guardrails its policy holds.
pub async fn scope(clients: &AwsClients, env_id: &str) -> Result<Found, AuditError> {
    let ec2 = &clients.ec2;
    let env_filter = || filter(&format!("tag:{ENVIRONMENT_TAG}"), env_id);
    let groups = ec2
        .describe_security_groups()
        .filters(env_filter())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
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
        ..Found::default()
    };
    found.scope.env_id = env_id.to_string();
    found
        .scope
        .security_group_ids
        .insert(sagemaker_group.group_id().unwrap_or_default().to_string());
    let subnets = ec2
        .describe_subnets()
        .filters(env_filter())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSubnets", e))?;
    for subnet in subnets.subnets() {
        if component(subnet.tags()).starts_with("subnet-private-") {
            found
                .scope
                .subnet_ids
                .insert(subnet.subnet_id().unwrap_or_default().to_string());
        }
    }
    keys(clients, env_id, &mut found).await?;
    for persona in Persona::ALL {
        found.role_arns.insert(environment_role_arn(
            &clients.partition,
            &clients.account_id,
            &persona_role_name(env_id, persona),
        ));
    }
    domain(clients, env_id, &mut found).await?;
    guardrails(clients, env_id, &mut found.scope).await?;
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
            .scope
            .subnet_ids
            .extend(domain.subnet_ids().iter().cloned());
        if let Some(role) = domain
            .default_user_settings()
            .and_then(|s| s.execution_role())
        {
            found.role_arns.insert(role.to_string());
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

/// Runs `describe` over `names`, [`CONCURRENCY`] in flight at once: a sliding window, so one
/// slow answer holds up one slot rather than a whole burst.
async fn describe_all<F, Fut, T>(names: Vec<String>, describe: F) -> Result<Vec<T>, AwsCallError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Option<T>, AwsCallError>>,
{
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut out = Vec::with_capacity(names.len());
    let mut names = names.into_iter();
    let mut in_flight = FuturesUnordered::new();
    in_flight.extend(names.by_ref().take(CONCURRENCY).map(&describe));
    while let Some(result) = in_flight.next().await {
        out.extend(result?);
        in_flight.extend(names.next().map(&describe));
    }
    Ok(out)
}

/// Pages through a List call: `page(token)` answers the names of one page and the next token.
async fn list_all<F, Fut>(page: F) -> Result<Vec<String>, AwsCallError>
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<String>, Option<String>), AwsCallError>>,
{
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token).await?;
        names.extend(items);
        match next {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(names),
        }
    }
}

fn network(vpc: Option<&VpcConfig>) -> Setting<(Vec<String>, Vec<String>)> {
    Setting::Set(vpc.map(|v| (v.subnets().to_vec(), v.security_group_ids().to_vec())))
}

fn key(k: Option<&str>) -> Setting<String> {
    Setting::Set(k.filter(|k| !k.is_empty()).map(str::to_string))
}

/// The workloads of the account and region that are the environment's. The kinds are read at
/// the same time; transform jobs and endpoint configurations after the models they belong by.
pub async fn workloads(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AuditError> {
    use futures_util::future::{try_join, try_join3};
    let ((models, training, processing), (tuning, automl, notebooks)) = try_join(
        try_join3(
            models(clients, found),
            training_jobs(clients, found),
            processing_jobs(clients, found),
        ),
        try_join3(
            tuning_jobs(clients, found),
            automl_jobs(clients, found),
            notebook_instances(clients, found),
        ),
    )
    .await?;
    let (model_workloads, our_models) = models;
    let (transform, endpoint_configs) = try_join(
        transform_jobs(clients, &our_models),
        endpoint_configs(clients, &our_models),
    )
    .await?;
    Ok([
        model_workloads,
        training,
        processing,
        transform,
        tuning,
        automl,
        notebooks,
        endpoint_configs,
    ]
    .into_iter()
    .flatten()
    .collect())
}

/// The environment's models: the model workloads and the names of the environment's models.
async fn models(
    clients: &AwsClients,
    found: &Found,
) -> Result<(Vec<Workload>, BTreeSet<String>), AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_models()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListModels", e))?;
        let names = page
            .models()
            .iter()
            .filter_map(|m| m.model_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let models = describe_all(names, |name| async move {
        sm.describe_model()
            .model_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeModel", e))
            .or_gone()
    })
    .await?;
    let mut our_models = BTreeSet::new();
    for m in models.iter().filter(|m| ours(m.execution_role_arn())) {
        our_models.insert(m.model_name().unwrap_or_default().to_string());
        out.push(Workload {
            network: network(m.vpc_config()),
            network_isolation: Setting::Set(m.enable_network_isolation()),
            ..Workload::new(WorkloadKind::Model, m.model_arn().unwrap_or_default())
        });
    }
    Ok((out, our_models))
}

/// The environment's training jobs.
async fn training_jobs(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_training_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTrainingJobs", e))?;
        let names = page
            .training_job_summaries()
            .iter()
            .filter_map(|j| j.training_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_training_job()
            .training_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeTrainingJob", e))
            .or_gone()
    })
    .await?;
    for j in jobs.iter().filter(|j| ours(j.role_arn())) {
        out.push(Workload {
            network: network(j.vpc_config()),
            volume_key: key(j.resource_config().and_then(|r| r.volume_kms_key_id())),
            output_key: key(j.output_data_config().and_then(|o| o.kms_key_id())),
            network_isolation: Setting::Set(j.enable_network_isolation()),
            inter_container_encryption: Setting::Set(j.enable_inter_container_traffic_encryption()),
            ..Workload::new(
                WorkloadKind::TrainingJob,
                j.training_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's processing jobs.
async fn processing_jobs(
    clients: &AwsClients,
    found: &Found,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_processing_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListProcessingJobs", e))?;
        let names = page
            .processing_job_summaries()
            .iter()
            .filter_map(|j| j.processing_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_processing_job()
            .processing_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeProcessingJob", e))
            .or_gone()
    })
    .await?;
    for j in jobs.iter().filter(|j| ours(j.role_arn())) {
        let net = j.network_config();
        out.push(Workload {
            network: network(net.and_then(|n| n.vpc_config())),
            volume_key: key(j
                .processing_resources()
                .and_then(|r| r.cluster_config())
                .and_then(|c| c.volume_kms_key_id())),
            output_key: key(j.processing_output_config().and_then(|o| o.kms_key_id())),
            network_isolation: Setting::Set(net.and_then(|n| n.enable_network_isolation())),
            inter_container_encryption: Setting::Set(
                net.and_then(|n| n.enable_inter_container_traffic_encryption()),
            ),
            ..Workload::new(
                WorkloadKind::ProcessingJob,
                j.processing_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's transform jobs using one of `our_models` (their network is their model's).
async fn transform_jobs(
    clients: &AwsClients,
    our_models: &BTreeSet<String>,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_transform_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTransformJobs", e))?;
        let names = page
            .transform_job_summaries()
            .iter()
            .filter_map(|j| j.transform_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_transform_job()
            .transform_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeTransformJob", e))
            .or_gone()
    })
    .await?;
    for j in jobs
        .iter()
        .filter(|j| j.model_name().is_some_and(|m| our_models.contains(m)))
    {
        // Its network is its model's, checked there.
        out.push(Workload {
            volume_key: key(j.transform_resources().and_then(|r| r.volume_kms_key_id())),
            output_key: key(j.transform_output().and_then(|o| o.kms_key_id())),
            ..Workload::new(
                WorkloadKind::TransformJob,
                j.transform_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's hyperparameter tuning jobs.
async fn tuning_jobs(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_hyper_parameter_tuning_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListHyperParameterTuningJobs", e))?;
        let names = page
            .hyper_parameter_tuning_job_summaries()
            .iter()
            .filter_map(|j| j.hyper_parameter_tuning_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_hyper_parameter_tuning_job()
            .hyper_parameter_tuning_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeHyperParameterTuningJob", e))
            .or_gone()
    })
    .await?;
    for j in &jobs {
        let Some(d) = j.training_job_definition() else {
            continue;
        };
        if !ours(d.role_arn()) {
            continue;
        }
        out.push(Workload {
            network: network(d.vpc_config()),
            volume_key: key(d.resource_config().and_then(|r| r.volume_kms_key_id())),
            output_key: key(d.output_data_config().and_then(|o| o.kms_key_id())),
            network_isolation: Setting::Set(d.enable_network_isolation()),
            inter_container_encryption: Setting::Set(d.enable_inter_container_traffic_encryption()),
            ..Workload::new(
                WorkloadKind::TuningJob,
                j.hyper_parameter_tuning_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's AutoML (V2) jobs.
async fn automl_jobs(clients: &AwsClients, found: &Found) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_auto_ml_jobs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListAutoMLJobs", e))?;
        let names = page
            .auto_ml_job_summaries()
            .iter()
            .filter_map(|j| j.auto_ml_job_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let jobs = describe_all(names, |name| async move {
        sm.describe_auto_ml_job_v2()
            .auto_ml_job_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeAutoMLJobV2", e))
            .or_gone()
    })
    .await?;
    for j in jobs.iter().filter(|j| ours(j.role_arn())) {
        let security = j.security_config();
        out.push(Workload {
            network: network(security.and_then(|s| s.vpc_config())),
            volume_key: key(security.and_then(|s| s.volume_kms_key_id())),
            output_key: key(j.output_data_config().and_then(|o| o.kms_key_id())),
            inter_container_encryption: Setting::Set(
                security.and_then(|s| s.enable_inter_container_traffic_encryption()),
            ),
            ..Workload::new(
                WorkloadKind::AutoMlJob,
                j.auto_ml_job_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's notebook instances.
async fn notebook_instances(
    clients: &AwsClients,
    found: &Found,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let ours = |role: Option<&str>| role.is_some_and(|r| found.role_arns.contains(r));
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_notebook_instances()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListNotebookInstances", e))?;
        let names = page
            .notebook_instances()
            .iter()
            .filter_map(|n| n.notebook_instance_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let notebooks = describe_all(names, |name| async move {
        sm.describe_notebook_instance()
            .notebook_instance_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeNotebookInstance", e))
            .or_gone()
    })
    .await?;
    for n in notebooks.iter().filter(|n| ours(n.role_arn())) {
        let network = match n.subnet_id() {
            Some(subnet) => Setting::Set(Some((
                vec![subnet.to_string()],
                n.security_groups().to_vec(),
            ))),
            None => Setting::Set(None),
        };
        out.push(Workload {
            network,
            volume_key: key(n.kms_key_id()),
            root_access: Setting::Set(n.root_access().map(|r| *r == RootAccess::Enabled)),
            direct_internet: Setting::Set(
                n.direct_internet_access()
                    .map(|d| *d == DirectInternetAccess::Enabled),
            ),
            ..Workload::new(
                WorkloadKind::NotebookInstance,
                n.notebook_instance_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}

/// The environment's endpoint configurations serving one of `our_models`.
async fn endpoint_configs(
    clients: &AwsClients,
    our_models: &BTreeSet<String>,
) -> Result<Vec<Workload>, AwsCallError> {
    let sm = &clients.sagemaker;
    let mut out = Vec::new();
    let names = list_all(|token| async move {
        let page = sm
            .list_endpoint_configs()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListEndpointConfigs", e))?;
        let names = page
            .endpoint_configs()
            .iter()
            .filter_map(|c| c.endpoint_config_name().map(str::to_string))
            .collect();
        Ok((names, page.next_token().map(str::to_string)))
    })
    .await?;
    let configs = describe_all(names, |name| async move {
        sm.describe_endpoint_config()
            .endpoint_config_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeEndpointConfig", e))
            .or_gone()
    })
    .await?;
    for c in configs.iter().filter(|c| {
        c.production_variants()
            .iter()
            .any(|v| v.model_name().is_some_and(|m| our_models.contains(m)))
    }) {
        out.push(Workload {
            volume_key: key(c.kms_key_id()),
            output_key: key(c.data_capture_config().and_then(|d| d.kms_key_id())),
            ..Workload::new(
                WorkloadKind::EndpointConfig,
                c.endpoint_config_arn().unwrap_or_default(),
            )
        });
    }
    Ok(out)
}
