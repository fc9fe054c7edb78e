//! The children of a team environment, derived from an [`EnvironmentSpec`].
//!
//! Pure data: which nodes exist, with which settings and dependencies, decided from the spec
//! alone. Existing (bring-your-own) VPCs and subnets are nodes too, of kinds the driver only
//! reads and never deletes, so dependents name them the same way in both modes.

use std::collections::BTreeMap;

use super::{Graph, GraphError, Node};
use crate::spec::{Cidr, EnvironmentSpec};

/// Which persona a role serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Persona {
    /// Data scientists (Studio users).
    DataScientist,
    /// The team's administrator.
    TeamAdmin,
    /// SageMaker's execution role for Studio, jobs and pipelines.
    Execution,
    /// Service Catalog's launch role for the team's products.
    ScLaunch,
}

impl Persona {
    /// Every persona, in a fixed order.
    pub const ALL: [Persona; 4] = [
        Persona::DataScientist,
        Persona::TeamAdmin,
        Persona::Execution,
        Persona::ScLaunch,
    ];

    /// The key used in ids and in the `role_arns` map.
    pub fn key(&self) -> &'static str {
        match self {
            Persona::DataScientist => "data_scientist",
            Persona::TeamAdmin => "team_admin",
            Persona::Execution => "execution",
            Persona::ScLaunch => "sc_launch",
        }
    }
}

/// What a KMS key encrypts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPurpose {
    /// S3 data and model buckets, flow-log group.
    Data,
    /// Volumes of training, processing and notebook instances.
    Ebs,
    /// Studio's home file system and volumes.
    Studio,
}

impl KeyPurpose {
    /// Every purpose.
    pub const ALL: [KeyPurpose; 3] = [KeyPurpose::Data, KeyPurpose::Ebs, KeyPurpose::Studio];

    /// The key used in ids and in the `kms_key_arns` map.
    pub fn key(&self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::Ebs => "ebs",
            KeyPurpose::Studio => "studio",
        }
    }
}

/// One child of an environment and its desired settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Child {
    /// A VPC with DNS support and hostnames.
    Vpc {
        /// Its CIDR.
        cidr: Cidr,
    },
    /// A VPC the user brought: read, never changed or deleted.
    ExistingVpc {
        /// Its id.
        vpc_id: String,
    },
    /// A subnet.
    Subnet {
        /// Zone.
        zone: String,
        /// CIDR.
        cidr: Cidr,
        /// Public (NAT) or private (workloads).
        public: bool,
    },
    /// A subnet the user brought: read, never changed or deleted.
    ExistingSubnet {
        /// Its id.
        subnet_id: String,
    },
    /// The internet gateway, only with NAT.
    InternetGateway,
    /// The Elastic IP of a NAT gateway.
    NatAddress {
        /// Zone.
        zone: String,
    },
    /// A NAT gateway in a public subnet.
    NatGateway {
        /// Zone.
        zone: String,
    },
    /// A route table; private ones route to the zone's NAT gateway when there is one and to
    /// nothing outside the VPC otherwise; the public one routes to the internet gateway.
    RouteTable {
        /// Zone for private tables, `None` for the public table.
        zone: Option<String>,
        /// Public or private.
        public: bool,
    },
    /// The SageMaker security group: ingress only from itself.
    SageMakerSecurityGroup,
    /// The endpoint security group: TCP 443 from the SageMaker group and the private subnets.
    EndpointSecurityGroup,
    /// The S3 gateway endpoint on the private route tables.
    S3GatewayEndpoint,
    /// An S3 gateway endpoint the user brought.
    ExistingS3Endpoint {
        /// Its id.
        endpoint_id: String,
    },
    /// An interface endpoint with private DNS in every private subnet.
    InterfaceEndpoint {
        /// Service name after `com.amazonaws.<region>.` (`sts`, `sagemaker.api`).
        service: String,
    },
    /// A KMS key with rotation on.
    KmsKey {
        /// What it encrypts.
        purpose: KeyPurpose,
    },
    /// A bucket: SSE-KMS with the data key, public access blocked, versioning, TLS-only and
    /// endpoint-only policy.
    Bucket {
        /// `data` or `models`.
        purpose: &'static str,
        /// Its name, when the user chose one (else derived from name, stage, region, account).
        name: Option<String>,
        /// Empty it on destroy.
        force_destroy: bool,
    },
    /// A persona or service role created by the environment.
    Role {
        /// Which one.
        persona: Persona,
    },
    /// A role the user brought for a persona: read, never changed or deleted.
    ExistingRole {
        /// Which one.
        persona: Persona,
        /// Its ARN.
        arn: String,
    },
    /// The guardrail policy attached to the persona and execution roles.
    GuardrailPolicy,
    /// The KMS-encrypted log group for flow logs.
    FlowLogGroup {
        /// Retention in days.
        retention_days: i64,
    },
    /// The role VPC flow logs deliver with.
    FlowLogRole,
    /// The VPC flow log.
    FlowLog {
        /// `ACCEPT`, `REJECT` or `ALL`.
        traffic_type: String,
    },
    /// The Studio domain: VPC-only, in the private subnets, encrypted with the `studio` key.
    StudioDomain {
        /// Its name.
        name: String,
        /// `IAM` or `SSO`.
        auth_mode: String,
    },
    /// A Studio user profile running as a persona role.
    StudioUserProfile {
        /// Its name.
        name: String,
        /// The persona whose role it runs as.
        persona: Persona,
    },
}

