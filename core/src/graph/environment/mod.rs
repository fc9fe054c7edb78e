//! The children of a team environment, derived from an [`EnvironmentSpec`].
//!
//! Pure data: which nodes exist, with which settings and dependencies, decided from the spec
//! alone. Existing (bring-your-own) VPCs and subnets are nodes too, of kinds the driver only
//! reads and never deletes, so dependents name them the same way in both modes. Node ids are
//! the text of [`LogicalId`]s.

mod kinds;
#[cfg(test)]
mod tests;

pub use kinds::*;

use super::{Graph, GraphError, Node};
use crate::ids::{BucketPurpose, KeyPurpose, LogicalId, Persona, TeamProductKind};
use crate::policy::environment::packages::PackageRepositoryNames;
use crate::policy::environment::{guardrail_policy, GuardrailScope};
use crate::spec::{EnvironmentSpec, PackagesSpec, StudioAccessSpec};

/// Collects nodes, ids and dependencies given as [`LogicalId`]s.
#[derive(Default)]
struct Nodes(Vec<Node<Child>>);

impl Nodes {
    fn add(&mut self, id: LogicalId, kind: Child, deps: impl IntoIterator<Item = LogicalId>) {
        self.0.push(Node {
            id: id.to_string(),
            kind,
            depends_on: deps.into_iter().map(|d| d.to_string()).collect(),
        });
    }
}

/// What later sections depend on from the network section.
struct Network {
    private_subnets: Vec<LogicalId>,
    private_route_tables: Vec<LogicalId>,
}

/// The graph of an environment. `spec` must have passed validation and be completed (its
/// zones known).
pub fn environment_graph(spec: &EnvironmentSpec) -> Result<Graph<Child>, GraphError> {
    let mut nodes = Nodes::default();
    let network = vpc_and_private_subnets(spec, &mut nodes);
    if spec.network.create_nat_gateways {
        nat(spec, &mut nodes);
    }
    security_groups_and_endpoints(spec, &network, &mut nodes);
    let boundary = boundary(spec, &mut nodes);
    keys_and_roles(spec, &network, &boundary, &mut nodes);
    buckets(spec, &network, &mut nodes);
    if spec.studio.enabled {
        studio(spec, &network, &mut nodes);
        if spec.studio.team_portfolio {
            team_portfolio(spec, &network, &mut nodes);
        }
    }
    if spec.network.flow_logs.enabled {
        flow_logs(spec, &boundary, &mut nodes);
    }
    if spec.guardrails.managed_config_rules {
        // The rules name the private subnets and the ebs key.
        let mut deps = network.private_subnets.clone();
        deps.push(LogicalId::KmsKey(KeyPurpose::Ebs));
        nodes.add(
            LogicalId::ConfigRules,
            Child::ConfigRules(ConfigRules {
                network_isolation: spec.guardrails.require_network_isolation,
            }),
            deps,
        );
    }
    Graph::new(nodes.0)
}

/// The team portfolio (`studio.team_portfolio`): the templates' bucket, the portfolio shared
/// with the people's roles, and its two products launched as the `sc_launch` role.
fn team_portfolio(spec: &EnvironmentSpec, network: &Network, nodes: &mut Nodes) {
    nodes.add(
        LogicalId::CatalogBucket,
        Child::CatalogBucket(CatalogBucket),
        [],
    );
    nodes.add(
        LogicalId::TeamPortfolio,
        Child::TeamPortfolio(TeamPortfolio),
        [
            LogicalId::Role(Persona::DataScientist),
            LogicalId::Role(Persona::TeamAdmin),
        ],
    );
    let packages = spec.studio.has_packages().then(|| {
        (
            PackagesSpec::domain_name(&spec.environment_id()),
            spec.studio.packages.repository_name().to_string(),
        )
    });
    for kind in TeamProductKind::ALL {
        let mut deps = vec![
            LogicalId::CatalogBucket,
            LogicalId::TeamPortfolio,
            LogicalId::Role(Persona::ScLaunch),
            LogicalId::SageMakerSecurityGroup,
        ];
        match kind {
            TeamProductKind::NotebookInstance => {
                deps.push(LogicalId::Role(Persona::Execution));
                deps.push(LogicalId::KmsKey(KeyPurpose::Ebs));
                deps.extend(network.private_subnets.first().cloned());
                if packages.is_some() {
                    deps.push(LogicalId::PackageRepository);
                }
            }
            TeamProductKind::StudioUserProfile => {
                deps.push(LogicalId::Role(Persona::DataScientist));
                deps.push(LogicalId::Role(Persona::TeamAdmin));
                deps.push(LogicalId::StudioDomain);
            }
        }
        let product = TeamProduct {
            kind,
            allowed_instance_types: spec.guardrails.allowed_instance_types.clone(),
            packages: packages.clone(),
        };
        nodes.add(
            LogicalId::TeamProduct(kind),
            Child::TeamProduct(product),
            deps,
        );
    }
}

