//! The SageMaker security group (all traffic, only from itself) and the endpoint security group
//! (TCP 443 from the SageMaker group and the private subnets). Neither lets in anything else,
//! and neither keeps EC2's default egress to anywhere: the SageMaker group sends only to itself,
//! the endpoints and S3 (and HTTPS to the internet when the environment has NAT gateways); the
//! endpoint group sends nothing. [`ensure`] revokes any rule not in the desired set (e.g. 443
//! from `0.0.0.0/0` added by hand), and [`drift`] reports it. The VPC's default group is
//! emptied ([`empty_default_group`]).

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroup, UserIdGroupPair,
};

use super::ec2_tags::{delete_retrying, filter, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::reads::Known;
use super::subnet;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;

/// Record kind of a security group.
pub const KIND: RecordKind = RecordKind::SecurityGroup;
/// Record attribute holding the child's logical id, which drift reports name.
const LOGICAL_ID_ATTRIBUTE: &str = "logical_id";

/// One rule the engine wants, in either direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    /// Every protocol and port with members of this group itself.
    AllWithSelf,
    /// TCP on one port with a peer.
    Tcp {
        /// The port.
        port: i32,
        /// Where the traffic comes from (ingress) or goes to (egress).
        peer: Peer,
    },
}

/// The other side of a TCP rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Members of another group, by id.
    Group(String),
    /// An IPv4 CIDR.
    Cidr(String),
    /// The region's AWS-managed prefix list of S3 (`com.amazonaws.<region>.s3`), which traffic
    /// through the S3 gateway endpoint is addressed to; its id is read when the rule is applied.
    S3PrefixList,
}

/// What one group lets in and out. A group with no egress rule sends nothing: security groups
/// are stateful, so answers to allowed ingress still leave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// Ingress.
    pub ingress: Vec<Allow>,
    /// Egress; EC2's default (all traffic to anywhere) is revoked unless listed.
    pub egress: Vec<Allow>,
}

impl Rules {
    fn needs_s3_prefix_list(&self) -> bool {
        self.ingress.iter().chain(&self.egress).any(|a| {
            matches!(
                a,
                Allow::Tcp {
                    peer: Peer::S3PrefixList,
                    ..
                }
            )
        })
    }
}

impl Allow {
    fn rule(&self, own_group_id: &str, s3_prefix_list: Option<&str>) -> Rule {
        match self {
            Allow::AllWithSelf => Rule {
                protocol: ALL_PROTOCOLS.to_string(),
                ports: None,
                source: Source::Group(own_group_id.to_string()),
            },
            Allow::Tcp { port, peer } => Rule {
                protocol: "tcp".to_string(),
                ports: Some((*port, *port)),
                source: match peer {
                    Peer::Group(g) => Source::Group(g.clone()),
                    Peer::Cidr(c) => Source::Cidr(c.clone()),
                    Peer::S3PrefixList => {
                        Source::PrefixList(s3_prefix_list.unwrap_or_default().to_string())
                    }
                },
            },
        }
    }
}

/// Which way a rule points, for EC2's calls and for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The rules `allowed` make for the group `group_id`, sorted and without duplicates.
fn desired_rules(allowed: &[Allow], group_id: &str, s3_prefix_list: Option<&str>) -> Vec<Rule> {
    let mut rules: Vec<Rule> = allowed
        .iter()
        .map(|a| a.rule(group_id, s3_prefix_list))
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The id of the region's S3 prefix list, when `rules` need it.
async fn s3_prefix_list_for(
    clients: &AwsClients,
    rules: &Rules,
) -> Result<Option<String>, ChildError> {
    if !rules.needs_s3_prefix_list() {
        return Ok(None);
    }
    let name = format!("com.amazonaws.{}.s3", clients.region);
    let out = clients
        .ec2
        .describe_managed_prefix_lists()
        .filters(filter("prefix-list-name", &name))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeManagedPrefixLists", e))?;
    let id = out
        .prefix_lists()
        .iter()
        .find(|l| l.prefix_list_name() == Some(name.as_str()))
        .and_then(|l| l.prefix_list_id())
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeManagedPrefixLists",
            missing: "the S3 prefix list",
        })?;
    Ok(Some(id.to_string()))
}

/// EC2's protocol value for "every protocol".
const ALL_PROTOCOLS: &str = "-1";