/// Logical id of the VPC node (created or existing).
pub const VPC: &str = "vpc";
/// Logical id of the internet gateway.
pub const INTERNET_GATEWAY: &str = "internet-gateway";
/// Logical id of the public route table.
pub const PUBLIC_ROUTE_TABLE: &str = "route-table-public";
/// Logical id of the SageMaker security group.
pub const SAGEMAKER_SECURITY_GROUP: &str = "security-group-sagemaker";
/// Logical id of the endpoint security group.
pub const ENDPOINT_SECURITY_GROUP: &str = "security-group-endpoints";
/// Logical id of the S3 gateway endpoint (created or existing).
pub const S3_ENDPOINT: &str = "endpoint-s3";
/// Logical id of the guardrail policy.
pub const GUARDRAIL_POLICY: &str = "policy-guardrails";
/// Logical id of the Studio domain.
pub const STUDIO_DOMAIN: &str = "studio-domain";

/// Logical id of a Studio user profile.
pub fn user_profile_id(name: &str) -> String {
    format!("studio-user-{name}")
}

/// Logical id of a private subnet (created or existing), by position.
pub fn private_subnet_id(index: usize) -> String {
    format!("subnet-private-{index}")
}
/// Logical id of a public subnet, by position.
pub fn public_subnet_id(index: usize) -> String {
    format!("subnet-public-{index}")
}
/// Logical id of an interface endpoint.
pub fn interface_endpoint_id(service: &str) -> String {
    format!("endpoint-{}", service.replace('.', "-"))
}
/// Logical id of a KMS key.
pub fn key_id(purpose: KeyPurpose) -> String {
    format!("kms-key-{}", purpose.key())
}
/// Logical id of a persona role (created or existing).
pub fn role_id(persona: Persona) -> String {
    format!("role-{}", persona.key().replace('_', "-"))
}