/// The permissions boundary policy, when the spec names none and the environment creates a
/// role (a persona role or the flow-log role); what each created role then depends on.
fn boundary(spec: &EnvironmentSpec, nodes: &mut Nodes) -> Vec<LogicalId> {
    let iam = &spec.iam;
    let creates_a_role = [
        &iam.data_scientist_role_arn,
        &iam.team_admin_role_arn,
        &iam.execution_role_arn,
        &iam.sc_launch_role_arn,
    ]
    .iter()
    .any(|given| given.is_none())
        || spec.network.flow_logs.enabled;
    if iam.permissions_boundary_arn.is_some() || !creates_a_role {
        return Vec::new();
    }
    nodes.add(
        LogicalId::BoundaryPolicy,
        Child::BoundaryPolicy(BoundaryPolicy),
        [],
    );
    vec![LogicalId::BoundaryPolicy]
}

/// The VPC (created or existing), the private subnets and their route tables.
fn vpc_and_private_subnets(spec: &EnvironmentSpec, nodes: &mut Nodes) -> Network {
    let net = &spec.network;
    let subnets = spec.resolved_subnets();
    match (&net.vpc_id, subnets.vpc_cidr) {
        (Some(vpc_id), _) => nodes.add(
            LogicalId::Vpc,
            Child::ExistingVpc(ExistingVpc {
                vpc_id: vpc_id.clone(),
            }),
            [],
        ),
        (None, Some(cidr)) => nodes.add(LogicalId::Vpc, Child::Vpc(Vpc { cidr }), []),
        // Validation guarantees a CIDR for a new VPC; a graph without the VPC fails loudly.
        (None, None) => {}
    }
    let mut network = Network {
        private_subnets: Vec::new(),
        private_route_tables: Vec::new(),
    };
    if let Some(ids) = &net.existing_private_subnet_ids {
        for (i, subnet_id) in ids.iter().enumerate() {
            let id = LogicalId::PrivateSubnet(i);
            let kind = Child::ExistingSubnet(ExistingSubnet {
                subnet_id: subnet_id.clone(),
            });
            nodes.add(id.clone(), kind, [LogicalId::Vpc]);
            network.private_subnets.push(id);
        }
        return network;
    }
    for (i, (zone, cidr)) in net.zones().iter().zip(&subnets.private).enumerate() {
        let id = LogicalId::PrivateSubnet(i);
        let subnet = Subnet {
            zone: zone.clone(),
            cidr: *cidr,
            public: false,
        };
        nodes.add(id.clone(), Child::Subnet(subnet), [LogicalId::Vpc]);
        let table = LogicalId::PrivateRouteTable(i);
        let mut deps = vec![LogicalId::Vpc, id.clone()];
        if net.create_nat_gateways {
            deps.push(LogicalId::NatGateway(i));
        }
        let kind = Child::RouteTable(RouteTable {
            zone: Some(zone.clone()),
            public: false,
        });
        nodes.add(table.clone(), kind, deps);
        network.private_subnets.push(id);
        network.private_route_tables.push(table);
    }
    network
}

/// NAT: public subnets, the internet gateway, the public route table, a NAT gateway per zone.
fn nat(spec: &EnvironmentSpec, nodes: &mut Nodes) {
    let zones = spec.network.zones();
    let public = spec.resolved_subnets().public;
    nodes.add(
        LogicalId::InternetGateway,
        Child::InternetGateway(InternetGateway),
        [LogicalId::Vpc],
    );
    let mut table_deps = vec![LogicalId::Vpc, LogicalId::InternetGateway];
    for (i, (zone, cidr)) in zones.iter().zip(&public).enumerate() {
        let subnet = Subnet {
            zone: zone.clone(),
            cidr: *cidr,
            public: true,
        };
        nodes.add(
            LogicalId::PublicSubnet(i),
            Child::Subnet(subnet),
            [LogicalId::Vpc],
        );
        table_deps.push(LogicalId::PublicSubnet(i));
    }
    let table = RouteTable {
        zone: None,
        public: true,
    };
    nodes.add(
        LogicalId::PublicRouteTable,
        Child::RouteTable(table),
        table_deps,
    );
    for (i, zone) in zones.iter().enumerate() {
        let address = NatAddress { zone: zone.clone() };
        nodes.add(LogicalId::NatAddress(i), Child::NatAddress(address), []);
        // The public route table must route to the internet gateway before the NAT gateway can
        // reach the internet.
        let gateway = NatGateway { zone: zone.clone() };
        nodes.add(
            LogicalId::NatGateway(i),
            Child::NatGateway(gateway),
            [
                LogicalId::PublicSubnet(i),
                LogicalId::NatAddress(i),
                LogicalId::PublicRouteTable,
            ],
        );
    }
}

