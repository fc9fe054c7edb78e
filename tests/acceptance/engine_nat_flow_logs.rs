//! The NAT and flow-log children, driven one by one against the emulator: internet gateway,
//! Elastic IPs and NAT gateways per zone, public and private route tables; every ensure twice
//! (adoption by tags from nothing, no duplicates); drift made outside the engine (an internet
//! route on a private table, port 443 opened to the world, a loosened endpoint policy) reported
//! and then repaired by ensure; flow logs into a KMS-encrypted group, replaced when the traffic
//! type changes; delete in reverse order, with the AWS ordering rules the emulator enforces
//! (an internet gateway cannot be detached, nor an Elastic IP released, while a NAT gateway
//! still maps the address), and nothing left behind.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance::{Emulator, REGION};
use aws_sdk_ec2::types::{IpPermission, IpRange};
use secure_mlops_core::aws::AwsClients;
use secure_mlops_core::children::ec2_tags::Owner;
use secure_mlops_core::children::error::ChildError;
use secure_mlops_core::children::route_table::DefaultRoute;
use secure_mlops_core::children::security_group::Ingress;
use secure_mlops_core::children::vpc_endpoint::EndpointSettings;
use secure_mlops_core::children::{
    flow_log, internet_gateway, nat_gateway, role, route_table, security_group, subnet, vpc,
    vpc_endpoint,
};
use secure_mlops_core::engine::Record;
use secure_mlops_core::policy::environment::{s3_endpoint_policy, EnvironmentFacts};

const ENV: &str = "team-n-dev";
const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

/// Every kind this test creates; all must be empty at the end.
const KINDS: &[&str] = &[
    "ec2:vpc",
    "ec2:subnet",
    "ec2:route_table",
    "ec2:internet_gateway",
    "ec2:nat_gateway",
    "ec2:elastic_ip",
    "ec2:network_interface",
    "ec2:security_group",
    "ec2:vpc_endpoint",
    "ec2:flow_log",
    "logs:log_group",
    "iam:role",
    "kms:key",
];

fn owner(logical_id: &str) -> Owner<'_> {
    Owner {
        env_id: ENV,
        logical_id,
    }
}

fn tags() -> BTreeMap<String, String> {
    BTreeMap::from([("team".to_string(), "n".to_string())])
}

fn facts(clients: &AwsClients) -> EnvironmentFacts {
    EnvironmentFacts {
        partition: clients.partition.clone(),
        account_id: clients.account_id.clone(),
        region: clients.region.clone(),
        name: "team-n".into(),
        stage: "dev".into(),
    }
}

/// Runs an ensure twice and checks the second adopted the first (same physical id).
macro_rules! twice {
    ($what:expr, $call:expr) => {{
        let first: Record = $call
            .await
            .unwrap_or_else(|e| panic!("{}: first ensure: {e}", $what));
        let second: Record = $call
            .await
            .unwrap_or_else(|e| panic!("{}: second ensure: {e}", $what));
        assert_eq!(
            first.physical_id, second.physical_id,
            "{}: not adopted",
            $what
        );
        second
    }};
}

fn cidr(text: &str) -> secure_mlops_core::spec::Cidr {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not a CIDR: {e:?}"))
}

