//! VPC flow logs into a KMS-encrypted CloudWatch Logs group: the group, the IAM role flow logs
//! deliver with, and the flow log itself.
//!
//! The group is named under the environment's log-group prefix because the data key's policy
//! lets CloudWatch Logs use the key only for groups under that prefix. The role has a
//! deterministic name (IAM has no tag look-up worth using), and is adopted only when it carries
//! this environment's tags: a role of that name made by someone else is never taken over.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_ec2::types::{
    FlowLog, FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType,
};

use super::ec2_tags::{filter, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::role;
use super::tags::child_tags;
use crate::aws::{AwsCallError, AwsClients, ErrorKind};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::RecordKind;
use crate::ids::{KeyPurpose, LogicalId};
use crate::policy::environment::flow_logs::{flow_logs_delivery_policy, flow_logs_trust_policy};
use crate::policy::environment::EnvironmentFacts;
use crate::spec::Choice;
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of the flow-log group.
pub const GROUP_KIND: RecordKind = RecordKind::FlowLogGroup;
/// Record kind of the flow-log role.
pub const ROLE_KIND: RecordKind = RecordKind::FlowLogRole;
/// Record kind of the flow log.
pub const KIND: RecordKind = RecordKind::FlowLog;

/// Name of the role's inline delivery policy.
pub const DELIVERY_POLICY_NAME: &str = "vpc-flow-logs-delivery";
/// Longest IAM role name.
const MAX_ROLE_NAME_LEN: usize = 64;
/// Suffix of the role name.
const ROLE_SUFFIX: &str = "-vpc-flow-logs";
/// Record attribute holding the child's logical id, which drift reports name.
const LOGICAL_ID_ATTRIBUTE: &str = "logical_id";

/// How long a new role may take to be usable by VPC Flow Logs. IAM is eventually consistent:
/// right after `CreateRole`, `CreateFlowLogs` can fail with an access error for a few seconds
/// (rarely a minute or more).
const ROLE_PROPAGATION_BUDGET: Duration = Duration::from_secs(3 * 60);

/// The flow-log group's name: the environment's log-group prefix + `vpc-flow-logs`.
pub fn log_group_name(facts: &EnvironmentFacts) -> String {
    format!("{}vpc-flow-logs", facts.log_group_name_prefix())
}

/// The flow-log role's name: `<env_id>-vpc-flow-logs`. Validated environment ids are far below
/// IAM's 64 characters; a longer one is cut so the name stays valid and deterministic.
pub fn role_name(env_id: &str) -> String {
    let keep = MAX_ROLE_NAME_LEN - ROLE_SUFFIX.len();
    let prefix: String = env_id.chars().take(keep).collect();
    format!("{prefix}{ROLE_SUFFIX}")
}

fn label(record: &Record) -> String {
    let name = record
        .attributes
        .get(LOGICAL_ID_ATTRIBUTE)
        .map_or(record.kind.as_str(), String::as_str);
    format!("{name} ({})", record.physical_id)
}

// --- log group -------------------------------------------------------------------------------

/// Creates the log group `name` encrypted with `kms_key_arn` and tagged, or adopts it when it
/// exists; then makes sure it is encrypted with that key and keeps events `retention_days`.
pub async fn ensure_group(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    name: &str,
    kms_key_arn: &str,
    retention_days: i64,
) -> Result<Record, ChildError> {
    let created = clients
        .logs
        .create_log_group()
        .log_group_name(name)
        .kms_key_id(kms_key_arn)
        .set_tags(Some(
            child_tags(owner, tags)
                .into_iter()
                .collect::<HashMap<_, _>>(),
        ))
        .send()
        .await;
    if let Err(e) = created {
        let err = AwsCallError::from_sdk("logs", "CreateLogGroup", e);
        if err.kind != ErrorKind::AlreadyExists {
            return Err(err.into());
        }
    }
    let group = describe_group(clients, name)
        .await?
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeLogGroups",
            missing: "the log group just created",
        })?;
    if group.kms_key_id != Some(kms_key_arn.to_string()) {
        clients
            .logs
            .associate_kms_key()
            .log_group_name(name)
            .kms_key_id(kms_key_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("logs", "AssociateKmsKey", e))?;
    }
    if group.retention_days != Some(retention_days) {
        let days = i32::try_from(retention_days).map_err(|_| ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!("{retention_days} days is not a CloudWatch Logs retention"),
        })?;
        clients
            .logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("logs", "PutRetentionPolicy", e))?;
    }
    let arn = group.arn.unwrap_or_else(|| {
        format!(
            "arn:{}:logs:{}:{}:log-group:{name}",
            clients.partition, clients.region, clients.account_id
        )
    });
    Ok(Record {
        kind: GROUP_KIND,
        physical_id: name.to_string(),
        arn: Some(arn),
        attributes: BTreeMap::from([
            ("kms_key_arn".to_string(), kms_key_arn.to_string()),
            ("retention_days".to_string(), retention_days.to_string()),
            (
                LOGICAL_ID_ATTRIBUTE.to_string(),
                owner.logical_id.to_string(),
            ),
        ]),
        depends_on: Vec::new(),
    })
}