/// The graph of an environment. `spec` must have passed validation.
pub fn environment_graph(spec: &EnvironmentSpec) -> Result<Graph<Child>, GraphError> {
    let mut nodes = Vec::new();
    let mut add = |id: String, kind: Child, deps: Vec<String>| {
        nodes.push(Node {
            id,
            kind,
            depends_on: deps,
        })
    };
    let net = &spec.network;
    let subnets = spec.resolved_subnets();
    let vpc = VPC.to_string();

    match (&net.vpc_id, subnets.vpc_cidr) {
        (Some(vpc_id), _) => add(
            vpc.clone(),
            Child::ExistingVpc {
                vpc_id: vpc_id.clone(),
            },
            vec![],
        ),
        (None, Some(cidr)) => add(vpc.clone(), Child::Vpc { cidr }, vec![]),
        // Validation guarantees a CIDR for a new VPC; an empty graph would fail loudly below.
        (None, None) => {}
    }

    // Private subnets and their route tables.
    let mut private_subnets = Vec::new();
    let mut private_route_tables = Vec::new();
    match &net.existing_private_subnet_ids {
        Some(ids) => {
            for (i, subnet_id) in ids.iter().enumerate() {
                let id = private_subnet_id(i);
                add(
                    id.clone(),
                    Child::ExistingSubnet {
                        subnet_id: subnet_id.clone(),
                    },
                    vec![vpc.clone()],
                );
                private_subnets.push(id);
            }
        }
        None => {
            for (i, (zone, cidr)) in net
                .availability_zones
                .iter()
                .zip(&subnets.private)
                .enumerate()
            {
                let id = private_subnet_id(i);
                add(
                    id.clone(),
                    Child::Subnet {
                        zone: zone.clone(),
                        cidr: *cidr,
                        public: false,
                    },
                    vec![vpc.clone()],
                );
                let rtb = format!("route-table-private-{i}");
                let mut deps = vec![vpc.clone(), id.clone()];
                if net.create_nat_gateways {
                    deps.push(format!("nat-gateway-{i}"));
                }
                add(
                    rtb.clone(),
                    Child::RouteTable {
                        zone: Some(zone.clone()),
                        public: false,
                    },
                    deps,
                );
                private_subnets.push(id);
                private_route_tables.push(rtb);
            }
        }
    }

    // NAT: public subnets, internet gateway, one NAT gateway per zone.
    if net.create_nat_gateways {
        add(
            INTERNET_GATEWAY.into(),
            Child::InternetGateway,
            vec![vpc.clone()],
        );
        let mut public_subnets = Vec::new();
        for (i, (zone, cidr)) in net
            .availability_zones
            .iter()
            .zip(&subnets.public)
            .enumerate()
        {
            let id = public_subnet_id(i);
            add(
                id.clone(),
                Child::Subnet {
                    zone: zone.clone(),
                    cidr: *cidr,
                    public: true,
                },
                vec![vpc.clone()],
            );
            public_subnets.push(id);
        }
        let mut deps = vec![vpc.clone(), INTERNET_GATEWAY.to_string()];
        deps.extend(public_subnets.iter().cloned());
        add(
            PUBLIC_ROUTE_TABLE.into(),
            Child::RouteTable {
                zone: None,
                public: true,
            },
            deps,
        );
        for (i, zone) in net.availability_zones.iter().enumerate() {
            let eip = format!("nat-address-{i}");
            add(
                eip.clone(),
                Child::NatAddress { zone: zone.clone() },
                vec![],
            );
            add(
                format!("nat-gateway-{i}"),
                Child::NatGateway { zone: zone.clone() },
                // The public route table must route to the internet gateway before the NAT
                // gateway can reach the internet.
                vec![public_subnet_id(i), eip, PUBLIC_ROUTE_TABLE.to_string()],
            );
        }
    }

    // Security groups and endpoints.
    add(
        SAGEMAKER_SECURITY_GROUP.into(),
        Child::SageMakerSecurityGroup,
        vec![vpc.clone()],
    );
    // The endpoint group opens 443 to the private subnets' CIDRs, read from their records.
    let mut endpoint_sg_deps = vec![vpc.clone(), SAGEMAKER_SECURITY_GROUP.to_string()];
    endpoint_sg_deps.extend(private_subnets.iter().cloned());
    add(
        ENDPOINT_SECURITY_GROUP.into(),
        Child::EndpointSecurityGroup,
        endpoint_sg_deps,
    );
    for service in spec.interface_endpoints() {
        let mut deps = vec![vpc.clone(), ENDPOINT_SECURITY_GROUP.to_string()];
        deps.extend(private_subnets.iter().cloned());
        add(
            interface_endpoint_id(&service),
            Child::InterfaceEndpoint { service },
            deps,
        );
    }

    // Keys, roles, buckets.
    for purpose in KeyPurpose::ALL {
        let deps = Persona::ALL.iter().map(|p| role_id(*p)).collect();
        add(key_id(purpose), Child::KmsKey { purpose }, deps);
    }
    let given = |p: Persona| match p {
        Persona::DataScientist => spec.iam.data_scientist_role_arn.clone(),
        Persona::TeamAdmin => spec.iam.team_admin_role_arn.clone(),
        Persona::Execution => spec.iam.execution_role_arn.clone(),
        Persona::ScLaunch => spec.iam.sc_launch_role_arn.clone(),
    };
    let mut guarded_roles = Vec::new();
    for persona in Persona::ALL {
        match given(persona) {
            Some(arn) => add(
                role_id(persona),
                Child::ExistingRole { persona, arn },
                vec![],
            ),
            None => {
                add(role_id(persona), Child::Role { persona }, vec![]);
                if persona != Persona::ScLaunch {
                    guarded_roles.push(role_id(persona));
                }
            }
        }
    }
    // The guardrail policy is attached to the roles the environment creates; roles brought by
    // the user are theirs to govern (separation of duties).
    if !guarded_roles.is_empty() {
        add(
            GUARDRAIL_POLICY.into(),
            Child::GuardrailPolicy,
            guarded_roles,
        );
    }

    let mut s3_deps = vec![vpc.clone()];
    match &net.existing_s3_endpoint_id {
        Some(endpoint_id) => add(
            S3_ENDPOINT.into(),
            Child::ExistingS3Endpoint {
                endpoint_id: endpoint_id.clone(),
            },
            vec![vpc.clone()],
        ),
        None => {
            s3_deps.extend(private_route_tables.iter().cloned());
            add(S3_ENDPOINT.into(), Child::S3GatewayEndpoint, s3_deps);
        }
    }
    let buckets: BTreeMap<&'static str, Option<String>> = [
        ("data", spec.storage.data_bucket_name.clone()),
        ("models", spec.storage.model_bucket_name.clone()),
    ]
    .into();
    for (purpose, name) in buckets {
        let mut deps = vec![key_id(KeyPurpose::Data), S3_ENDPOINT.to_string()];
        deps.extend(Persona::ALL.iter().map(|p| role_id(*p)));
        add(
            format!("bucket-{purpose}"),
            Child::Bucket {
                purpose,
                name,
                force_destroy: spec.storage.force_destroy,
            },
            deps,
        );
    }

    // Studio: the domain needs the network, the studio key and the execution role; each user
    // profile its domain and persona role. Deleting in reverse order removes profiles, then the
    // domain (and what SageMaker made for it), before the subnets and groups it used.
    if spec.studio.enabled {
        let mut deps = vec![
            vpc.clone(),
            SAGEMAKER_SECURITY_GROUP.to_string(),
            key_id(KeyPurpose::Studio),
            role_id(Persona::Execution),
        ];
        deps.extend(private_subnets.iter().cloned());
        add(
            STUDIO_DOMAIN.into(),
            Child::StudioDomain {
                name: spec.domain_name(),
                auth_mode: spec.studio.auth_mode().to_string(),
            },
            deps,
        );
        for (name, profile) in &spec.studio.user_profiles {
            let persona = match profile.persona.as_str() {
                "team_admin" => Persona::TeamAdmin,
                _ => Persona::DataScientist,
            };
            add(
                user_profile_id(name),
                Child::StudioUserProfile {
                    name: name.clone(),
                    persona,
                },
                vec![
                    STUDIO_DOMAIN.to_string(),
                    role_id(persona),
                    SAGEMAKER_SECURITY_GROUP.to_string(),
                ],
            );
        }
    }

    // Flow logs.
    if net.flow_logs.enabled {
        add(
            "flow-log-group".into(),
            Child::FlowLogGroup {
                retention_days: net.flow_logs.retention_days,
            },
            vec![key_id(KeyPurpose::Data)],
        );
        add("flow-log-role".into(), Child::FlowLogRole, vec![]);
        add(
            "flow-log".into(),
            Child::FlowLog {
                traffic_type: net.flow_logs.traffic_type.clone(),
            },
            vec![vpc.clone(), "flow-log-group".into(), "flow-log-role".into()],
        );
    }

    Graph::new(nodes)
}

