//! Unit tests of the environment graph's shapes.

use std::collections::BTreeSet;

use super::*;
use crate::spec::{AuthMode, ProfilePersona, UserProfileSpec};

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
        Child::InternetGateway(_) | Child::NatGateway(_) | Child::NatAddress(_)
    )));
    assert!(!kinds.iter().any(|k| matches!(
        k,
        Child::Subnet(Subnet { public: true, .. })
            | Child::RouteTable(RouteTable { public: true, .. })
    )));
    // 1 VPC, 2 subnets, 2 route tables, 2 SGs, 17 interface endpoints, 1 S3 endpoint,
    // 3 keys, 4 roles, 1 guardrail policy, 1 boundary policy, 2 buckets, 3 flow-log children.
    assert_eq!(
        graph.nodes().len(),
        1 + 2 + 2 + 2 + 17 + 1 + 3 + 4 + 1 + 1 + 2 + 3
    );
}

#[test]
fn every_created_role_depends_on_the_boundary_unless_the_spec_names_one() {
    let graph = quickstart_graph();
    assert!(graph.get("policy-boundary").unwrap().depends_on.is_empty());
    for role in [
        "role-data-scientist",
        "role-team-admin",
        "role-execution",
        "role-sc-launch",
        "flow-log-role",
    ] {
        let node = graph.get(role).unwrap();
        assert!(
            node.depends_on.contains(&"policy-boundary".to_string()),
            "{role}"
        );
    }

    let mut spec = quickstart();
    spec.iam.permissions_boundary_arn = Some(
        "arn:aws:iam::123456789012:policy/secure-mlops/secure-mlops-boundary-eu-west-1".into(),
    );
    let graph = environment_graph(&spec).unwrap();
    assert!(graph.get("policy-boundary").is_none());
    assert!(graph.get("role-execution").unwrap().depends_on.is_empty());

    // Nothing created, nothing to bound.
    let mut spec = quickstart();
    spec.network.flow_logs.enabled = false;
    let arn = |n: &str| Some(format!("arn:aws:iam::123456789012:role/{n}"));
    spec.iam.data_scientist_role_arn = arn("ds");
    spec.iam.team_admin_role_arn = arn("admin");
    spec.iam.execution_role_arn = arn("exec");
    spec.iam.sc_launch_role_arn = arn("launch");
    assert!(environment_graph(&spec)
        .unwrap()
        .get("policy-boundary")
        .is_none());
}

#[test]
fn studio_domain_follows_the_network_and_profiles_follow_the_domain() {
    let mut spec = quickstart();
    spec.studio.enabled = true;
    spec.studio.user_profiles.insert(
        "alice".into(),
        UserProfileSpec {
            persona: ProfilePersona::TEAM_ADMIN,
            sso_user_name: None,
            idle_minutes: None,
            default_lifecycle_config: None,
        },
    );
    assert_eq!(spec.validate(), Ok(()));
    let graph = environment_graph(&spec).unwrap();
    let domain = graph.get("studio-domain").unwrap();
    assert_eq!(
        domain.kind,
        Child::StudioDomain(StudioDomain {
            name: "team-a-dev".into(),
            auth_mode: AuthMode::Iam,
            platform: StudioPlatform {
                idle_minutes: Some(60),
                storage_gb: 5,
                max_storage_gb: 100,
                hidden_apps: ["Canvas", "RStudioServerPro"].map(String::from).into(),
                docker_access: false,
            },
        })
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
    assert!(alice.depends_on.contains(&"studio-domain".to_string()));
    let Child::StudioUserProfile(profile) = &alice.kind else {
        panic!("alice is a {:?}", alice.kind);
    };
    assert_eq!(profile.idle_minutes, Some(60), "the domain's timeout");
    assert!(alice.depends_on.contains(&"role-team-admin".to_string()));
    assert!(!ids(&quickstart_graph()).contains("studio-domain"));
}

#[test]
fn a_team_portfolio_holds_two_products_launched_as_the_launch_role() {
    let mut spec = quickstart();
    spec.studio.enabled = true;
    let without = ids(&environment_graph(&spec).unwrap());
    assert!(!without.contains("team-portfolio"));
    spec.studio.team_portfolio = true;
    spec.guardrails.allowed_instance_types = vec!["ml.t3.*".into()];
    let graph = environment_graph(&spec).unwrap();
    let portfolio = graph.get("team-portfolio").unwrap();
    assert!(portfolio
        .depends_on
        .contains(&"role-data-scientist".to_string()));
    assert!(portfolio
        .depends_on
        .contains(&"role-team-admin".to_string()));
    let notebook = graph.get("team-product-notebook-instance").unwrap();
    for dep in [
        "catalog-bucket",
        "team-portfolio",
        "role-sc-launch",
        "role-execution",
        "kms-key-ebs",
        "subnet-private-0",
        "security-group-sagemaker",
        "package-repository",
    ] {
        assert!(notebook.depends_on.contains(&dep.to_string()), "{dep}");
    }
    let Child::TeamProduct(product) = &notebook.kind else {
        panic!("{:?}", notebook.kind);
    };
    assert_eq!(product.allowed_instance_types, ["ml.t3.*"]);
    assert!(product.packages.is_some());
    let profile = graph.get("team-product-studio-user-profile").unwrap();
    assert!(profile.depends_on.contains(&"studio-domain".to_string()));
    assert!(!profile.depends_on.contains(&"kms-key-ebs".to_string()));
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
        graph.get("vpc").unwrap().kind,
        Child::ExistingVpc(_)
    ));
    assert!(matches!(
        graph.get("subnet-private-0").unwrap().kind,
        Child::ExistingSubnet(_)
    ));
    assert!(matches!(
        graph.get("endpoint-s3").unwrap().kind,
        Child::ExistingS3Endpoint(_)
    ));
    assert!(!graph.nodes().iter().any(|n| matches!(
        n.kind,
        Child::Vpc(_) | Child::Subnet(_) | Child::RouteTable(_)
    )));
}