/// One ingress rule as EC2 holds it: a permission (protocol and ports) from one source. EC2
/// groups sources sharing protocol and ports into one `IpPermission`; comparing and revoking
/// works per source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rule {
    /// `tcp`, `udp`, `icmp`, … or `-1` for all.
    protocol: String,
    /// First and last port (ICMP: type and code); `None` for all protocols.
    ports: Option<(i32, i32)>,
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Cidr(String),
    Ipv6Cidr(String),
    Group(String),
    PrefixList(String),
}

impl Rule {
    fn permission(&self) -> IpPermission {
        let mut p = IpPermission::builder().ip_protocol(&self.protocol);
        if let Some((from, to)) = self.ports {
            p = p.from_port(from).to_port(to);
        }
        p = match &self.source {
            Source::Cidr(c) => p.ip_ranges(IpRange::builder().cidr_ip(c).build()),
            Source::Ipv6Cidr(c) => p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).build()),
            Source::Group(g) => {
                p.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).build())
            }
            Source::PrefixList(l) => {
                p.prefix_list_ids(PrefixListId::builder().prefix_list_id(l).build())
            }
        };
        p.build()
    }
}

impl Rule {
    /// `tcp port 443 from 10.0.0.0/24` (ingress), `all traffic to group sg-1` (egress).
    fn text(&self, direction: Direction) -> String {
        let what = match (self.protocol.as_str(), self.ports) {
            (ALL_PROTOCOLS, _) | (_, None) => "all traffic".to_string(),
            (protocol, Some((from, to))) if from == to => format!("{protocol} port {from}"),
            (protocol, Some((from, to))) => format!("{protocol} ports {from}-{to}"),
        };
        let towards = match direction {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        };
        let peer = match &self.source {
            Source::Cidr(c) | Source::Ipv6Cidr(c) => c.clone(),
            Source::Group(g) => format!("group {g}"),
            Source::PrefixList(l) => format!("prefix list {l}"),
        };
        format!("{what} {towards} {peer}")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Direction::Ingress))
    }
}

/// EC2 answers with the protocol as it was given, as a name or an IANA number.
fn normalize_protocol(protocol: &str) -> String {
    match protocol.to_ascii_lowercase().as_str() {
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "1" => "icmp".to_string(),
        "all" => ALL_PROTOCOLS.to_string(),
        other => other.to_string(),
    }
}

/// The rules `permissions` hold, one per source, sorted.
fn rules_of(permissions: &[IpPermission]) -> Vec<Rule> {
    let mut rules = Vec::new();
    for p in permissions {
        let protocol = normalize_protocol(p.ip_protocol().unwrap_or(ALL_PROTOCOLS));
        let ports = match (protocol.as_str(), p.from_port(), p.to_port()) {
            (ALL_PROTOCOLS, _, _) => None,
            (_, Some(from), Some(to)) => Some((from, to)),
            _ => None,
        };
        let sources = p
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip().map(|c| Source::Cidr(c.to_string())))
            .chain(
                p.ipv6_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ipv6().map(|c| Source::Ipv6Cidr(c.to_string()))),
            )
            .chain(
                p.user_id_group_pairs()
                    .iter()
                    .filter_map(|g| g.group_id().map(|id| Source::Group(id.to_string()))),
            )
            .chain(p.prefix_list_ids().iter().filter_map(|l| {
                l.prefix_list_id()
                    .map(|id| Source::PrefixList(id.to_string()))
            }));
        for source in sources {
            rules.push(Rule {
                protocol: protocol.clone(),
                ports,
                source,
            });
        }
    }
    rules.sort();
    rules.dedup();
    rules
}

/// The rules of `existing` not in `desired` (to revoke) and those of `desired` not in
/// `existing` (to add).
fn differences(existing: &[Rule], desired: &[Rule]) -> (Vec<Rule>, Vec<Rule>) {
    let extra = existing
        .iter()
        .filter(|r| !desired.contains(r))
        .cloned()
        .collect();
    let mut missing: Vec<Rule> = desired
        .iter()
        .filter(|r| !existing.contains(r))
        .cloned()
        .collect();
    missing.sort();
    missing.dedup();
    (extra, missing)
}