/// The two security groups and the interface endpoints.
fn security_groups_and_endpoints(spec: &EnvironmentSpec, network: &Network, nodes: &mut Nodes) {
    // Its egress goes to the private subnets' CIDRs (the endpoints), read from their records.
    let mut deps = vec![LogicalId::Vpc];
    deps.extend(network.private_subnets.iter().cloned());
    nodes.add(
        LogicalId::SageMakerSecurityGroup,
        Child::SageMakerSecurityGroup(SageMakerSecurityGroup {
            internet_https: spec.network.create_nat_gateways,
        }),
        deps,
    );
    // The endpoint group opens 443 to the private subnets' CIDRs, read from their records.
    let mut deps = vec![LogicalId::Vpc, LogicalId::SageMakerSecurityGroup];
    deps.extend(network.private_subnets.iter().cloned());
    nodes.add(
        LogicalId::EndpointSecurityGroup,
        Child::EndpointSecurityGroup(EndpointSecurityGroup),
        deps,
    );
    for service in spec.interface_endpoints() {
        let mut deps = vec![LogicalId::Vpc, LogicalId::EndpointSecurityGroup];
        deps.extend(network.private_subnets.iter().cloned());
        nodes.add(
            LogicalId::InterfaceEndpoint(service.clone()),
            Child::InterfaceEndpoint(InterfaceEndpoint { service }),
            deps,
        );
    }
}

/// The keys, the persona roles (created or brought) and the guardrail policy.
fn keys_and_roles(
    spec: &EnvironmentSpec,
    network: &Network,
    boundary: &[LogicalId],
    nodes: &mut Nodes,
) {
    for purpose in KeyPurpose::ALL {
        let deps = Persona::ALL.map(LogicalId::Role);
        nodes.add(
            LogicalId::KmsKey(purpose),
            Child::KmsKey(KmsKey { purpose }),
            deps,
        );
    }
    let given = |p: Persona| given_role(spec, p);
    let mut guarded = Vec::new();
    for persona in Persona::ALL {
        let id = LogicalId::Role(persona);
        match given(persona) {
            Some(arn) => nodes.add(id, Child::ExistingRole(ExistingRole { persona, arn }), []),
            None => {
                // The people's roles limit Studio sign-in to the environment's VPC, read from
                // its record, when `studio.access` says so.
                let people = matches!(persona, Persona::DataScientist | Persona::TeamAdmin);
                let studio_access = if people {
                    spec.studio.access.clone()
                } else {
                    StudioAccessSpec::default()
                };
                let mut deps = boundary.to_vec();
                if studio_access.source_vpc_endpoint_only {
                    deps.push(LogicalId::Vpc);
                }
                // The people and the execution role (jobs install packages too) read the package
                // repository; its names are known from the spec, so no record is an input.
                let packages = (persona != Persona::ScLaunch && spec.studio.has_packages())
                    .then(|| package_names(spec));
                let role = Role {
                    persona,
                    studio_access,
                    packages,
                };
                nodes.add(id.clone(), Child::Role(role), deps);
                // Every role the environment creates, the launch role too: the stacks Service
                // Catalog launches make SageMaker resources as it.
                guarded.push(id);
            }
        }
    }
    // The guardrail policy is attached to the roles the environment creates; roles brought by
    // the user are theirs to govern (separation of duties). It compares requests with the
    // environment's private subnets, SageMaker security group and keys, so their records are
    // its inputs too.
    let any_guard = guardrail_policy(&spec.guardrails, &GuardrailScope::default()).is_some();
    if !guarded.is_empty() && any_guard {
        let mut deps = guarded;
        deps.extend(network.private_subnets.iter().cloned());
        deps.push(LogicalId::SageMakerSecurityGroup);
        deps.push(LogicalId::KmsKey(KeyPurpose::Data));
        deps.push(LogicalId::KmsKey(KeyPurpose::Ebs));
        nodes.add(
            LogicalId::GuardrailPolicy,
            Child::GuardrailPolicy(GuardrailPolicy),
            deps,
        );
    }
}