/// What differs between the group in `record` and the key and retention it should have; empty
/// when it complies. A group deleted outside the engine is drift too.
pub async fn drift_group(
    clients: &AwsClients,
    record: &Record,
    kms_key_arn: &str,
    retention_days: i64,
) -> Result<Vec<String>, ChildError> {
    let label = label(record);
    let Some(group) = describe_group(clients, &record.physical_id).await? else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply recreates it"
        )]);
    };
    let mut found = Vec::new();
    match &group.kms_key_id {
        Some(key) if key == kms_key_arn => {}
        Some(key) => found.push(format!(
            "{label}: encrypted with {key} instead of {kms_key_arn}; apply re-keys it"
        )),
        None => found.push(format!(
            "{label}: not encrypted with a KMS key; apply associates {kms_key_arn}"
        )),
    }
    if group.retention_days != Some(retention_days) {
        let now = group
            .retention_days
            .map_or("never expire".to_string(), |d| format!("{d} days"));
        found.push(format!(
            "{label}: retention is {now} instead of {retention_days} days; apply sets it"
        ));
    }
    Ok(found)
}

/// Deletes the log group. Not-found counts as deleted.
pub async fn delete_group(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    if let Err(e) = clients
        .logs
        .delete_log_group()
        .log_group_name(&record.physical_id)
        .send()
        .await
    {
        let err = AwsCallError::from_sdk("logs", "DeleteLogGroup", e);
        if !err.is_not_found() {
            return Err(err.into());
        }
    }
    Ok(())
}

/// The parts of a log group the engine manages.
struct GroupState {
    kms_key_id: Option<String>,
    retention_days: Option<i64>,
    /// Without the `:*` that DescribeLogGroups' `arn` ends with.
    arn: Option<String>,
}

async fn describe_group(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<GroupState>, AwsCallError> {
    let mut next_token = None;
    loop {
        let out = clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("logs", "DescribeLogGroups", e))?;
        // The prefix also matches longer names: pick the exact one.
        if let Some(group) = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(GroupState {
                kms_key_id: group.kms_key_id().map(str::to_string),
                retention_days: group.retention_in_days().map(i64::from),
                arn: group
                    .log_group_arn()
                    .or(group.arn())
                    .map(|a| a.strip_suffix(":*").unwrap_or(a).to_string()),
            }));
        }
        match out.next_token() {
            Some(token) => next_token = Some(token.to_string()),
            None => return Ok(None),
        }
    }
}

// --- role ------------------------------------------------------------------------------------

/// The flow-log role of environment `env_id`.
fn role_definition(
    env_id: &str,
    facts: &EnvironmentFacts,
    boundary: Option<&str>,
) -> role::RoleDefinition {
    role::RoleDefinition {
        name: role_name(env_id),
        description: "VPC flow logs deliver to the environment's log group with this role"
            .to_string(),
        trust: flow_logs_trust_policy(facts),
        policy_name: DELIVERY_POLICY_NAME,
        permissions: flow_logs_delivery_policy(facts),
        boundary: boundary.map(str::to_string),
    }
}

/// Creates the flow-log role ([`role_name`]) or adopts it when it exists and carries this
/// environment's tags (another role of that name is refused); its trust policy and inline
/// delivery policy are made what they should be, which repairs drift. The same code as the
/// persona roles ([`role::ensure_defined`]).
pub async fn ensure_role(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    facts: &EnvironmentFacts,
    boundary: Option<&str>,
) -> Result<Record, ChildError> {
    let definition = role_definition(owner.env_id, facts, boundary);
    let arn = role::ensure_defined(clients, owner, tags, &definition).await?;
    Ok(Record {
        kind: ROLE_KIND,
        physical_id: definition.name,
        arn: Some(arn),
        attributes: BTreeMap::from([(
            LOGICAL_ID_ATTRIBUTE.to_string(),
            owner.logical_id.to_string(),
        )]),
        depends_on: Vec::new(),
    })
}