/// Adopts the group tagged as `owner` in the VPC, or creates it (named `<env id>-<logical id>`);
/// then adds whichever of `rules` are missing and revokes every other rule, both ways (a new
/// group's default egress to anywhere included).
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    description: &str,
    rules: &Rules,
) -> Result<Record, ChildError> {
    let group = match find(clients, owner, vpc_id).await? {
        Some(group) => group,
        None => {
            let out = clients
                .ec2
                .create_security_group()
                .group_name(owner.name())
                .description(description)
                .vpc_id(vpc_id)
                .tag_specifications(owner.tag_specification(ResourceType::SecurityGroup, tags))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "CreateSecurityGroup", e))?;
            let id = out.group_id().ok_or(ChildError::IncompleteAnswer {
                operation: "CreateSecurityGroup",
                missing: "GroupId",
            })?;
            // Read back: EC2 gives a new group a default egress rule (two with IPv6).
            describe(clients, id)
                .await?
                .ok_or(ChildError::IncompleteAnswer {
                    operation: "DescribeSecurityGroups",
                    missing: "the group just created",
                })?
        }
    };
    let group_id = group.group_id().unwrap_or_default().to_string();
    let s3 = s3_prefix_list_for(clients, rules).await?;
    let s3 = s3.as_deref();
    for (direction, existing, allowed) in [
        (Direction::Ingress, group.ip_permissions(), &rules.ingress),
        (
            Direction::Egress,
            group.ip_permissions_egress(),
            &rules.egress,
        ),
    ] {
        let desired = desired_rules(allowed, &group_id, s3);
        let (extra, missing) = differences(&rules_of(existing), &desired);
        // Add before revoking, so allowed traffic never stops while a rule is replaced.
        for rule in &missing {
            authorize(clients, &group_id, direction, rule).await?;
        }
        if !extra.is_empty() {
            tracing::info!(group = %group_id, direction = direction.name(), rules = ?extra, "revoking rules the environment does not allow");
            revoke(clients, &group_id, direction, &extra).await?;
        }
    }
    Ok(Record {
        kind: KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:security-group/{group_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: group_id.clone(),
        attributes: BTreeMap::from([
            ("vpc_id".to_string(), vpc_id.to_string()),
            ("group_name".to_string(), owner.name()),
            (
                LOGICAL_ID_ATTRIBUTE.to_string(),
                owner.logical_id.to_string(),
            ),
        ]),
        depends_on: Vec::new(),
    })
}

/// Adds one rule; one that is already there counts as added.
async fn authorize(
    clients: &AwsClients,
    group_id: &str,
    direction: Direction,
    rule: &Rule,
) -> Result<(), ChildError> {
    let result = match direction {
        Direction::Ingress => clients
            .ec2
            .authorize_security_group_ingress()
            .group_id(group_id)
            .ip_permissions(rule.permission())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsCallError::from_sdk("ec2", "AuthorizeSecurityGroupIngress", e)),
        Direction::Egress => clients
            .ec2
            .authorize_security_group_egress()
            .group_id(group_id)
            .ip_permissions(rule.permission())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsCallError::from_sdk("ec2", "AuthorizeSecurityGroupEgress", e)),
    };
    match result {
        Err(err) if err.code != "InvalidPermission.Duplicate" => Err(err.into()),
        _ => Ok(()),
    }
}

/// Revokes rules; rules (or a group) already gone count as revoked.
async fn revoke(
    clients: &AwsClients,
    group_id: &str,
    direction: Direction,
    rules: &[Rule],
) -> Result<(), ChildError> {
    let permissions = Some(rules.iter().map(Rule::permission).collect());
    revoke_permissions(clients, group_id, direction, permissions).await
}

async fn revoke_permissions(
    clients: &AwsClients,
    group_id: &str,
    direction: Direction,
    permissions: Option<Vec<IpPermission>>,
) -> Result<(), ChildError> {
    let result = match direction {
        Direction::Ingress => clients
            .ec2
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(permissions)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsCallError::from_sdk("ec2", "RevokeSecurityGroupIngress", e)),
        Direction::Egress => clients
            .ec2
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(permissions)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsCallError::from_sdk("ec2", "RevokeSecurityGroupEgress", e)),
    };
    match result {
        Err(err) if !err.is_not_found() => Err(err.into()),
        _ => Ok(()),
    }
}

/// What differs between the group in `record` and `rules`: rules that are not allowed and
/// rules that are missing, one line each; empty when it complies. A group deleted outside the
/// engine is drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    rules: &Rules,
) -> Result<Vec<String>, ChildError> {
    drift_known(clients, record, rules, Known::Unknown).await
}