/// The S3 gateway endpoint (created or brought) and the two buckets behind it.
fn buckets(spec: &EnvironmentSpec, network: &Network, nodes: &mut Nodes) {
    match &spec.network.existing_s3_endpoint_id {
        Some(endpoint_id) => nodes.add(
            LogicalId::S3Endpoint,
            Child::ExistingS3Endpoint(ExistingS3Endpoint {
                endpoint_id: endpoint_id.clone(),
            }),
            [LogicalId::Vpc],
        ),
        None => {
            let mut deps = vec![LogicalId::Vpc];
            deps.extend(network.private_route_tables.iter().cloned());
            nodes.add(
                LogicalId::S3Endpoint,
                Child::S3GatewayEndpoint(S3GatewayEndpoint),
                deps,
            );
        }
    }
    for purpose in BucketPurpose::ALL {
        let name = match purpose {
            BucketPurpose::Data => spec.storage.data_bucket_name.clone(),
            BucketPurpose::Models => spec.storage.model_bucket_name.clone(),
        };
        let mut deps = vec![LogicalId::KmsKey(KeyPurpose::Data), LogicalId::S3Endpoint];
        deps.extend(Persona::ALL.map(LogicalId::Role));
        let bucket = Bucket {
            purpose,
            name,
            force_destroy: spec.storage.force_destroy,
        };
        nodes.add(LogicalId::Bucket(purpose), Child::Bucket(bucket), deps);
    }
}

/// The names of the environment's package repository.
fn package_names(spec: &EnvironmentSpec) -> PackageRepositoryNames {
    PackageRepositoryNames {
        domain: PackagesSpec::domain_name(&spec.environment_id()),
        repository: spec.studio.packages.repository_name().to_string(),
    }
}

/// The role the user brought for `persona`, if any.
fn given_role(spec: &EnvironmentSpec, persona: Persona) -> Option<String> {
    match persona {
        Persona::DataScientist => spec.iam.data_scientist_role_arn.clone(),
        Persona::TeamAdmin => spec.iam.team_admin_role_arn.clone(),
        Persona::Execution => spec.iam.execution_role_arn.clone(),
        Persona::ScLaunch => spec.iam.sc_launch_role_arn.clone(),
    }
}