// --- flow log --------------------------------------------------------------------------------

/// What a flow log should be.
struct Desired<'a> {
    log_group_name: &'a str,
    role_arn: &'a str,
    traffic_type: &'a str,
}

impl Desired<'_> {
    /// How `found` differs, in words; empty when it is as desired.
    fn differences(&self, found: &FlowLog) -> Vec<String> {
        let mut out = Vec::new();
        let traffic = found.traffic_type().map(|t| t.as_str()).unwrap_or("?");
        if traffic != self.traffic_type {
            out.push(format!(
                "traffic type is {traffic} instead of {}",
                self.traffic_type
            ));
        }
        let group = found.log_group_name().unwrap_or("?");
        if group != self.log_group_name {
            out.push(format!(
                "delivers to {group} instead of {}",
                self.log_group_name
            ));
        }
        let role = found.deliver_logs_permission_arn().unwrap_or("?");
        if role != self.role_arn {
            out.push(format!("delivers with {role} instead of {}", self.role_arn));
        }
        out
    }
}

/// Adopts the flow log tagged as `owner` on the VPC, or creates it (client token, tags). A flow
/// log cannot be changed in place: one whose traffic type, group or role differ is deleted and
/// made again. Right after the role was created, IAM may not have propagated it yet: the create
/// is retried on access errors for a bounded time.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    log_group_name: &str,
    role_arn: &str,
    traffic_type: &str,
) -> Result<Record, ChildError> {
    let desired = Desired {
        log_group_name,
        role_arn,
        traffic_type,
    };
    let mut filters = owner.filters();
    filters.push(filter("resource-id", vpc_id));
    let out = clients
        .ec2
        .describe_flow_logs()
        .set_filter(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeFlowLogs", e))?;
    let ours: Vec<&FlowLog> = out
        .flow_logs()
        .iter()
        .filter(|f| owner.owns(f.tags()) && f.resource_id() == Some(vpc_id))
        .collect();
    let keep = ours
        .iter()
        .find(|f| desired.differences(f).is_empty())
        .and_then(|f| f.flow_log_id());
    // Everything else of ours goes: outdated ones (replaced below), and duplicates a race may
    // have left.
    let mut replaced = Vec::new();
    for f in &ours {
        let Some(id) = f.flow_log_id() else { continue };
        if Some(id) != keep {
            tracing::info!(flow_log = %id, differences = ?desired.differences(f), "replacing a flow log");
            delete_flow_log(clients, id).await?;
            replaced.push(id.to_string());
        }
    }
    let flow_log_id = match keep {
        Some(id) => id.to_string(),
        None => create(clients, owner, tags, vpc_id, &desired, &replaced).await?,
    };
    Ok(Record {
        kind: KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:vpc-flow-log/{flow_log_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: flow_log_id,
        attributes: BTreeMap::from([
            ("vpc_id".to_string(), vpc_id.to_string()),
            ("traffic_type".to_string(), traffic_type.to_string()),
            ("log_group_name".to_string(), log_group_name.to_string()),
            ("role_arn".to_string(), role_arn.to_string()),
            (
                LOGICAL_ID_ATTRIBUTE.to_string(),
                owner.logical_id.to_string(),
            ),
        ]),
        depends_on: Vec::new(),
    })
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    desired: &Desired<'_>,
    replaced: &[String],
) -> Result<String, ChildError> {
    // The token covers the configuration and what it replaces: EC2 answers a repeated token
    // with its first result, so a flow log made again after a change needs a new one.
    let mut scope = format!(
        "{vpc_id}-{}-{}-{}",
        desired.traffic_type, desired.log_group_name, desired.role_arn
    );
    for id in replaced {
        scope.push('-');
        scope.push_str(id);
    }
    let token = owner.client_token(&scope);
    poll_until(
        &format!("role {} to be usable by VPC flow logs", desired.role_arn),
        Deadline::after(ROLE_PROPAGATION_BUDGET),
        || {
            let call = clients
                .ec2
                .create_flow_logs()
                .resource_type(FlowLogsResourceType::Vpc)
                .resource_ids(vpc_id)
                .traffic_type(TrafficType::from(desired.traffic_type))
                .log_destination_type(LogDestinationType::CloudWatchLogs)
                .log_group_name(desired.log_group_name)
                .deliver_logs_permission_arn(desired.role_arn)
                .client_token(&token)
                .tag_specifications(owner.tag_specification(ResourceType::VpcFlowLog, tags));
            async move {
                let out = match call.send().await {
                    Ok(out) => out,
                    Err(e) => {
                        let err = AwsCallError::from_sdk("ec2", "CreateFlowLogs", e);
                        return if is_propagation_error(&err.code, &err.message) {
                            Ok(Poll::Pending(err.to_string()))
                        } else {
                            Err(err)
                        };
                    }
                };
                if let Some(id) = out.flow_log_ids().first() {
                    return Ok(Poll::Ready(Ok(id.clone())));
                }
                // The call succeeds as a whole and lists per-resource failures.
                let failure = out.unsuccessful().iter().find_map(|u| u.error());
                let code = failure.and_then(|f| f.code()).unwrap_or("Unknown");
                let message = failure.and_then(|f| f.message()).unwrap_or_default();
                if is_propagation_error(code, message) {
                    return Ok(Poll::Pending(format!("{code}: {message}")));
                }
                Ok(Poll::Ready(Err(ChildError::Refused {
                    child: owner.logical_id.to_string(),
                    reason: format!("CreateFlowLogs refused the flow log: {code}: {message}"),
                })))
            }
        },
    )
    .await?
}

/// Whether a `CreateFlowLogs` failure looks like the role not having propagated through IAM
/// yet (worth retrying for a while) rather than a real refusal.
fn is_propagation_error(code: &str, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation"
    ) || message.contains("unable to assume")
        || message.contains("not assumable")
        || message.contains("access error")
        || message.contains("access denied")
}

/// What differs between the flow log in `record` and `traffic_type` (and the group and role it
/// was made with); empty when it complies. A flow log deleted outside the engine is drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    traffic_type: &str,
) -> Result<Vec<String>, ChildError> {
    let label = label(record);
    let out = match clients
        .ec2
        .describe_flow_logs()
        .flow_log_ids(&record.physical_id)
        .send()
        .await
    {
        Ok(out) => out.flow_logs().first().cloned(),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeFlowLogs", e);
            if !err.is_not_found() {
                return Err(err.into());
            }
            None
        }
    };
    let Some(found) = out else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply recreates it"
        )]);
    };
    // The group and role are compared with those recorded at ensure; a record without them
    // (kept by an older version) only has its traffic type checked.
    let recorded = |key: &str| record.attributes.get(key).map(String::as_str);
    let desired = Desired {
        log_group_name: recorded("log_group_name")
            .or(found.log_group_name())
            .unwrap_or_default(),
        role_arn: recorded("role_arn")
            .or(found.deliver_logs_permission_arn())
            .unwrap_or_default(),
        traffic_type,
    };
    Ok(desired
        .differences(&found)
        .into_iter()
        .map(|d| format!("{label}: {d}; apply replaces the flow log"))
        .collect())
}