/// [`drift`], with the group as a refresh read it ahead.
async fn drift_known(
    clients: &AwsClients,
    record: &Record,
    rules: &Rules,
    known: Known<'_, SecurityGroup>,
) -> Result<Vec<String>, ChildError> {
    let found = known
        .or_read(describe(clients, &record.physical_id))
        .await?;
    let name = record
        .attributes
        .get(LOGICAL_ID_ATTRIBUTE)
        .map_or(record.kind.as_str(), String::as_str);
    let label = format!("{name} ({})", record.physical_id);
    let Some(group) = found else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply recreates it"
        )]);
    };
    let s3 = s3_prefix_list_for(clients, rules).await?;
    let mut lines = Vec::new();
    for (direction, existing, allowed) in [
        (Direction::Ingress, group.ip_permissions(), &rules.ingress),
        (
            Direction::Egress,
            group.ip_permissions_egress(),
            &rules.egress,
        ),
    ] {
        let desired = desired_rules(allowed, &record.physical_id, s3.as_deref());
        let (extra, missing) = differences(&rules_of(existing), &desired);
        let way = direction.name();
        lines.extend(extra.iter().map(|r| {
            format!(
                "{label}: {way} {} is not allowed; apply revokes it",
                r.text(direction)
            )
        }));
        lines.extend(missing.iter().map(|r| {
            format!(
                "{label}: {way} {} is missing; apply adds it",
                r.text(direction)
            )
        }));
    }
    Ok(lines)
}

/// Empties the VPC's default security group, both ways (Security Hub EC2.2): nothing the
/// environment runs uses it, and a resource launched without a group lands in it.
pub async fn empty_default_group(clients: &AwsClients, vpc_id: &str) -> Result<(), ChildError> {
    let Some((id, held)) = default_group_rules_by_direction(clients, vpc_id).await? else {
        return Ok(());
    };
    for (direction, rules) in held {
        if !rules.is_empty() {
            tracing::info!(group = %id, direction = direction.name(), rules = ?rules, "emptying the VPC's default security group");
            revoke(clients, &id, direction, &rules).await?;
        }
    }
    Ok(())
}

/// The rules the VPC's default security group holds, one line each (empty when it is empty).
pub async fn default_group_rules(
    clients: &AwsClients,
    vpc_id: &str,
    known: Known<'_, SecurityGroup>,
) -> Result<Vec<String>, ChildError> {
    let held = match known {
        Known::Found(group) => Some(rules_by_direction(group)),
        Known::Missing => None,
        Known::Unknown => default_group_rules_by_direction(clients, vpc_id).await?,
    };
    let Some((id, held)) = held else {
        return Ok(Vec::new());
    };
    Ok(held
        .iter()
        .flat_map(|(direction, rules)| {
            rules.iter().map(|r| {
                format!(
                    "default security group ({id}): {} {} is not allowed; apply revokes it",
                    direction.name(),
                    r.text(*direction)
                )
            })
        })
        .collect())
}

/// The default group's id and its rules, ingress then egress; `None` when the VPC has none.
async fn default_group_rules_by_direction(
    clients: &AwsClients,
    vpc_id: &str,
) -> Result<Option<(String, [(Direction, Vec<Rule>); 2])>, ChildError> {
    Ok(default_group(clients, vpc_id)
        .await?
        .map(|group| rules_by_direction(&group)))
}

/// A group's id and its rules, ingress then egress.
fn rules_by_direction(group: &SecurityGroup) -> (String, [(Direction, Vec<Rule>); 2]) {
    (
        group.group_id().unwrap_or_default().to_string(),
        [
            (Direction::Ingress, rules_of(group.ip_permissions())),
            (Direction::Egress, rules_of(group.ip_permissions_egress())),
        ],
    )
}

async fn default_group(
    clients: &AwsClients,
    vpc_id: &str,
) -> Result<Option<SecurityGroup>, ChildError> {
    let out = clients
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
    Ok(out
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("default") && g.vpc_id() == Some(vpc_id))
        .cloned())
}

/// Revokes the group's rules that reference other groups (AWS refuses to delete a group
/// another group's rule references), then deletes it, retrying while network interfaces still
/// use it. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, group_id: &str) -> Result<(), ChildError> {
    let Some(group) = describe(clients, group_id).await? else {
        return Ok(());
    };
    for (direction, permissions) in [
        (Direction::Ingress, group.ip_permissions()),
        (Direction::Egress, group.ip_permissions_egress()),
    ] {
        let referencing: Vec<IpPermission> = permissions
            .iter()
            .filter(|p| {
                p.user_id_group_pairs()
                    .iter()
                    .any(|g| g.group_id().is_some_and(|id| id != group_id))
            })
            .cloned()
            .collect();
        if !referencing.is_empty() {
            revoke_permissions(clients, group_id, direction, Some(referencing)).await?;
        }
    }
    delete_retrying(
        &format!("security group {group_id} to be deletable"),
        || {
            let ec2 = clients.ec2.clone();
            let id = group_id.to_string();
            async move {
                ec2.delete_security_group()
                    .group_id(id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsCallError::from_sdk("ec2", "DeleteSecurityGroup", e))
            }
        },
    )
    .await?;
    Ok(())
}

