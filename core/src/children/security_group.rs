//! The SageMaker security group (all traffic, only from itself) and the endpoint security group
//! (TCP 443 from the SageMaker group and the private subnets). Neither has ingress from
//! anywhere else: [`ensure`] revokes any rule not in the desired set (e.g. 443 from `0.0.0.0/0`
//! added by hand), and [`drift`] reports it. Both keep the default egress.

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroup, UserIdGroupPair,
};

use super::ec2_tags::{delete_retrying, filter, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
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

/// One ingress rule the engine wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingress {
    /// Every protocol and port from members of this group itself.
    AllFromSelf,
    /// TCP on one port from members of another group.
    TcpFromGroup {
        /// The port.
        port: i32,
        /// The source group's id.
        group_id: String,
    },
    /// TCP on one port from an IPv4 CIDR.
    TcpFromCidr {
        /// The port.
        port: i32,
        /// The source CIDR.
        cidr: String,
    },
}

impl Ingress {
    fn rule(&self, own_group_id: &str) -> Rule {
        match self {
            Ingress::AllFromSelf => Rule {
                protocol: ALL_PROTOCOLS.to_string(),
                ports: None,
                source: Source::Group(own_group_id.to_string()),
            },
            Ingress::TcpFromGroup { port, group_id } => Rule {
                protocol: "tcp".to_string(),
                ports: Some((*port, *port)),
                source: Source::Group(group_id.clone()),
            },
            Ingress::TcpFromCidr { port, cidr } => Rule {
                protocol: "tcp".to_string(),
                ports: Some((*port, *port)),
                source: Source::Cidr(cidr.clone()),
            },
        }
    }
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

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.protocol.as_str(), self.ports) {
            (ALL_PROTOCOLS, _) | (_, None) => write!(f, "all traffic")?,
            (protocol, Some((from, to))) if from == to => write!(f, "{protocol} port {from}")?,
            (protocol, Some((from, to))) => write!(f, "{protocol} ports {from}-{to}")?,
        }
        match &self.source {
            Source::Cidr(c) | Source::Ipv6Cidr(c) => write!(f, " from {c}"),
            Source::Group(g) => write!(f, " from group {g}"),
            Source::PrefixList(l) => write!(f, " from prefix list {l}"),
        }
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
/// then adds whichever of `ingress` is missing and revokes every other ingress rule.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    description: &str,
    ingress: &[Ingress],
) -> Result<Record, ChildError> {
    let (group_id, existing) = match find(clients, owner, vpc_id).await? {
        Some(group) => (
            group.group_id().unwrap_or_default().to_string(),
            group.ip_permissions().to_vec(),
        ),
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
            (id.to_string(), Vec::new())
        }
    };
    let desired: Vec<Rule> = ingress.iter().map(|i| i.rule(&group_id)).collect();
    let (extra, missing) = differences(&rules_of(&existing), &desired);
    for rule in &missing {
        let result = clients
            .ec2
            .authorize_security_group_ingress()
            .group_id(&group_id)
            .ip_permissions(rule.permission())
            .send()
            .await;
        if let Err(e) = result {
            let err = AwsCallError::from_sdk("ec2", "AuthorizeSecurityGroupIngress", e);
            if err.code != "InvalidPermission.Duplicate" {
                return Err(err.into());
            }
        }
    }
    if !extra.is_empty() {
        tracing::info!(group = %group_id, rules = ?extra, "revoking ingress the environment does not allow");
        if let Err(e) = clients
            .ec2
            .revoke_security_group_ingress()
            .group_id(&group_id)
            .set_ip_permissions(Some(extra.iter().map(Rule::permission).collect()))
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "RevokeSecurityGroupIngress", e);
            if !err.is_not_found() {
                return Err(err.into());
            }
        }
    }
    Ok(Record {
        kind: KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:security-group/{group_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: group_id,
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

/// What differs between the group in `record` and `ingress`: rules that are not allowed and
/// rules that are missing, one line each; empty when it complies. A group deleted outside the
/// engine is drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    ingress: &[Ingress],
) -> Result<Vec<String>, ChildError> {
    let name = record
        .attributes
        .get(LOGICAL_ID_ATTRIBUTE)
        .map_or(record.kind.as_str(), String::as_str);
    let label = format!("{name} ({})", record.physical_id);
    let Some(group) = describe(clients, &record.physical_id).await? else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply recreates it"
        )]);
    };
    let desired: Vec<Rule> = ingress
        .iter()
        .map(|i| i.rule(&record.physical_id))
        .collect();
    let (extra, missing) = differences(&rules_of(group.ip_permissions()), &desired);
    Ok(extra
        .iter()
        .map(|r| format!("{label}: ingress {r} is not allowed; apply revokes it"))
        .chain(
            missing
                .iter()
                .map(|r| format!("{label}: ingress {r} is missing; apply adds it")),
        )
        .collect())
}