async fn routes(ec2: &aws_sdk_ec2::Client, table_id: &str) -> Vec<aws_sdk_ec2::types::Route> {
    ec2.describe_route_tables()
        .route_table_ids(table_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeRouteTables: {e:?}"))
        .route_tables()
        .first()
        .map(|t| t.routes().to_vec())
        .unwrap_or_default()
}

fn default_target(routes: &[aws_sdk_ec2::types::Route]) -> Option<String> {
    routes
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .and_then(|r| r.nat_gateway_id().or(r.gateway_id()))
        .map(str::to_string)
}

fn world_on_443() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

#[tokio::test(flavor = "multi_thread")]
async fn nat_and_flow_log_children_adopt_repair_drift_and_delete_cleanly() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let ec2 = aws_sdk_ec2::Client::new(&emulator.sdk_config().await);
    let tags = tags();
    let started = Instant::now();

    // --- the network around it ---------------------------------------------------------------
    let vpc = twice!(
        "vpc",
        vpc::ensure(&clients, owner("vpc"), &tags, cidr("10.20.0.0/16"))
    );
    let vpc_id = vpc.physical_id.as_str();
    let mut private_subnets = Vec::new();
    let mut public_subnets = Vec::new();
    for (i, zone) in ZONES.iter().enumerate() {
        let id = format!("subnet-private-{i}");
        let s = subnet::ensure(
            &clients,
            owner(&id),
            &tags,
            vpc_id,
            zone,
            cidr(&format!("10.20.{i}.0/24")),
        )
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        private_subnets.push(s);
        let id = format!("subnet-public-{i}");
        let s = subnet::ensure(
            &clients,
            owner(&id),
            &tags,
            vpc_id,
            zone,
            cidr(&format!("10.20.{}.0/24", 100 + i)),
        )
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        public_subnets.push(s);
    }
    // A subnet whose table has no default route at all (an environment without NAT).
    let isolated_subnet = subnet::ensure(
        &clients,
        owner("subnet-isolated"),
        &tags,
        vpc_id,
        ZONES[0],
        cidr("10.20.50.0/24"),
    )
    .await
    .unwrap_or_else(|e| panic!("subnet-isolated: {e}"));

    // --- internet gateway, NAT per zone, route tables ----------------------------------------
    let igw = twice!(
        "internet-gateway",
        internet_gateway::ensure(&clients, owner("internet-gateway"), &tags, vpc_id)
    );
    assert!(igw.physical_id.starts_with("igw-"), "{igw:?}");
    assert_eq!(
        igw.attributes.get("vpc_id").map(String::as_str),
        Some(vpc_id)
    );
    let attached = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeInternetGateways: {e:?}"));
    assert_eq!(
        attached.internet_gateways()[0].attachments()[0].vpc_id(),
        Some(vpc_id)
    );

    let public_ids: Vec<String> = public_subnets
        .iter()
        .map(|s| s.physical_id.clone())
        .collect();
    let to_igw = DefaultRoute::InternetGateway(igw.physical_id.clone());
    let public_table = twice!(
        "route-table-public",
        route_table::ensure(
            &clients,
            owner("route-table-public"),
            &tags,
            vpc_id,
            &public_ids,
            Some(&to_igw)
        )
    );
    assert_eq!(
        default_target(&routes(&ec2, &public_table.physical_id).await),
        Some(igw.physical_id.clone())
    );

    let mut addresses = Vec::new();
    let mut nats = Vec::new();
    for (i, public) in public_subnets.iter().enumerate() {
        let id = format!("nat-address-{i}");
        let address = twice!(
            &id,
            nat_gateway::ensure_address(&clients, owner(&id), &tags)
        );
        assert!(address.physical_id.starts_with("eipalloc-"), "{address:?}");
        let id = format!("nat-gateway-{i}");
        let nat = twice!(
            &id,
            nat_gateway::ensure(
                &clients,
                owner(&id),
                &tags,
                &public.physical_id,
                &address.physical_id
            )
        );
        assert_eq!(
            nat.attributes.get("allocation_id"),
            Some(&address.physical_id)
        );
        addresses.push(address);
        nats.push(nat);
    }

    let mut private_tables = Vec::new();
    for (i, (s, nat)) in private_subnets.iter().zip(&nats).enumerate() {
        let id = format!("route-table-private-{i}");
        let route = DefaultRoute::NatGateway(nat.physical_id.clone());
        let table = twice!(
            &id,
            route_table::ensure(
                &clients,
                owner(&id),
                &tags,
                vpc_id,
                std::slice::from_ref(&s.physical_id),
                Some(&route)
            )
        );
        assert_eq!(
            default_target(&routes(&ec2, &table.physical_id).await),
            Some(nat.physical_id.clone())
        );
        private_tables.push((table, route));
    }
    let isolated_table = twice!(
        "route-table-isolated",
        route_table::ensure(
            &clients,
            owner("route-table-isolated"),
            &tags,
            vpc_id,
            std::slice::from_ref(&isolated_subnet.physical_id),
            None
        )
    );

    // The S3 gateway endpoint adds prefix-list routes to the private tables, which ensure keeps.
    let private_table_ids: Vec<String> = private_tables
        .iter()
        .map(|(t, _)| t.physical_id.clone())
        .collect();
    let endpoint_settings = EndpointSettings::Gateway {
        route_table_ids: private_table_ids.clone(),
        policy: s3_endpoint_policy(&facts(&clients), &["team-n-dev-data".to_string()]).to_string(),
    };
    let endpoint = twice!(
        "endpoint-s3",
        vpc_endpoint::ensure(
            &clients,
            owner("endpoint-s3"),
            &tags,
            vpc_id,
            &vpc_endpoint::s3_service_name(REGION),
            &endpoint_settings
        )
    );

    let after_create = emulator.counts(KINDS);
    eprintln!("after create ({:?}): {after_create:?}", started.elapsed());
    assert_eq!(after_create["ec2:internet_gateway"], 1, "{after_create:?}");
    assert_eq!(after_create["ec2:nat_gateway"], 2, "{after_create:?}");
    assert_eq!(after_create["ec2:elastic_ip"], 2, "{after_create:?}");
    assert_eq!(after_create["ec2:route_table"], 4, "{after_create:?}");
    assert_eq!(after_create["ec2:subnet"], 5, "{after_create:?}");
    assert_eq!(after_create["ec2:vpc_endpoint"], 1, "{after_create:?}");

    for (table, route) in &private_tables {
        let drift = route_table::drift(&clients, table, Some(route))
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert_eq!(drift, Vec::<String>::new(), "fresh table drifts");
        let found = routes(&ec2, &table.physical_id).await;
        assert!(
            found
                .iter()
                .any(|r| r.destination_prefix_list_id().is_some()),
            "no S3 endpoint route in {}: {found:?}",
            table.physical_id
        );
    }
    let drift = route_table::drift(&clients, &isolated_table, None)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    let drift = route_table::drift(&clients, &public_table, Some(&to_igw))
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());

    // --- route drift made outside the engine ------------------------------------------------
    // An internet route on the table that should have none.
    ec2.create_route()
        .route_table_id(&isolated_table.physical_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRoute: {e:?}"));
    let drift = route_table::drift(&clients, &isolated_table, None)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].starts_with(&format!(
            "route-table-isolated ({})",
            isolated_table.physical_id
        )) && drift[0].contains(&format!("route 0.0.0.0/0 to {}", igw.physical_id))
            && drift[0].contains("not allowed"),
        "{drift:?}"
    );
    // A private table's default route swung from its NAT gateway to the internet gateway, and
    // another internet route next to it.
    let (table0, route0) = &private_tables[0];
    ec2.replace_route()
        .route_table_id(&table0.physical_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ReplaceRoute: {e:?}"));
    ec2.create_route()
        .route_table_id(&table0.physical_id)
        .destination_cidr_block("1.1.1.0/24")
        .gateway_id(&igw.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRoute: {e:?}"));
    let drift = route_table::drift(&clients, table0, Some(route0))
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 2, "{drift:?}");
    assert!(
        drift.iter().any(|d| d.contains(&format!(
            "route 0.0.0.0/0 goes to {} instead of {}",
            igw.physical_id, nats[0].physical_id
        ))),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|d| d.contains("route 1.1.1.0/24") && d.contains("not allowed")),
        "{drift:?}"
    );

    // Ensure repairs both tables, leaving the endpoint's routes alone.
    route_table::ensure(
        &clients,
        owner("route-table-isolated"),
        &tags,
        vpc_id,
        std::slice::from_ref(&isolated_subnet.physical_id),
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("repair: {e}"));
    let repaired = route_table::ensure(
        &clients,
        owner("route-table-private-0"),
        &tags,
        vpc_id,
        std::slice::from_ref(&private_subnets[0].physical_id),
        Some(route0),
    )
    .await
    .unwrap_or_else(|e| panic!("repair: {e}"));
    assert_eq!(repaired.physical_id, table0.physical_id);
    for (table, route) in [(&isolated_table, None), (table0, Some(route0))] {
        let drift = route_table::drift(&clients, table, route)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert_eq!(drift, Vec::<String>::new(), "{}", table.physical_id);
    }
    assert_eq!(
        default_target(&routes(&ec2, &isolated_table.physical_id).await),
        None
    );
    let found = routes(&ec2, &table0.physical_id).await;
    assert_eq!(default_target(&found), Some(nats[0].physical_id.clone()));
    assert!(
        found
            .iter()
            .any(|r| r.destination_prefix_list_id().is_some()),
        "the S3 endpoint route went: {found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|r| r.destination_cidr_block() == Some("1.1.1.0/24")),
        "{found:?}"
    );

    // --- security group drift ----------------------------------------------------------------
    let ingress: Vec<Ingress> = private_subnets
        .iter()
        .map(|s| Ingress::TcpFromCidr {
            port: 443,
            cidr: s.attributes[subnet::CIDR_ATTRIBUTE].clone(),
        })
        .collect();
    let endpoint_sg = twice!(
        "security-group-endpoints",
        security_group::ensure(
            &clients,
            owner("security-group-endpoints"),
            &tags,
            vpc_id,
            "endpoints",
            &ingress
        )
    );
    let drift = security_group::drift(&clients, &endpoint_sg, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    ec2.authorize_security_group_ingress()
        .group_id(&endpoint_sg.physical_id)
        .ip_permissions(world_on_443())
        .send()
        .await
        .unwrap_or_else(|e| panic!("AuthorizeSecurityGroupIngress: {e:?}"));
    let drift = security_group::drift(&clients, &endpoint_sg, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(
        drift,
        [format!(
            "security-group-endpoints ({}): ingress tcp port 443 from 0.0.0.0/0 is not allowed; \
             apply revokes it",
            endpoint_sg.physical_id
        )]
    );
    security_group::ensure(
        &clients,
        owner("security-group-endpoints"),
        &tags,
        vpc_id,
        "endpoints",
        &ingress,
    )
    .await
    .unwrap_or_else(|e| panic!("repair: {e}"));
    let drift = security_group::drift(&clients, &endpoint_sg, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    let group = ec2
        .describe_security_groups()
        .group_ids(&endpoint_sg.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
    let cidrs: Vec<&str> = group.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()))
        .collect();
    assert!(!cidrs.contains(&"0.0.0.0/0"), "{cidrs:?}");
    assert_eq!(cidrs.len(), 2, "the allowed rules went too: {cidrs:?}");

    // --- endpoint policy drift ---------------------------------------------------------------
    let drift = vpc_endpoint::drift(&clients, &endpoint, &endpoint_settings)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    ec2.modify_vpc_endpoint()
        .vpc_endpoint_id(&endpoint.physical_id)
        .policy_document(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("ModifyVpcEndpoint: {e:?}"));
    let drift = vpc_endpoint::drift(&clients, &endpoint, &endpoint_settings)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(drift[0].contains("endpoint policy"), "{drift:?}");
    vpc_endpoint::ensure(
        &clients,
        owner("endpoint-s3"),
        &tags,
        vpc_id,
        &vpc_endpoint::s3_service_name(REGION),
        &endpoint_settings,
    )
    .await
    .unwrap_or_else(|e| panic!("repair: {e}"));
    let drift = vpc_endpoint::drift(&clients, &endpoint, &endpoint_settings)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());

    // --- flow logs ---------------------------------------------------------------------------
    let key = clients
        .kms
        .create_key()
        .description("flow-log test key")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey: {e:?}"));
    let key_arn = key
        .key_metadata()
        .and_then(|m| m.arn())
        .unwrap_or_else(|| panic!("no key ARN"))
        .to_string();
    // The emulator schedules deletion by key id only (an ARN makes it fail with a 500).
    let key_id = key
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .unwrap_or_default();
    let facts = facts(&clients);
    let group_name = flow_log::log_group_name(&facts);
    let group = twice!(
        "flow-log-group",
        flow_log::ensure_group(
            &clients,
            owner("flow-log-group"),
            &tags,
            &group_name,
            &key_arn,
            30
        )
    );
    assert_eq!(group.physical_id, "/secure-mlops/team-n/dev/vpc-flow-logs");
    let group_arn = group.arn.clone().unwrap_or_default();
    assert!(
        group_arn.ends_with(":log-group:/secure-mlops/team-n/dev/vpc-flow-logs"),
        "{group_arn}"
    );
    assert_eq!(
        flow_log::drift_group(&clients, &group, &key_arn, 30)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}")),
        Vec::<String>::new()
    );
    let drift = flow_log::drift_group(&clients, &group, &key_arn, 90)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].contains("retention is 30 days instead of 90"),
        "{drift:?}"
    );
    let group = flow_log::ensure_group(
        &clients,
        owner("flow-log-group"),
        &tags,
        &group_name,
        &key_arn,
        90,
    )
    .await
    .unwrap_or_else(|e| panic!("retention change: {e}"));
    assert_eq!(
        flow_log::drift_group(&clients, &group, &key_arn, 90)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}")),
        Vec::<String>::new()
    );

    let role = twice!(
        "flow-log-role",
        flow_log::ensure_role(&clients, owner("flow-log-role"), &tags, &facts)
    );
    assert_eq!(role.physical_id, "team-n-dev-vpc-flow-logs");
    let role_arn = role.arn.clone().unwrap_or_default();

    // A role of that name that is not the environment's is never taken over.
    let iam = aws_sdk_iam::Client::new(&emulator.sdk_config().await);
    iam.create_role()
        .role_name(flow_log::role_name("team-x-dev"))
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"));
    let refused = flow_log::ensure_role(
        &clients,
        Owner {
            env_id: "team-x-dev",
            logical_id: "flow-log-role",
        },
        &tags,
        &EnvironmentFacts {
            name: "team-x".into(),
            ..facts.clone()
        },
    )
    .await;
    assert!(
        matches!(&refused, Err(ChildError::Refused { reason, .. }) if reason.contains("team-x-dev-vpc-flow-logs")),
        "{refused:?}"
    );
    iam.delete_role()
        .role_name(flow_log::role_name("team-x-dev"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteRole: {e:?}"));

    let flow = twice!(
        "flow-log",
        flow_log::ensure(
            &clients,
            owner("flow-log"),
            &tags,
            vpc_id,
            &group_name,
            &role_arn,
            "REJECT"
        )
    );
    assert!(flow.physical_id.starts_with("fl-"), "{flow:?}");
    assert_eq!(
        emulator.inventory_of("ec2:flow_log"),
        std::slice::from_ref(&flow.physical_id)
    );
    assert_eq!(
        flow_log::drift(&clients, &flow, "REJECT")
            .await
            .unwrap_or_else(|e| panic!("drift: {e}")),
        Vec::<String>::new()
    );
    let drift = flow_log::drift(&clients, &flow, "ALL")
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].contains("traffic type is REJECT instead of ALL"),
        "{drift:?}"
    );
    // A traffic type change replaces the flow log.
    let replaced = twice!(
        "flow-log (ALL)",
        flow_log::ensure(
            &clients,
            owner("flow-log"),
            &tags,
            vpc_id,
            &group_name,
            &role_arn,
            "ALL"
        )
    );
    assert_ne!(replaced.physical_id, flow.physical_id);
    assert_eq!(
        emulator.inventory_of("ec2:flow_log"),
        std::slice::from_ref(&replaced.physical_id)
    );
    let described = ec2
        .describe_flow_logs()
        .flow_log_ids(&replaced.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeFlowLogs: {e:?}"));
    let described = &described.flow_logs()[0];
    assert_eq!(described.traffic_type().map(|t| t.as_str()), Some("ALL"));
    assert_eq!(described.log_group_name(), Some(group_name.as_str()));
    assert_eq!(
        described.deliver_logs_permission_arn(),
        Some(role_arn.as_str())
    );
    assert_eq!(
        flow_log::drift(&clients, &flow, "REJECT")
            .await
            .unwrap_or_else(|e| panic!("drift: {e}")),
        [format!(
            "flow-log ({}): deleted outside the engine; apply recreates it",
            flow.physical_id
        )]
    );

    // --- delete, in reverse dependency order -------------------------------------------------
    flow_log::delete(&clients, &replaced)
        .await
        .unwrap_or_else(|e| panic!("delete flow log: {e}"));
    flow_log::delete(&clients, &replaced)
        .await
        .unwrap_or_else(|e| panic!("delete flow log again: {e}"));
    role::delete(&clients, &role)
        .await
        .unwrap_or_else(|e| panic!("delete role: {e}"));
    role::delete(&clients, &role)
        .await
        .unwrap_or_else(|e| panic!("delete role again: {e}"));
    flow_log::delete_group(&clients, &group)
        .await
        .unwrap_or_else(|e| panic!("delete group: {e}"));
    flow_log::delete_group(&clients, &group)
        .await
        .unwrap_or_else(|e| panic!("delete group again: {e}"));
    clients
        .kms
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ScheduleKeyDeletion: {e:?}"));

    vpc_endpoint::delete(&clients, &endpoint.physical_id)
        .await
        .unwrap_or_else(|e| panic!("delete endpoint: {e}"));
    security_group::delete(&clients, &endpoint_sg.physical_id)
        .await
        .unwrap_or_else(|e| panic!("delete security group: {e}"));
    for (table, _) in &private_tables {
        route_table::delete(&clients, &table.physical_id)
            .await
            .unwrap_or_else(|e| panic!("delete {}: {e}", table.physical_id));
    }
    route_table::delete(&clients, &isolated_table.physical_id)
        .await
        .unwrap_or_else(|e| panic!("delete isolated table: {e}"));

    // The internet gateway and the Elastic IPs are deleted while the NAT gateways still map the
    // addresses: both must wait (the emulator refuses as AWS does), and finish once the NAT
    // gateways are gone.
    let nat_deletes = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let waiting = emulator.counts(KINDS);
        assert_eq!(
            waiting["ec2:internet_gateway"], 1,
            "did not wait: {waiting:?}"
        );
        assert_eq!(waiting["ec2:elastic_ip"], 2, "did not wait: {waiting:?}");
        for nat in &nats {
            nat_gateway::delete(&clients, nat)
                .await
                .unwrap_or_else(|e| panic!("delete {}: {e}", nat.physical_id));
        }
    };
    let address_deletes = async {
        for address in &addresses {
            nat_gateway::delete_address(&clients, address)
                .await
                .unwrap_or_else(|e| panic!("release {}: {e}", address.physical_id));
        }
    };
    let igw_delete = async {
        internet_gateway::delete(&clients, &igw)
            .await
            .unwrap_or_else(|e| panic!("delete internet gateway: {e}"));
    };
    tokio::join!(nat_deletes, address_deletes, igw_delete);
    for nat in &nats {
        nat_gateway::delete(&clients, nat)
            .await
            .unwrap_or_else(|e| panic!("delete {} again: {e}", nat.physical_id));
    }
    // Gone long ago (AWS forgets deleted NAT gateways after about an hour): deleted is deleted.
    let forgotten = Record {
        physical_id: "nat-0123456789abcdef0".into(),
        ..nats[0].clone()
    };
    nat_gateway::delete(&clients, &forgotten)
        .await
        .unwrap_or_else(|e| panic!("delete of an unknown NAT gateway: {e}"));
    nat_gateway::delete_address(&clients, &addresses[0])
        .await
        .unwrap_or_else(|e| panic!("release again: {e}"));
    internet_gateway::delete(&clients, &igw)
        .await
        .unwrap_or_else(|e| panic!("delete internet gateway again: {e}"));
    route_table::delete(&clients, &public_table.physical_id)
        .await
        .unwrap_or_else(|e| panic!("delete public table: {e}"));

    for s in private_subnets
        .iter()
        .chain(&public_subnets)
        .chain([&isolated_subnet])
    {
        subnet::delete(&clients, &s.physical_id)
            .await
            .unwrap_or_else(|e| panic!("delete {}: {e}", s.physical_id));
    }
    vpc::delete(&clients, vpc_id)
        .await
        .unwrap_or_else(|e| panic!("delete vpc: {e}"));

    let left = emulator.counts(KINDS);
    eprintln!("done in {:?}", started.elapsed());
    assert!(left.values().all(|n| *n == 0), "left behind: {left:?}");
}