async fn describe(
    clients: &AwsClients,
    group_id: &str,
) -> Result<Option<SecurityGroup>, AwsCallError> {
    match clients
        .ec2
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups().first().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

async fn find(
    clients: &AwsClients,
    owner: Owner<'_>,
    vpc_id: &str,
) -> Result<Option<SecurityGroup>, AwsCallError> {
    let mut filters = owner.filters();
    filters.push(filter("vpc-id", vpc_id));
    let out = clients
        .ec2
        .describe_security_groups()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
    Ok(out
        .security_groups()
        .iter()
        .find(|g| owner.owns(g.tags()) && g.vpc_id() == Some(vpc_id))
        .cloned())
}

// --- the contract ----------------------------------------------------------------------------

/// What one of the environment's security groups should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSettings {
    /// Its VPC.
    pub vpc_id: String,
    /// What it is for, in EC2's description.
    pub description: &'static str,
    /// What it lets in and out.
    pub rules: Rules,
}

/// The methods both groups share: they differ only in their rules.
macro_rules! group_methods {
    () => {
        async fn ensure(&self, cx: &Cx<'_>, group: &GroupSettings) -> Result<Record, ChildError> {
            let (vpc, description) = (&group.vpc_id, group.description);
            ensure(
                cx.clients,
                cx.owner(),
                cx.tags(),
                vpc,
                description,
                &group.rules,
            )
            .await
        }

        async fn drift(
            &self,
            cx: &Cx<'_>,
            record: &Record,
            group: &GroupSettings,
        ) -> Result<Vec<String>, ChildError> {
            let known = cx.env.reads.group(&record.physical_id);
            drift_known(cx.clients, record, &group.rules, known).await
        }

        fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
            false
        }
    };
}

/// The private subnets' CIDRs, read from their records (so brought subnets work too).
fn private_subnet_cidrs(inputs: &Inputs<'_>) -> Result<Vec<String>, ChildError> {
    inputs
        .dependencies(|id| matches!(id, LogicalId::PrivateSubnet(_)))?
        .into_iter()
        .map(|subnet| {
            subnet
                .attributes
                .get(subnet::CIDR_ATTRIBUTE)
                .cloned()
                .ok_or_else(|| ChildError::MissingInput {
                    child: inputs.id.to_string(),
                    input: format!("{}.{}", subnet.physical_id, subnet::CIDR_ATTRIBUTE),
                })
        })
        .collect()
}

/// HTTPS, the only port anything in the environment talks to AWS on.
const HTTPS: i32 = 443;

impl ChildKind for kinds::SageMakerSecurityGroup {
    type Desired = GroupSettings;

    /// In: all traffic, only from itself. Out: all traffic to itself (distributed training,
    /// Studio's apps), HTTPS to the private subnets (where the interface endpoints listen) and
    /// to S3's prefix list (the gateway endpoint); HTTPS to anywhere only when the environment
    /// has NAT gateways, which exist to reach the internet. Studio's file system traffic uses
    /// the NFS groups SageMaker adds to each app; DNS to the VPC resolver is not filtered.
    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<GroupSettings, ChildError> {
        let https = |peer| Allow::Tcp { port: HTTPS, peer };
        let mut egress = vec![Allow::AllWithSelf, https(Peer::S3PrefixList)];
        egress.extend(
            private_subnet_cidrs(inputs)?
                .into_iter()
                .map(|c| https(Peer::Cidr(c))),
        );
        if self.internet_https {
            egress.push(https(Peer::Cidr("0.0.0.0/0".to_string())));
        }
        Ok(GroupSettings {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            description: "SageMaker workloads: all traffic only from this group",
            rules: Rules {
                ingress: vec![Allow::AllWithSelf],
                egress,
            },
        })
    }

    group_methods!();
}

impl ChildKind for kinds::EndpointSecurityGroup {
    type Desired = GroupSettings;