/// The network part of an environment's graph: the VPC (created or existing), private subnets and
/// their route tables, the two security groups, the S3 gateway endpoint and the interface
/// endpoints, without NAT support or flow logs. It is [`environment_graph`]'s nodes of those
/// kinds, with dependencies on the nodes left out dropped.
pub fn network_graph(spec: &EnvironmentSpec) -> Result<Graph<Child>, GraphError> {
    let full = environment_graph(spec)?;
    let keep = |kind: &Child| {
        matches!(
            kind,
            Child::Vpc { .. }
                | Child::ExistingVpc { .. }
                | Child::Subnet { public: false, .. }
                | Child::ExistingSubnet { .. }
                | Child::RouteTable { public: false, .. }
                | Child::SageMakerSecurityGroup
                | Child::EndpointSecurityGroup
                | Child::S3GatewayEndpoint
                | Child::ExistingS3Endpoint { .. }
                | Child::InterfaceEndpoint { .. }
        )
    };
    let kept: Vec<&Node<Child>> = full.nodes().iter().filter(|n| keep(&n.kind)).collect();
    let ids: std::collections::BTreeSet<&str> = kept.iter().map(|n| n.id.as_str()).collect();
    let nodes = kept
        .iter()
        .map(|n| {
            let depends_on: Vec<String> = n
                .depends_on
                .iter()
                .filter(|d| ids.contains(d.as_str()))
                .cloned()
                .collect();
            Node {
                id: n.id.clone(),
                kind: n.kind.clone(),
                depends_on,
            }
        })
        .collect();
    Graph::new(nodes)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn quickstart() -> EnvironmentSpec {
        EnvironmentSpec::quickstart_example()
    }

    fn ids(graph: &Graph<Child>) -> BTreeSet<String> {
        graph.nodes().iter().map(|n| n.id.clone()).collect()
    }

    #[test]
    fn quickstart_has_no_internet_path() {
        let spec = quickstart();
        assert_eq!(spec.validate(), Ok(()));
        let graph = environment_graph(&spec).unwrap();
        let kinds: Vec<&Child> = graph.nodes().iter().map(|n| &n.kind).collect();
        assert!(!kinds.iter().any(|k| matches!(
            k,
            Child::InternetGateway | Child::NatGateway { .. } | Child::NatAddress { .. }
        )));
        assert!(!kinds.iter().any(|k| matches!(
            k,
            Child::Subnet { public: true, .. } | Child::RouteTable { public: true, .. }
        )));
        // 1 VPC, 2 subnets, 2 route tables, 2 SGs, 17 interface endpoints, 1 S3 endpoint,
        // 3 keys, 4 roles, 1 guardrail policy, 2 buckets, 3 flow-log children.
        assert_eq!(
            graph.nodes().len(),
            1 + 2 + 2 + 2 + 17 + 1 + 3 + 4 + 1 + 2 + 3
        );
    }

    #[test]
    fn studio_domain_follows_the_network_and_profiles_follow_the_domain() {
        let mut spec = quickstart();
        spec.studio.enabled = true;
        spec.studio.user_profiles.insert(
            "alice".into(),
            crate::spec::UserProfileSpec {
                persona: "team_admin".into(),
            },
        );
        assert_eq!(spec.validate(), Ok(()));
        let graph = environment_graph(&spec).unwrap();
        let domain = graph.get(STUDIO_DOMAIN).unwrap();
        assert_eq!(
            domain.kind,
            Child::StudioDomain {
                name: "team-a-dev".into(),
                auth_mode: "IAM".into()
            }
        );
        for dep in [
            "subnet-private-0",
            "subnet-private-1",
            "kms-key-studio",
            "role-execution",
        ] {
            assert!(domain.depends_on.contains(&dep.to_string()), "{dep}");
        }
        let alice = graph.get("studio-user-alice").unwrap();
        assert!(alice.depends_on.contains(&STUDIO_DOMAIN.to_string()));
        assert!(alice.depends_on.contains(&"role-team-admin".to_string()));
        assert!(!ids(&quickstart_graph()).contains(STUDIO_DOMAIN));
    }

    fn quickstart_graph() -> Graph<Child> {
        environment_graph(&quickstart()).unwrap()
    }

    #[test]
    fn nat_adds_one_gateway_per_zone_behind_one_internet_gateway() {
        let mut spec = quickstart();
        spec.network.create_nat_gateways = true;
        let graph = environment_graph(&spec).unwrap();
        let all = ids(&graph);
        for id in [
            "internet-gateway",
            "nat-gateway-0",
            "nat-gateway-1",
            "subnet-public-0",
            "subnet-public-1",
            "route-table-public",
        ] {
            assert!(all.contains(id), "{id}");
        }
        let private_rtb = graph.get("route-table-private-1").unwrap();
        assert!(
            private_rtb
                .depends_on
                .contains(&"nat-gateway-1".to_string()),
            "zone b routes through its own NAT"
        );
    }

    #[test]
    fn bring_your_own_vpc_reads_what_exists_and_creates_no_vpc_or_subnets() {
        let spec = EnvironmentSpec::byo_example();
        let graph = environment_graph(&spec).unwrap();
        assert!(matches!(
            graph.get(VPC).unwrap().kind,
            Child::ExistingVpc { .. }
        ));
        assert!(matches!(
            graph.get("subnet-private-0").unwrap().kind,
            Child::ExistingSubnet { .. }
        ));
        assert!(matches!(
            graph.get(S3_ENDPOINT).unwrap().kind,
            Child::ExistingS3Endpoint { .. }
        ));
        assert!(!graph.nodes().iter().any(|n| matches!(
            n.kind,
            Child::Vpc { .. } | Child::Subnet { .. } | Child::RouteTable { .. }
        )));
    }

    #[test]
    fn given_roles_are_used_and_not_guarded_or_created() {
        let mut spec = quickstart();
        spec.iam.execution_role_arn = Some("arn:aws:iam::123456789012:role/exec".into());
        let graph = environment_graph(&spec).unwrap();
        assert!(matches!(
            graph.get("role-execution").unwrap().kind,
            Child::ExistingRole { .. }
        ));
        let guard = graph.get(GUARDRAIL_POLICY).unwrap();
        assert!(!guard.depends_on.contains(&"role-execution".to_string()));
        assert!(guard
            .depends_on
            .contains(&"role-data-scientist".to_string()));
    }

    #[test]
    fn endpoints_and_flow_logs_follow_the_spec() {
        let mut spec = quickstart();
        spec.network.interface_endpoints =
            Some(["sts".to_string(), "sagemaker.api".to_string()].into());
        spec.network.flow_logs.enabled = false;
        let graph = environment_graph(&spec).unwrap();
        let endpoints: BTreeSet<String> = graph
            .nodes()
            .iter()
            .filter(|n| matches!(n.kind, Child::InterfaceEndpoint { .. }))
            .map(|n| n.id.clone())
            .collect();
        assert_eq!(
            endpoints,
            [
                "endpoint-sagemaker-api".to_string(),
                "endpoint-sts".to_string()
            ]
            .into()
        );
        assert!(!ids(&graph).iter().any(|id| id.starts_with("flow-log")));
        let sts = graph.get("endpoint-sts").unwrap();
        assert!(
            sts.depends_on.contains(&"subnet-private-0".to_string())
                && sts.depends_on.contains(&"subnet-private-1".to_string())
        );
    }
    #[test]
    fn network_graph_holds_only_the_network_without_nat_or_flow_logs() {
        let mut spec = quickstart();
        spec.network.interface_endpoints = Some(
            [
                "sts".to_string(),
                "sagemaker.api".to_string(),
                "studio".to_string(),
            ]
            .into(),
        );
        let graph = network_graph(&spec).unwrap();
        assert!(!graph.nodes().iter().any(|n| matches!(
            n.kind,
            Child::KmsKey { .. }
                | Child::Bucket { .. }
                | Child::Role { .. }
                | Child::ExistingRole { .. }
                | Child::GuardrailPolicy
                | Child::FlowLogGroup { .. }
                | Child::FlowLogRole
                | Child::FlowLog { .. }
        )));
        // 1 VPC + 2 subnets + 2 route tables + 2 SGs + 1 S3 endpoint + 3 interface endpoints.
        assert_eq!(graph.nodes().len(), 1 + 2 + 2 + 2 + 1 + 3);
        let endpoint_sg = graph.get(ENDPOINT_SECURITY_GROUP).unwrap();
        assert!(endpoint_sg
            .depends_on
            .contains(&"subnet-private-1".to_string()));
        let s3 = graph.get(S3_ENDPOINT).unwrap();
        assert!(s3.depends_on.contains(&"route-table-private-0".to_string()));

        // NAT on: the NAT children are left out, and so are dependencies on them.
        spec.network.create_nat_gateways = true;
        let graph = network_graph(&spec).unwrap();
        assert_eq!(graph.nodes().len(), 1 + 2 + 2 + 2 + 1 + 3);
        assert!(graph
            .nodes()
            .iter()
            .all(|n| n.depends_on.iter().all(|d| !d.starts_with("nat-"))));
    }
}