/// Studio: the domain needs the network, the studio key and the execution role; each user
/// profile its domain and persona role. The studio scope (Studio actions kept in this domain)
/// goes on the people and execution roles the environment creates once the domain exists. Deleting in reverse order removes profiles, then the
/// domain (and what SageMaker made for it), before the subnets and groups it used.
fn studio(spec: &EnvironmentSpec, network: &Network, nodes: &mut Nodes) {
    let mut deps = vec![
        LogicalId::Vpc,
        LogicalId::SageMakerSecurityGroup,
        LogicalId::KmsKey(KeyPurpose::Studio),
        LogicalId::Role(Persona::Execution),
    ];
    deps.extend(network.private_subnets.iter().cloned());
    let env_id = spec.environment_id();
    let packages = spec.studio.has_packages().then(|| package_names(spec));
    if let Some(names) = &packages {
        nodes.add(
            LogicalId::PackageDomain,
            Child::PackageDomain(PackageDomain {
                name: names.domain.clone(),
            }),
            [LogicalId::KmsKey(KeyPurpose::Data)],
        );
        nodes.add(
            LogicalId::PackageRepository,
            Child::PackageRepository(PackageRepository {
                domain: names.domain.clone(),
                name: names.repository.clone(),
                upstream: spec.studio.packages.upstream,
            }),
            [LogicalId::PackageDomain],
        );
    }
    // Lifecycle configurations first: the domain names them (and goes before them). The ones
    // setting up the package tools come after the repository they point at.
    for (name, config) in &spec.studio.all_lifecycle_configs(&env_id) {
        let id = LogicalId::LifecycleConfig(format!("{name}-{}", config.version()));
        let kind = Child::StudioLifecycleConfig(StudioLifecycleConfig {
            aws_name: config.aws_name(&spec.environment_id(), name),
            app_type: config.app_type,
            content: config.content.clone(),
            default: config.default,
        });
        let setup = packages.is_some() && !spec.studio.lifecycle_configs.contains_key(name);
        nodes.add(
            id.clone(),
            kind,
            setup.then_some(LogicalId::PackageRepository),
        );
        deps.push(id);
    }
    // Custom images too: pulled as the execution role.
    for (name, image) in &spec.studio.custom_images {
        let id = LogicalId::CustomImage(name.clone());
        let kind = Child::StudioCustomImage(StudioCustomImage {
            aws_name: crate::spec::CustomImageSpec::aws_name(&spec.environment_id(), name),
            ecr_image_uri: image.ecr_image_uri.clone(),
            app_type: image.app_type,
            uid: image.uid,
            gid: image.gid,
            mount_path: image.mount_path.clone(),
        });
        nodes.add(id.clone(), kind, [LogicalId::Role(Persona::Execution)]);
        deps.push(id);
    }
    let domain = StudioDomain {
        name: spec.domain_name(),
        auth_mode: spec.studio.auth_mode,
        platform: StudioPlatform::of(&spec.studio),
    };
    nodes.add(LogicalId::StudioDomain, Child::StudioDomain(domain), deps);
    let scoped: Vec<Persona> = [
        Persona::DataScientist,
        Persona::TeamAdmin,
        Persona::Execution,
    ]
    .into_iter()
    .filter(|p| given_role(spec, *p).is_none())
    .collect();
    if !scoped.is_empty() {
        let mut deps = vec![LogicalId::StudioDomain];
        deps.extend(scoped.iter().map(|p| LogicalId::Role(*p)));
        nodes.add(
            LogicalId::StudioScope,
            Child::StudioScope(StudioScope { personas: scoped }),
            deps,
        );
    }
    for (name, profile) in &spec.studio.user_profiles {
        let persona = profile.persona.persona();
        let default_config = profile
            .default_lifecycle_config
            .as_ref()
            .and_then(|key| Some((key, spec.studio.lifecycle_configs.get(key)?)))
            .map(|(key, config)| {
                (
                    LogicalId::LifecycleConfig(format!("{key}-{}", config.version())),
                    config.app_type,
                )
            });
        let kind = Child::StudioUserProfile(StudioUserProfile {
            name: name.clone(),
            persona,
            sso_user_name: profile.sso_user_name.clone(),
            idle_minutes: spec.studio.idle_shutdown.enabled.then(|| {
                profile
                    .idle_minutes
                    .unwrap_or(spec.studio.idle_shutdown.idle_minutes)
            }),
            default_lifecycle_config: default_config
                .clone()
                .map(|(id, app)| (id.to_string(), app)),
        });
        let mut deps = vec![
            LogicalId::StudioDomain,
            LogicalId::Role(persona),
            LogicalId::SageMakerSecurityGroup,
        ];
        deps.extend(default_config.map(|(id, _)| id));
        nodes.add(LogicalId::UserProfile(name.clone()), kind, deps);
    }
}

/// VPC flow logs to a KMS-encrypted group.
fn flow_logs(spec: &EnvironmentSpec, boundary: &[LogicalId], nodes: &mut Nodes) {
    let settings = &spec.network.flow_logs;
    let group = FlowLogGroup {
        retention_days: settings.retention_days,
    };
    nodes.add(
        LogicalId::FlowLogGroup,
        Child::FlowLogGroup(group),
        [LogicalId::KmsKey(KeyPurpose::Data)],
    );
    nodes.add(
        LogicalId::FlowLogRole,
        Child::FlowLogRole(FlowLogRole),
        boundary.to_vec(),
    );
    let log = FlowLog {
        traffic_type: settings.traffic_type,
    };
    nodes.add(
        LogicalId::FlowLog,
        Child::FlowLog(log),
        [
            LogicalId::Vpc,
            LogicalId::FlowLogGroup,
            LogicalId::FlowLogRole,
        ],
    );
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
            Child::Vpc(_)
                | Child::ExistingVpc(_)
                | Child::Subnet(Subnet { public: false, .. })
                | Child::ExistingSubnet(_)
                | Child::RouteTable(RouteTable { public: false, .. })
                | Child::SageMakerSecurityGroup(_)
                | Child::EndpointSecurityGroup(_)
                | Child::S3GatewayEndpoint(_)
                | Child::ExistingS3Endpoint(_)
                | Child::InterfaceEndpoint(_)
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