/// Revokes the group's ingress rules that reference other groups (AWS refuses to delete a group
/// another group's rule references), then deletes it, retrying while network interfaces still
/// use it. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, group_id: &str) -> Result<(), ChildError> {
    let Some(group) = describe(clients, group_id).await? else {
        return Ok(());
    };
    let referencing: Vec<IpPermission> = group
        .ip_permissions()
        .iter()
        .filter(|p| {
            p.user_id_group_pairs()
                .iter()
                .any(|g| g.group_id().is_some_and(|id| id != group_id))
        })
        .cloned()
        .collect();
    if !referencing.is_empty() {
        if let Err(e) = clients
            .ec2
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(referencing))
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "RevokeSecurityGroupIngress", e);
            if !err.is_not_found() {
                return Err(err.into());
            }
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
    /// Its ingress rules.
    pub ingress: Vec<Ingress>,
}

/// The methods both groups share: they differ only in what they let in.
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
                &group.ingress,
            )
            .await
        }

        async fn drift(
            &self,
            cx: &Cx<'_>,
            record: &Record,
            group: &GroupSettings,
        ) -> Result<Vec<String>, ChildError> {
            drift(cx.clients, record, &group.ingress).await
        }

        fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
            false
        }
    };
}

impl ChildKind for kinds::SageMakerSecurityGroup {
    type Desired = GroupSettings;

    /// All traffic, only from itself.
    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<GroupSettings, ChildError> {
        Ok(GroupSettings {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            description: "SageMaker workloads: all traffic only from this group",
            ingress: vec![Ingress::AllFromSelf],
        })
    }

    group_methods!();
}

impl ChildKind for kinds::EndpointSecurityGroup {
    type Desired = GroupSettings;

    /// HTTPS from the SageMaker group and from each private subnet's CIDR (read from the
    /// subnets' records, so brought subnets work too).
    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<GroupSettings, ChildError> {
        let mut ingress = vec![Ingress::TcpFromGroup {
            port: 443,
            group_id: inputs.physical_id(&LogicalId::SageMakerSecurityGroup)?,
        }];
        for subnet in inputs.dependencies(|id| matches!(id, LogicalId::PrivateSubnet(_)))? {
            let cidr = subnet
                .attributes
                .get(subnet::CIDR_ATTRIBUTE)
                .ok_or_else(|| ChildError::MissingInput {
                    child: inputs.id.to_string(),
                    input: format!("{}.{}", subnet.physical_id, subnet::CIDR_ATTRIBUTE),
                })?;
            ingress.push(Ingress::TcpFromCidr {
                port: 443,
                cidr: cidr.clone(),
            });
        }
        Ok(GroupSettings {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            description: "VPC interface endpoints: HTTPS from SageMaker and the private subnets",
            ingress,
        })
    }

    group_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Vec<Rule> {
        [
            Ingress::TcpFromGroup {
                port: 443,
                group_id: "sg-sagemaker".into(),
            },
            Ingress::TcpFromCidr {
                port: 443,
                cidr: "10.0.0.0/24".into(),
            },
        ]
        .iter()
        .map(|i| i.rule("sg-endpoints"))
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
        let own = [Ingress::AllFromSelf.rule("sg-1")];
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
    }
}
