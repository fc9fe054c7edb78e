//! The whole quickstart environment through the engine, without Terraform: how many children,
//! how long the apply takes against the sum of the child operations (what the concurrency buys),
//! adoption after a lost ledger, no drift on what was just made, the security properties of what
//! the emulator then holds, and a destroy that leaves nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance::{Emulator, REGION};
use secure_mlops_core::aws::AwsClients;
use secure_mlops_core::engine::Ledger;
use secure_mlops_core::environment;
use secure_mlops_core::graph::environment::environment_graph;
use secure_mlops_core::spec::{EnvironmentSpec, NetworkSpec, Stage, StorageSpec};
use secure_mlops_core::wait::Deadline;

/// The quickstart: a new VPC over two zones and every default.
fn quickstart(nat: bool) -> EnvironmentSpec {
    EnvironmentSpec {
        name: "quick".into(),
        stage: Stage::Dev,
        tags: BTreeMap::from([("team".to_string(), "quick".to_string())]),
        network: NetworkSpec {
            availability_zones: Some(vec![format!("{REGION}a"), format!("{REGION}b")]),
            create_nat_gateways: nat,
            ..Default::default()
        },
        iam: Default::default(),
        storage: StorageSpec {
            force_destroy: true,
            ..Default::default()
        },
        guardrails: Default::default(),
        studio: Default::default(),
    }
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(300))
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_environment_applies_adopts_reads_clean_and_destroys() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let before = emulator.environment_counts();

    for nat in [false, true] {
        let spec = quickstart(nat);
        let graph = environment_graph(&spec).unwrap_or_else(|e| panic!("graph: {e}"));
        let (ledger, report) = environment::apply(&clients, &spec, Ledger::default(), deadline())
            .await
            .unwrap_or_else(|e| panic!("apply (nat {nat}): {e}"));
        let ratio = report.child_time_sum.as_secs_f64() / report.wall.as_secs_f64().max(1e-9);
        eprintln!(
            "quickstart (nat {nat}): {} children, apply wall {:?}, sum of child operations {:?}, ratio {ratio:.2}",
            graph.nodes().len(),
            report.wall,
            report.child_time_sum
        );
        assert_eq!(ledger.len(), graph.nodes().len());
        let applied = emulator.environment_counts();

        // Lost ledger: every child is adopted, nothing is created twice.
        let (adopted, _) = environment::apply(&clients, &spec, Ledger::default(), deadline())
            .await
            .unwrap_or_else(|e| panic!("re-apply: {e}"));
        assert_eq!(emulator.environment_counts(), applied);
        for (id, record) in adopted.iter() {
            assert_eq!(
                ledger.get(id).map(|r| &r.physical_id),
                Some(&record.physical_id),
                "{id} was not adopted"
            );
        }

        // What was just made matches the spec. The 18 endpoints are read in one call.
        emulator.reset_stats();
        let drift = environment::drift(&clients, &spec, &adopted)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert!(drift.is_empty(), "fresh environment drifted: {drift:#?}");
        let stats = emulator.stats();
        assert_eq!(
            stats["calls"]["ec2"]["DescribeVpcEndpoints"], 1,
            "{:#}",
            stats["calls"]
        );
        eprintln!(
            "quickstart (nat {nat}): refresh of {} children: {} AWS calls",
            adopted.len(),
            stats["total_calls"]
        );

        // Drift on an endpoint is still found through the read-ahead, and one deleted outside
        // (the read-ahead fails on its id) is found by reading each endpoint on its own.
        let sts = adopted
            .get("endpoint-sts")
            .map(|r| r.physical_id.clone())
            .unwrap_or_else(|| panic!("no sts endpoint"));
        let ec2 = aws_sdk_ec2::Client::new(&emulator.sdk_config().await);
        ec2.modify_vpc_endpoint()
            .vpc_endpoint_id(&sts)
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("ModifyVpcEndpoint: {e:?}"));
        let drift = environment::drift(&clients, &spec, &adopted)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert!(
            drift.iter().any(|d| d.child == "endpoint-sts"),
            "the opened policy was not seen: {drift:#?}"
        );
        ec2.delete_vpc_endpoints()
            .vpc_endpoint_ids(&sts)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteVpcEndpoints: {e:?}"));
        let drift = environment::drift(&clients, &spec, &adopted)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        let sts_drift: Vec<_> = drift.iter().filter(|d| d.child == "endpoint-sts").collect();
        assert!(
            sts_drift
                .iter()
                .any(|d| d.detail.contains("deleted outside")),
            "the deleted endpoint was not seen: {drift:#?}"
        );
        assert_eq!(drift.len(), sts_drift.len(), "{drift:#?}");
        // The next apply makes it again.
        let (adopted, _) = environment::apply(&clients, &spec, adopted, deadline())
            .await
            .unwrap_or_else(|e| panic!("repair: {e}"));

        let outputs = environment::outputs(&graph, &adopted);
        assert_eq!(outputs.private_subnet_ids.len(), 2);
        assert_eq!(outputs.public_subnet_ids.len(), if nat { 2 } else { 0 });
        assert_eq!(outputs.interface_endpoint_ids.len(), 17);
        assert_eq!(outputs.kms_key_arns.len(), 3);
        assert_eq!(outputs.role_arns.len(), 4);
        assert_eq!(
            applied["ec2:internet_gateway"] - before["ec2:internet_gateway"],
            usize::from(nat),
            "an internet gateway exists only with NAT"
        );
        assert_eq!(
            applied["ec2:nat_gateway"] - before["ec2:nat_gateway"],
            if nat { 2 } else { 0 }
        );
        assert_no_internet_path_from_private_subnets(&clients, &outputs).await;

        let report = environment::destroy(&clients, &spec, adopted, deadline())
            .await
            .unwrap_or_else(|e| panic!("destroy: {e}"))
            .report;
        eprintln!(
            "quickstart (nat {nat}): destroy wall {:?}, sum of child operations {:?}",
            report.wall, report.child_time_sum
        );
        assert_eq!(
            emulator.environment_counts(),
            before,
            "destroy left something behind"
        );
    }
}

/// Private route tables hold only local, S3-endpoint and (with NAT) NAT-gateway routes; no
/// security group of the environment takes ingress from anywhere.
async fn assert_no_internet_path_from_private_subnets(
    clients: &AwsClients,
    outputs: &environment::Outputs,
) {
    let tables = clients
        .ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .set_values(Some(outputs.private_subnet_ids.clone()))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeRouteTables: {e:?}"));
    assert_eq!(tables.route_tables().len(), 2);
    for table in tables.route_tables() {
        for route in table.routes() {
            assert!(
                route
                    .gateway_id()
                    .is_none_or(|g| g == "local" || g.starts_with("vpce-")),
                "private route to a gateway: {route:?}"
            );
        }
    }
    let groups = clients
        .ec2
        .describe_security_groups()
        .group_ids(&outputs.sagemaker_security_group_id)
        .group_ids(&outputs.endpoint_security_group_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
    for group in groups.security_groups() {
        for permission in group.ip_permissions() {
            for range in permission.ip_ranges() {
                assert_ne!(range.cidr_ip(), Some("0.0.0.0/0"), "{group:?}");
            }
        }
    }
}
