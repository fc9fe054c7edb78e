//! The engine drives the network children of a team environment against the emulator: apply,
//! apply again (from the ledger, and from a lost ledger: adoption by tags, no duplicates), the
//! security properties of what exists (no ingress from anywhere, no internet route), destroy,
//! nothing left behind.

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance::{Emulator, REGION};
use secure_mlops_core::children::driver::EnvironmentDriver;
use secure_mlops_core::engine::{apply, destroy, ExecOptions, Ledger};
use secure_mlops_core::graph::environment::network_graph;
use secure_mlops_core::spec::{
    EnvironmentSpec, FlowLogsSpec, GuardrailSpec, IamSpec, NetworkSpec, Stage, StorageSpec,
};
use secure_mlops_core::wait::Deadline;

fn spec() -> EnvironmentSpec {
    EnvironmentSpec {
        name: "team-a".into(),
        stage: Stage::Dev,
        tags: BTreeMap::from([("team".to_string(), "a".to_string())]),
        network: NetworkSpec {
            availability_zones: Some(vec![format!("{REGION}a"), format!("{REGION}b")]),
            interface_endpoints: Some(
                ["sts", "sagemaker.api", "studio"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            flow_logs: FlowLogsSpec::default(),
            ..Default::default()
        },
        iam: IamSpec::default(),
        storage: StorageSpec::default(),
        guardrails: GuardrailSpec::default(),
        studio: Default::default(),
    }
}

fn options() -> ExecOptions {
    ExecOptions {
        concurrency: 8,
        deadline: Deadline::after(Duration::from_secs(120)),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn network_children_apply_adopt_and_destroy_cleanly() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;

    let spec = spec();
    assert_eq!(spec.validate(), Ok(()));
    let graph = network_graph(&spec).unwrap_or_else(|e| panic!("graph: {e}"));
    let driver = EnvironmentDriver::for_spec(clients, &spec);

    // First apply creates everything.
    let (ledger, report) = apply(&graph, &driver, Ledger::default(), options())
        .await
        .unwrap_or_else(|e| panic!("first apply: {e}"));
    eprintln!(
        "apply: wall {:?}, child_time_sum {:?}, {} operations",
        report.wall, report.child_time_sum, report.operations
    );
    assert_eq!(ledger.len(), graph.nodes().len());
    let expected = emulator.environment_counts();
    assert_eq!(expected["ec2:vpc"], 1, "{expected:?}");
    assert_eq!(expected["ec2:subnet"], 2, "{expected:?}");
    assert_eq!(expected["ec2:route_table"], 2, "{expected:?}");
    assert_eq!(expected["ec2:security_group"], 2, "{expected:?}");
    assert_eq!(expected["ec2:vpc_endpoint"], 4, "{expected:?}");
    assert_eq!(expected["ec2:internet_gateway"], 0, "{expected:?}");

    // Again from the ledger, and from a lost ledger: adoption by tags, no duplicates.
    let (again, report) = apply(&graph, &driver, ledger.clone(), options())
        .await
        .unwrap_or_else(|e| panic!("second apply: {e}"));
    eprintln!(
        "re-apply: wall {:?}, child_time_sum {:?}",
        report.wall, report.child_time_sum
    );
    assert_eq!(emulator.environment_counts(), expected);
    for (id, record) in again.iter() {
        assert_eq!(
            ledger.get(id).map(|r| &r.physical_id),
            Some(&record.physical_id),
            "{id} changed"
        );
    }
    let (adopted, report) = apply(&graph, &driver, Ledger::default(), options())
        .await
        .unwrap_or_else(|e| panic!("apply with a lost ledger: {e}"));
    eprintln!(
        "lost-ledger apply: wall {:?}, child_time_sum {:?}",
        report.wall, report.child_time_sum
    );
    assert_eq!(emulator.environment_counts(), expected);
    for (id, record) in adopted.iter() {
        assert_eq!(
            ledger.get(id).map(|r| &r.physical_id),
            Some(&record.physical_id),
            "{id} was not adopted"
        );
    }

    // Security properties, checked from outside the engine.
    let ec2 = aws_sdk_ec2::Client::new(&emulator.sdk_config().await);
    let vpc_id = ledger
        .get("vpc")
        .map(|r| r.physical_id.clone())
        .unwrap_or_default();
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&vpc_id)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
    let sagemaker_sg = &ledger
        .get("security-group-sagemaker")
        .unwrap_or_else(|| panic!("no SageMaker SG"))
        .physical_id;
    let endpoint_sg = &ledger
        .get("security-group-endpoints")
        .unwrap_or_else(|| panic!("no endpoint SG"))
        .physical_id;
    for group in groups.security_groups() {
        let id = group.group_id().unwrap_or_default();
        for permission in group.ip_permissions() {
            for range in permission.ip_ranges() {
                assert_ne!(range.cidr_ip(), Some("0.0.0.0/0"), "{id} is open to all");
            }
            for range in permission.ipv6_ranges() {
                assert_ne!(range.cidr_ipv6(), Some("::/0"), "{id} is open to all");
            }
        }
        if id == sagemaker_sg.as_str() {
            assert!(group.ip_permissions().iter().all(|p| p
                .user_id_group_pairs()
                .iter()
                .all(|g| g.group_id() == Some(id))
                && p.ip_ranges().is_empty()));
            assert!(!group.ip_permissions().is_empty());
        }
        if id == endpoint_sg.as_str() {
            let from_sagemaker = group.ip_permissions().iter().any(|p| {
                p.from_port() == Some(443)
                    && p.user_id_group_pairs()
                        .iter()
                        .any(|g| g.group_id() == Some(sagemaker_sg.as_str()))
            });
            assert!(from_sagemaker, "{:?}", group.ip_permissions());
            let cidrs: Vec<&str> = group
                .ip_permissions()
                .iter()
                .filter(|p| p.from_port() == Some(443))
                .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()))
                .collect();
            assert_eq!(cidrs.len(), 2, "{cidrs:?}");
        }
    }
    for logical in ["route-table-private-0", "route-table-private-1"] {
        let table_id = &ledger
            .get(logical)
            .unwrap_or_else(|| panic!("no {logical}"))
            .physical_id;
        let out = ec2
            .describe_route_tables()
            .route_table_ids(table_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeRouteTables: {e:?}"));
        let table = &out.route_tables()[0];
        for route in table.routes() {
            assert!(
                !route.gateway_id().unwrap_or_default().starts_with("igw-"),
                "{logical} routes to the internet: {route:?}"
            );
        }
        assert_eq!(table.associations().len(), 1, "{logical}");
    }

    // Destroy leaves nothing behind.
    let report = destroy(&driver, adopted, options())
        .await
        .unwrap_or_else(|e| panic!("destroy: {e}"));
    eprintln!(
        "destroy: wall {:?}, child_time_sum {:?}",
        report.wall, report.child_time_sum
    );
    let left = emulator.environment_counts();
    assert!(left.values().all(|n| *n == 0), "left behind: {left:?}");
}