/// Deletes the flow log. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    delete_flow_log(clients, &record.physical_id).await
}

async fn delete_flow_log(clients: &AwsClients, id: &str) -> Result<(), ChildError> {
    let out = match clients.ec2.delete_flow_logs().flow_log_ids(id).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DeleteFlowLogs", e);
            return if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            };
        }
    };
    if let Some(failure) = out.unsuccessful().iter().find_map(|u| u.error()) {
        let code = failure.code().unwrap_or("Unknown").to_string();
        if !code.ends_with("NotFound") {
            return Err(ChildError::DeleteRefused {
                operation: "DeleteFlowLogs",
                id: id.to_string(),
                code,
                message: failure.message().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(())
}

// --- the contract ----------------------------------------------------------------------------

/// The flow-log group's name and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSettings {
    /// The group name.
    pub name: String,
    /// The `data` key it is encrypted with.
    pub kms_key_arn: String,
}

impl ChildKind for kinds::FlowLogGroup {
    type Desired = GroupSettings;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<GroupSettings, ChildError> {
        Ok(GroupSettings {
            name: log_group_name(&cx.env.facts),
            kms_key_arn: inputs.arn(&LogicalId::KmsKey(KeyPurpose::Data))?,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, group: &GroupSettings) -> Result<Record, ChildError> {
        let (name, key, days) = (&group.name, &group.kms_key_arn, self.retention_days);
        ensure_group(cx.clients, cx.owner(), cx.tags(), name, key, days).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        group: &GroupSettings,
    ) -> Result<Vec<String>, ChildError> {
        drift_group(cx.clients, record, &group.kms_key_arn, self.retention_days).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

impl ChildKind for kinds::FlowLogRole {
    /// The permissions boundary.
    type Desired = Option<String>;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Option<String>, ChildError> {
        Ok(role::desired_boundary(cx, inputs))
    }

    async fn ensure(&self, cx: &Cx<'_>, boundary: &Option<String>) -> Result<Record, ChildError> {
        let (clients, facts) = (cx.clients, &cx.env.facts);
        ensure_role(clients, cx.owner(), cx.tags(), facts, boundary.as_deref()).await
    }

    /// Its trust and delivery policies are put back on every apply; its path and boundary
    /// cannot be, so a role at another path or with another boundary is drift (apply makes it
    /// again).
    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        boundary: &Option<String>,
    ) -> Result<Vec<String>, ChildError> {
        let name = record.physical_id.as_str();
        let Some(found) = role::get_role(cx.clients, name).await? else {
            return Ok(vec![format!(
                "role {name}: the role is gone; apply creates it again"
            )]);
        };
        let definition = role_definition(&cx.env.env_id, &cx.env.facts, boundary.as_deref());
        Ok(definition
            .must_recreate(&found)
            .map(|why| format!("role {name}: {why}"))
            .into_iter()
            .collect())
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

/// Where the flow log delivers, and with which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The VPC it records.
    pub vpc_id: String,
    /// The log group's name.
    pub log_group_name: String,
    /// The delivery role's ARN.
    pub role_arn: String,
}

impl ChildKind for kinds::FlowLog {
    type Desired = Delivery;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Delivery, ChildError> {
        Ok(Delivery {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            log_group_name: inputs.physical_id(&LogicalId::FlowLogGroup)?,
            role_arn: inputs.arn(&LogicalId::FlowLogRole)?,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, to: &Delivery) -> Result<Record, ChildError> {
        let traffic = self.traffic_type.as_str();
        let (vpc, group, role) = (&to.vpc_id, &to.log_group_name, &to.role_arn);
        ensure(cx.clients, cx.owner(), cx.tags(), vpc, group, role, traffic).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        _: &Delivery,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, self.traffic_type.as_str()).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MAX_NAME_LEN;

    fn facts() -> EnvironmentFacts {
        EnvironmentFacts {
            partition: "aws".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            name: "team-a".into(),
            stage: "dev".into(),
            trusted_principal_arns: Vec::new(),
        }
    }

    #[test]
    fn the_group_is_under_the_prefix_the_data_key_serves() {
        let f = facts();
        let name = log_group_name(&f);
        assert_eq!(name, "/secure-mlops/team-a/dev/vpc-flow-logs");
        assert!(name.starts_with(&f.log_group_name_prefix()));
    }

    #[test]
    fn role_names_are_deterministic_and_fit_iam() {
        assert_eq!(role_name("team-a-dev"), "team-a-dev-vpc-flow-logs");
        let longest = format!("{}-prod", "a".repeat(MAX_NAME_LEN));
        assert!(role_name(&longest).len() <= MAX_ROLE_NAME_LEN);
        assert!(role_name(&longest).starts_with(&longest));
        let absurd = "x".repeat(200);
        assert_eq!(role_name(&absurd).len(), MAX_ROLE_NAME_LEN);
        assert_eq!(role_name(&absurd), role_name(&absurd));
    }

    #[test]
    fn a_flow_log_differs_by_traffic_type_group_or_role() {
        let desired = Desired {
            log_group_name: "/g",
            role_arn: "arn:aws:iam::1:role/r",
            traffic_type: "REJECT",
        };
        let same = FlowLog::builder()
            .traffic_type(TrafficType::Reject)
            .log_group_name("/g")
            .deliver_logs_permission_arn("arn:aws:iam::1:role/r")
            .build();
        assert!(desired.differences(&same).is_empty());
        let all = FlowLog::builder()
            .traffic_type(TrafficType::All)
            .log_group_name("/other")
            .deliver_logs_permission_arn("arn:aws:iam::1:role/r")
            .build();
        assert_eq!(
            desired.differences(&all),
            [
                "traffic type is ALL instead of REJECT",
                "delivers to /other instead of /g"
            ]
        );
    }

    #[test]
    fn propagation_errors_are_told_from_refusals() {
        assert!(is_propagation_error("AccessDenied", ""));
        assert!(is_propagation_error(
            "InvalidParameter",
            "Unable to assume given IAM role."
        ));
        assert!(is_propagation_error("400", "Access error"));
        assert!(!is_propagation_error(
            "InvalidParameter",
            "LogGroupName is invalid"
        ));
        assert!(!is_propagation_error("FlowLogAlreadyExists", "exists"));
    }
}