    /// In: HTTPS from the SageMaker group and from each private subnet's CIDR. Out: nothing
    /// (an endpoint only answers).
    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<GroupSettings, ChildError> {
        let https = |peer| Allow::Tcp { port: HTTPS, peer };
        let mut ingress = vec![https(Peer::Group(
            inputs.physical_id(&LogicalId::SageMakerSecurityGroup)?,
        ))];
        ingress.extend(
            private_subnet_cidrs(inputs)?
                .into_iter()
                .map(|c| https(Peer::Cidr(c))),
        );
        Ok(GroupSettings {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            description: "VPC interface endpoints: HTTPS from SageMaker and the private subnets",
            rules: Rules {
                ingress,
                egress: Vec::new(),
            },
        })
    }

    group_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Vec<Rule> {
        [
            Allow::Tcp {
                port: 443,
                peer: Peer::Group("sg-sagemaker".into()),
            },
            Allow::Tcp {
                port: 443,
                peer: Peer::Cidr("10.0.0.0/24".into()),
            },
        ]
        .iter()
        .map(|i| i.rule("sg-endpoints", None))
        .collect()
    }

    #[test]
    fn a_rule_opened_to_the_internet_is_extra() {
        let existing = vec![IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/24").build())
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-sagemaker").build())
            .build()];
        let (extra, missing) = differences(&rules_of(&existing), &desired());
        assert!(missing.is_empty(), "{missing:?}");
        assert_eq!(extra.len(), 1, "{extra:?}");
        assert_eq!(extra[0].to_string(), "tcp port 443 from 0.0.0.0/0");
        // Revoking it names only that source, so the allowed ones stay.
        let revoke = extra[0].permission();
        assert_eq!(revoke.ip_ranges().len(), 1);
        assert!(revoke.user_id_group_pairs().is_empty());
    }

    #[test]
    fn missing_rules_and_other_ports_are_found() {
        let existing = vec![IpPermission::builder()
            .ip_protocol("6")
            .from_port(0)
            .to_port(65535)
            .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-sagemaker").build())
            .build()];
        let (extra, missing) = differences(&rules_of(&existing), &desired());
        assert_eq!(
            extra.iter().map(Rule::to_string).collect::<Vec<_>>(),
            ["tcp ports 0-65535 from group sg-sagemaker"]
        );
        assert_eq!(missing, desired_sorted());
    }

    fn desired_sorted() -> Vec<Rule> {
        let mut d = desired();
        d.sort();
        d
    }

    #[test]
    fn all_traffic_from_self_matches_whatever_ports_ec2_reports() {
        let own = [Allow::AllWithSelf.rule("sg-1", None)];
        for p in [
            IpPermission::builder()
                .ip_protocol("-1")
                .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-1").build())
                .build(),
            IpPermission::builder()
                .ip_protocol("-1")
                .from_port(-1)
                .to_port(-1)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-1").build())
                .build(),
        ] {
            let (extra, missing) = differences(&rules_of(&[p]), &own);
            assert!(
                extra.is_empty() && missing.is_empty(),
                "{extra:?} {missing:?}"
            );
        }
        assert_eq!(own[0].to_string(), "all traffic from group sg-1");
        assert_eq!(own[0].text(Direction::Egress), "all traffic to group sg-1");
    }

    #[test]
    fn ec2s_default_egress_is_extra_and_the_s3_prefix_list_is_resolved() {
        let default_egress = vec![IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build()];
        let rules = Rules {
            ingress: Vec::new(),
            egress: vec![Allow::Tcp {
                port: 443,
                peer: Peer::S3PrefixList,
            }],
        };
        assert!(rules.needs_s3_prefix_list());
        assert!(!Rules::default().needs_s3_prefix_list());
        let desired = desired_rules(&rules.egress, "sg-1", Some("pl-6da54004"));
        let (extra, missing) = differences(&rules_of(&default_egress), &desired);
        assert_eq!(
            extra
                .iter()
                .map(|r| r.text(Direction::Egress))
                .collect::<Vec<_>>(),
            ["all traffic to 0.0.0.0/0"]
        );
        assert_eq!(
            missing
                .iter()
                .map(|r| r.text(Direction::Egress))
                .collect::<Vec<_>>(),
            ["tcp port 443 to prefix list pl-6da54004"]
        );
        // The revoke names the prefix list only.
        let grant = missing[0].permission();
        assert_eq!(grant.prefix_list_ids().len(), 1);
        assert!(grant.ip_ranges().is_empty());
    }
}