#[test]
fn given_roles_are_used_and_not_guarded_or_created() {
    let mut spec = quickstart();
    spec.iam.execution_role_arn = Some("arn:aws:iam::123456789012:role/exec".into());
    let graph = environment_graph(&spec).unwrap();
    assert!(matches!(
        graph.get("role-execution").unwrap().kind,
        Child::ExistingRole(_)
    ));
    let guard = graph.get("policy-guardrails").unwrap();
    assert!(!guard.depends_on.contains(&"role-execution".to_string()));
    assert!(guard
        .depends_on
        .contains(&"role-data-scientist".to_string()));
}

#[test]
fn guardrails_read_the_subnets_group_and_keys_they_name() {
    let graph = quickstart_graph();
    let guard = graph.get("policy-guardrails").unwrap();
    let expected = [
        LogicalId::PrivateSubnet(0),
        LogicalId::PrivateSubnet(1),
        LogicalId::SageMakerSecurityGroup,
        LogicalId::KmsKey(KeyPurpose::Data),
        LogicalId::KmsKey(KeyPurpose::Ebs),
    ];
    for dep in expected {
        assert!(guard.depends_on.contains(&dep.to_string()), "{dep}");
    }
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
        .filter(|n| matches!(n.kind, Child::InterfaceEndpoint(_)))
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
        Child::KmsKey(_)
            | Child::Bucket(_)
            | Child::Role(_)
            | Child::ExistingRole(_)
            | Child::GuardrailPolicy(_)
            | Child::FlowLogGroup(_)
            | Child::FlowLogRole(_)
            | Child::FlowLog(_)
    )));
    // 1 VPC + 2 subnets + 2 route tables + 2 SGs + 1 S3 endpoint + 3 interface endpoints.
    assert_eq!(graph.nodes().len(), 1 + 2 + 2 + 2 + 1 + 3);
    let endpoint_sg = graph.get("security-group-endpoints").unwrap();
    assert!(endpoint_sg
        .depends_on
        .contains(&"subnet-private-1".to_string()));
    let s3 = graph.get("endpoint-s3").unwrap();
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

#[test]
fn packages_bring_a_repository_its_endpoints_and_the_setup_the_domain_runs() {
    let mut spec = quickstart();
    spec.studio.enabled = true;
    spec.network.interface_endpoints = Some(["sts".to_string()].into());
    assert_eq!(spec.validate(), Ok(()));
    let graph = environment_graph(&spec).unwrap();
    let all = ids(&graph);
    // The endpoints come with the repository, whatever list the spec gives.
    for id in [
        "package-domain",
        "package-repository",
        "endpoint-codeartifact-api",
        "endpoint-codeartifact-repositories",
        "endpoint-sts",
    ] {
        assert!(all.contains(id), "{id} in {all:?}");
    }
    let domain = graph.get("package-domain").unwrap();
    assert_eq!(domain.depends_on, ["kms-key-data"]);
    let repository = graph.get("package-repository").unwrap();
    assert_eq!(repository.depends_on, ["package-domain"]);
    // One setup per app type, after the repository, and the Studio domain runs them.
    let setups: Vec<_> = graph
        .nodes()
        .iter()
        .filter(|n| n.id.starts_with("studio-lifecycle-config-packages-"))
        .collect();
    assert_eq!(setups.len(), 2);
    let studio = graph.get("studio-domain").unwrap();
    for setup in setups {
        assert_eq!(setup.depends_on, ["package-repository"]);
        assert!(studio.depends_on.contains(&setup.id));
    }
    // The people and the execution role read it; the launch role does not.
    for node in graph.nodes() {
        if let Child::Role(role) = &node.kind {
            assert_eq!(
                role.packages.is_some(),
                role.persona != Persona::ScLaunch,
                "{:?}",
                role.persona
            );
        }
    }
    // Switched off: none of it.
    spec.studio.packages.enabled = false;
    let off = ids(&environment_graph(&spec).unwrap());
    assert!(off
        .iter()
        .all(|id| !id.contains("package") && !id.contains("codeartifact")));
}
