//! The NAT and flow-log children, driven one by one against the emulator: internet gateway,
//! Elastic IPs and NAT gateways per zone, public and private route tables; every ensure twice
//! (adoption by tags from nothing, no duplicates); drift made outside the engine (an internet
//! route on a private table, port 443 opened to the world, a loosened endpoint policy) reported
//! and then repaired by ensure; flow logs into a KMS-encrypted group, replaced when the traffic
//! type changes; delete in reverse order, with the AWS ordering rules the emulator enforces
//! (an internet gateway cannot be detached, nor an Elastic IP released, while a NAT gateway
//! still maps the address), and nothing left behind. Each test starts its own emulator and
//! ends with it empty.

use std::time::{Duration, Instant};

use acceptance::{assert_no_drift, cidr, twice, EngineFixture, REGION};
use aws_sdk_ec2::types::{IpPermission, IpRange};
use secure_mlops_core::children::ec2_tags::Owner;
use secure_mlops_core::children::error::ChildError;
use secure_mlops_core::children::route_table::DefaultRoute;
use secure_mlops_core::children::security_group::{Allow, Peer, Rules};
use secure_mlops_core::children::vpc_endpoint::EndpointSettings;
use secure_mlops_core::children::{
    flow_log, internet_gateway, nat_gateway, role, route_table, security_group, subnet, vpc,
    vpc_endpoint,
};
use secure_mlops_core::engine::Record;
use secure_mlops_core::policy::environment::{s3_endpoint_policy, EnvironmentFacts};

const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

/// Every kind these tests create; all must be empty at the end of each.
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

fn world_on_443() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// Team N's VPC (ensured twice) with a private and a public subnet per zone and a subnet whose
/// table has no default route at all (an environment without NAT).
struct Network {
    f: EngineFixture,
    ec2: aws_sdk_ec2::Client,
    started: Instant,
    vpc_id: String,
    private_subnets: Vec<Record>,
    public_subnets: Vec<Record>,
    isolated_subnet: Record,
}

/// The internet gateway, NAT per zone, the route tables and the S3 gateway endpoint on the
/// private tables.
struct Nat {
    igw: Record,
    to_igw: DefaultRoute,
    public_table: Record,
    addresses: Vec<Record>,
    nats: Vec<Record>,
    private_tables: Vec<(Record, DefaultRoute)>,
    isolated_table: Record,
    endpoint: Record,
    endpoint_settings: EndpointSettings,
}

/// What a flow log needs: a KMS key (made outside the engine), the log group and the role.
struct FlowLogSetup {
    key_arn: String,
    key_id: String,
    group_name: String,
    group: Record,
    role: Record,
    role_arn: String,
}

/// What a test made on top of the network, deleted at its end.
#[derive(Default)]
struct Made {
    nat: Option<Nat>,
    security_group: Option<Record>,
    flow_logs: Option<FlowLogSetup>,
    flow_log: Option<Record>,
}

impl Network {
    async fn start() -> Self {
        let f = EngineFixture::start("team-n", "dev", &[("team", "n")]).await;
        let ec2 = aws_sdk_ec2::Client::new(&f.emulator.sdk_config().await);
        let started = Instant::now();
        let (clients, tags) = (&f.clients, &f.tags);
        let vpc = twice!(
            "vpc",
            vpc::ensure(clients, f.owner("vpc"), tags, cidr("10.20.0.0/16"))
        );
        let vpc_id = vpc.physical_id;
        let subnet = |id: String, zone: &'static str, block: String| {
            let (f, vpc_id) = (&f, &vpc_id);
            async move {
                let s = subnet::ensure(clients, f.owner(&id), tags, vpc_id, zone, cidr(&block));
                s.await.unwrap_or_else(|e| panic!("{id}: {e}"))
            }
        };
        let mut private_subnets = Vec::new();
        let mut public_subnets = Vec::new();
        for (i, zone) in ZONES.iter().enumerate() {
            let block = format!("10.20.{i}.0/24");
            private_subnets.push(subnet(format!("subnet-private-{i}"), zone, block).await);
            let block = format!("10.20.{}.0/24", 100 + i);
            public_subnets.push(subnet(format!("subnet-public-{i}"), zone, block).await);
        }
        let isolated_subnet =
            subnet("subnet-isolated".into(), ZONES[0], "10.20.50.0/24".into()).await;
        Network {
            ec2,
            started,
            vpc_id,
            private_subnets,
            public_subnets,
            isolated_subnet,
            f,
        }
    }

    fn owner<'a>(&'a self, logical_id: &'a str) -> Owner<'a> {
        self.f.owner(logical_id)
    }

    async fn routes(&self, table_id: &str) -> Vec<aws_sdk_ec2::types::Route> {
        self.ec2
            .describe_route_tables()
            .route_table_ids(table_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeRouteTables: {e:?}"))
            .route_tables()
            .first()
            .map(|t| t.routes().to_vec())
            .unwrap_or_default()
    }

    async fn default_target(&self, table_id: &str) -> Option<String> {
        default_target(&self.routes(table_id).await)
    }

    /// The internet gateway (attached) and the public table routing to it.
    async fn internet_gateway(&self) -> (Record, DefaultRoute, Record) {
        let (clients, tags, vpc_id) = (&self.f.clients, &self.f.tags, self.vpc_id.as_str());
        let igw = twice!(
            "internet-gateway",
            internet_gateway::ensure(clients, self.owner("internet-gateway"), tags, vpc_id)
        );
        assert!(igw.physical_id.starts_with("igw-"), "{igw:?}");
        assert_eq!(
            igw.attributes.get("vpc_id").map(String::as_str),
            Some(vpc_id)
        );
        let attached = self
            .ec2
            .describe_internet_gateways()
            .internet_gateway_ids(&igw.physical_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeInternetGateways: {e:?}"));
        assert_eq!(
            attached.internet_gateways()[0].attachments()[0].vpc_id(),
            Some(vpc_id)
        );
        let public_ids: Vec<String> = self
            .public_subnets
            .iter()
            .map(|s| s.physical_id.clone())
            .collect();
        let to_igw = DefaultRoute::InternetGateway(igw.physical_id.clone());
        let owner = self.owner("route-table-public");
        let public_table = twice!(
            "route-table-public",
            route_table::ensure(clients, owner, tags, vpc_id, &public_ids, Some(&to_igw))
        );
        assert_eq!(
            self.default_target(&public_table.physical_id).await,
            Some(igw.physical_id.clone())
        );
        (igw, to_igw, public_table)
    }

    /// An Elastic IP and a NAT gateway per public subnet.
    async fn nat_gateways(&self) -> (Vec<Record>, Vec<Record>) {
        let (clients, tags) = (&self.f.clients, &self.f.tags);
        let mut addresses = Vec::new();
        let mut nats = Vec::new();
        for (i, public) in self.public_subnets.iter().enumerate() {
            let id = format!("nat-address-{i}");
            let address = twice!(
                &id,
                nat_gateway::ensure_address(clients, self.owner(&id), tags)
            );
            assert!(address.physical_id.starts_with("eipalloc-"), "{address:?}");
            let id = format!("nat-gateway-{i}");
            let (subnet_id, allocation_id) = (&public.physical_id, &address.physical_id);
            let nat = twice!(
                &id,
                nat_gateway::ensure(clients, self.owner(&id), tags, subnet_id, allocation_id)
            );
            assert_eq!(
                nat.attributes.get("allocation_id"),
                Some(&address.physical_id)
            );
            addresses.push(address);
            nats.push(nat);
        }
        (addresses, nats)
    }

    /// The logical id and subnet of private subnet `i`'s route table, or the isolated one's.
    fn table_of(&self, private: Option<usize>) -> (String, &Record) {
        match private {
            Some(i) => (format!("route-table-private-{i}"), &self.private_subnets[i]),
            None => ("route-table-isolated".to_string(), &self.isolated_subnet),
        }
    }

    /// One ensure of that route table with default route `route`.
    async fn table_ensure(
        &self,
        private: Option<usize>,
        route: Option<&DefaultRoute>,
    ) -> Result<Record, ChildError> {
        let (id, subnet) = self.table_of(private);
        let subnets = std::slice::from_ref(&subnet.physical_id);
        let (clients, tags) = (&self.f.clients, &self.f.tags);
        route_table::ensure(clients, self.owner(&id), tags, &self.vpc_id, subnets, route).await
    }

    async fn endpoint_ensure(&self, settings: &EndpointSettings) -> Result<Record, ChildError> {
        let (clients, tags) = (&self.f.clients, &self.f.tags);
        let service = vpc_endpoint::s3_service_name(REGION);
        let owner = self.owner("endpoint-s3");
        vpc_endpoint::ensure(clients, owner, tags, &self.vpc_id, &service, settings).await
    }

    async fn nat(&self) -> Nat {
        let (igw, to_igw, public_table) = self.internet_gateway().await;
        let (addresses, nats) = self.nat_gateways().await;
        let mut private_tables = Vec::new();
        for (i, nat) in nats.iter().enumerate() {
            let route = DefaultRoute::NatGateway(nat.physical_id.clone());
            let id = self.table_of(Some(i)).0;
            let table = twice!(&id, self.table_ensure(Some(i), Some(&route)));
            assert_eq!(
                self.default_target(&table.physical_id).await,
                Some(nat.physical_id.clone())
            );
            private_tables.push((table, route));
        }
        let isolated_table = twice!("route-table-isolated", self.table_ensure(None, None));
        // The S3 gateway endpoint adds prefix-list routes to the private tables, which ensure
        // keeps.
        let endpoint_settings = EndpointSettings::Gateway {
            route_table_ids: private_tables
                .iter()
                .map(|(t, _)| t.physical_id.clone())
                .collect(),
            policy: s3_endpoint_policy(&self.f.facts(), &["team-n-dev-data".to_string()])
                .to_string(),
        };
        let endpoint = twice!("endpoint-s3", self.endpoint_ensure(&endpoint_settings));
        Nat {
            igw,
            to_igw,
            public_table,
            addresses,
            nats,
            private_tables,
            isolated_table,
            endpoint,
            endpoint_settings,
        }
    }

    async fn endpoint_group_ensure(&self, rules: &Rules) -> Result<Record, ChildError> {
        let (clients, tags) = (&self.f.clients, &self.f.tags);
        let owner = self.owner("security-group-endpoints");
        security_group::ensure(clients, owner, tags, &self.vpc_id, "endpoints", rules).await
    }

    async fn group_ensure(&self, key_arn: &str, retention_days: i64) -> Result<Record, ChildError> {
        let (clients, tags) = (&self.f.clients, &self.f.tags);
        let name = flow_log::log_group_name(&self.f.facts());
        let owner = self.owner("flow-log-group");
        flow_log::ensure_group(clients, owner, tags, &name, key_arn, retention_days).await
    }

    async fn flow_log_setup(&self) -> FlowLogSetup {
        let clients = &self.f.clients;
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
        let group = twice!("flow-log-group", self.group_ensure(&key_arn, 30));
        assert_eq!(group.physical_id, "/secure-mlops/team-n/dev/vpc-flow-logs");
        let group_arn = group.arn.clone().unwrap_or_default();
        assert!(
            group_arn.ends_with(":log-group:/secure-mlops/team-n/dev/vpc-flow-logs"),
            "{group_arn}"
        );
        let owner = self.owner("flow-log-role");
        let role = twice!(
            "flow-log-role",
            flow_log::ensure_role(clients, owner, &self.f.tags, &self.f.facts(), None)
        );
        assert_eq!(role.physical_id, "team-n-dev-vpc-flow-logs");
        FlowLogSetup {
            key_arn,
            key_id,
            group_name: flow_log::log_group_name(&self.f.facts()),
            role_arn: role.arn.clone().unwrap_or_default(),
            group,
            role,
        }
    }

    async fn ensure_flow_log(&self, setup: &FlowLogSetup, traffic: &str) -> Record {
        let (clients, tags, vpc_id) = (&self.f.clients, &self.f.tags, self.vpc_id.as_str());
        let (group, role) = (&setup.group_name, &setup.role_arn);
        twice!(
            format!("flow-log ({traffic})"),
            flow_log::ensure(
                clients,
                self.owner("flow-log"),
                tags,
                vpc_id,
                group,
                role,
                traffic
            )
        )
    }
}

fn default_target(routes: &[aws_sdk_ec2::types::Route]) -> Option<String> {
    routes
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .and_then(|r| r.nat_gateway_id().or(r.gateway_id()))
        .map(str::to_string)
}

impl Network {
    /// Deletes what `made` holds in reverse dependency order, then the subnets and the VPC, and
    /// checks that nothing of any kind is left.
    async fn finish(&self, made: Made) {
        let clients = &self.f.clients;
        if let Some(flow) = &made.flow_log {
            flow_log::delete(clients, flow)
                .await
                .unwrap_or_else(|e| panic!("delete flow log: {e}"));
        }
        if let Some(setup) = &made.flow_logs {
            self.delete_flow_log_setup(setup).await;
        }
        if let Some(group) = &made.security_group {
            security_group::delete(clients, &group.physical_id)
                .await
                .unwrap_or_else(|e| panic!("delete security group: {e}"));
        }
        if let Some(nat) = &made.nat {
            self.delete_endpoint_and_private_tables(nat).await;
            for gateway in &nat.nats {
                nat_gateway::delete(clients, gateway)
                    .await
                    .unwrap_or_else(|e| panic!("delete {}: {e}", gateway.physical_id));
            }
            for address in &nat.addresses {
                nat_gateway::delete_address(clients, address)
                    .await
                    .unwrap_or_else(|e| panic!("release {}: {e}", address.physical_id));
            }
            internet_gateway::delete(clients, &nat.igw)
                .await
                .unwrap_or_else(|e| panic!("delete internet gateway: {e}"));
            self.delete_public_table(nat).await;
        }
        self.delete_network().await;
    }

    /// The role and the log group (each twice: gone is deleted), and the key.
    async fn delete_flow_log_setup(&self, setup: &FlowLogSetup) {
        let clients = &self.f.clients;
        role::delete(clients, &setup.role)
            .await
            .unwrap_or_else(|e| panic!("delete role: {e}"));
        role::delete(clients, &setup.role)
            .await
            .unwrap_or_else(|e| panic!("delete role again: {e}"));
        flow_log::delete_group(clients, &setup.group)
            .await
            .unwrap_or_else(|e| panic!("delete group: {e}"));
        flow_log::delete_group(clients, &setup.group)
            .await
            .unwrap_or_else(|e| panic!("delete group again: {e}"));
        clients
            .kms
            .schedule_key_deletion()
            .key_id(&setup.key_id)
            .pending_window_in_days(7)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ScheduleKeyDeletion: {e:?}"));
    }

    /// The endpoint, then the private and isolated route tables.
    async fn delete_endpoint_and_private_tables(&self, nat: &Nat) {
        let clients = &self.f.clients;
        vpc_endpoint::delete(clients, &nat.endpoint.physical_id)
            .await
            .unwrap_or_else(|e| panic!("delete endpoint: {e}"));
        for (table, _) in &nat.private_tables {
            route_table::delete(clients, &table.physical_id)
                .await
                .unwrap_or_else(|e| panic!("delete {}: {e}", table.physical_id));
        }
        route_table::delete(clients, &nat.isolated_table.physical_id)
            .await
            .unwrap_or_else(|e| panic!("delete isolated table: {e}"));
    }

    async fn delete_public_table(&self, nat: &Nat) {
        route_table::delete(&self.f.clients, &nat.public_table.physical_id)
            .await
            .unwrap_or_else(|e| panic!("delete public table: {e}"));
    }

    /// The subnets and the VPC; then nothing of any kind may be left.
    async fn delete_network(&self) {
        let clients = &self.f.clients;
        for s in self
            .private_subnets
            .iter()
            .chain(&self.public_subnets)
            .chain([&self.isolated_subnet])
        {
            subnet::delete(clients, &s.physical_id)
                .await
                .unwrap_or_else(|e| panic!("delete {}: {e}", s.physical_id));
        }
        vpc::delete(clients, &self.vpc_id)
            .await
            .unwrap_or_else(|e| panic!("delete vpc: {e}"));
        let left = self.f.counts(KINDS);
        eprintln!("done in {:?}", self.started.elapsed());
        assert!(left.values().all(|n| *n == 0), "left behind: {left:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nat_per_zone_and_route_tables_are_ensured_once_and_read_back_without_drift() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let nat = net.nat().await;
    let after_create = net.f.counts(KINDS);
    eprintln!(
        "after create ({:?}): {after_create:?}",
        net.started.elapsed()
    );
    let expected = [
        ("ec2:internet_gateway", 1),
        ("ec2:nat_gateway", 2),
        ("ec2:elastic_ip", 2),
        ("ec2:route_table", 4),
        ("ec2:subnet", 5),
        ("ec2:vpc_endpoint", 1),
    ];
    for (kind, n) in expected {
        assert_eq!(after_create[kind], n, "{kind}: {after_create:?}");
    }
    for (table, route) in &nat.private_tables {
        let drift = route_table::drift(clients, table, Some(route))
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert_eq!(drift, Vec::<String>::new(), "fresh table drifts");
        let found = net.routes(&table.physical_id).await;
        assert!(
            found
                .iter()
                .any(|r| r.destination_prefix_list_id().is_some()),
            "no S3 endpoint route in {}: {found:?}",
            table.physical_id
        );
    }
    for (table, route) in [
        (&nat.isolated_table, None),
        (&nat.public_table, Some(&nat.to_igw)),
    ] {
        let drift = route_table::drift(clients, table, route)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert_no_drift(&table.physical_id, &drift);
    }
    net.finish(Made {
        nat: Some(nat),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn internet_routes_added_outside_are_named_and_removed_keeping_the_endpoint_route() {
    let net = Network::start().await;
    let (clients, ec2) = (&net.f.clients, &net.ec2);
    let nat = net.nat().await;
    let (igw, isolated_table) = (&nat.igw.physical_id, &nat.isolated_table);
    // An internet route on the table that should have none.
    ec2.create_route()
        .route_table_id(&isolated_table.physical_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(igw)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRoute: {e:?}"));
    let drift = route_table::drift(clients, isolated_table, None)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    let prefix = format!("route-table-isolated ({})", isolated_table.physical_id);
    assert!(
        drift[0].starts_with(&prefix)
            && drift[0].contains(&format!("route 0.0.0.0/0 to {igw}"))
            && drift[0].contains("not allowed"),
        "{drift:?}"
    );
    // A private table's default route swung from its NAT gateway to the internet gateway, and
    // another internet route next to it.
    let (table0, route0) = &nat.private_tables[0];
    ec2.replace_route()
        .route_table_id(&table0.physical_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(igw)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ReplaceRoute: {e:?}"));
    ec2.create_route()
        .route_table_id(&table0.physical_id)
        .destination_cidr_block("1.1.1.0/24")
        .gateway_id(igw)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRoute: {e:?}"));
    let drift = route_table::drift(clients, table0, Some(route0))
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 2, "{drift:?}");
    let nat0 = &nat.nats[0].physical_id;
    let swung = format!("route 0.0.0.0/0 goes to {igw} instead of {nat0}");
    assert!(drift.iter().any(|d| d.contains(&swung)), "{drift:?}");
    assert!(
        drift
            .iter()
            .any(|d| d.contains("route 1.1.1.0/24") && d.contains("not allowed")),
        "{drift:?}"
    );

    // Ensure repairs both tables, leaving the endpoint's routes alone.
    net.table_ensure(None, None)
        .await
        .unwrap_or_else(|e| panic!("repair: {e}"));
    let repaired = net
        .table_ensure(Some(0), Some(route0))
        .await
        .unwrap_or_else(|e| panic!("repair: {e}"));
    assert_eq!(repaired.physical_id, table0.physical_id);
    for (table, route) in [(isolated_table, None), (table0, Some(route0))] {
        let drift = route_table::drift(clients, table, route)
            .await
            .unwrap_or_else(|e| panic!("drift: {e}"));
        assert_eq!(drift, Vec::<String>::new(), "{}", table.physical_id);
    }
    assert_eq!(net.default_target(&isolated_table.physical_id).await, None);
    let found = net.routes(&table0.physical_id).await;
    assert_eq!(default_target(&found), Some(nat0.clone()));
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
    net.finish(Made {
        nat: Some(nat),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn port_443_opened_to_the_world_is_named_and_revoked_keeping_the_allowed_rules() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let ingress: Vec<Allow> = net
        .private_subnets
        .iter()
        .map(|s| Allow::Tcp {
            port: 443,
            peer: Peer::Cidr(s.attributes[subnet::CIDR_ATTRIBUTE].clone()),
        })
        .collect();
    // No egress: EC2's default rule to anywhere goes on the first apply.
    let ingress = Rules {
        ingress,
        egress: Vec::new(),
    };
    let group = twice!(
        "security-group-endpoints",
        net.endpoint_group_ensure(&ingress)
    );
    let egress = |net: &Network, id: String| {
        let ec2 = net.ec2.clone();
        async move {
            let out = ec2
                .describe_security_groups()
                .group_ids(id)
                .send()
                .await
                .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
            out.security_groups()[0].ip_permissions_egress().len()
        }
    };
    assert_eq!(egress(&net, group.physical_id.clone()).await, 0);
    let drift = security_group::drift(clients, &group, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    net.ec2
        .authorize_security_group_ingress()
        .group_id(&group.physical_id)
        .ip_permissions(world_on_443())
        .send()
        .await
        .unwrap_or_else(|e| panic!("AuthorizeSecurityGroupIngress: {e:?}"));
    let drift = security_group::drift(clients, &group, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(
        drift,
        [format!(
            "security-group-endpoints ({}): ingress tcp port 443 from 0.0.0.0/0 is not allowed; \
             apply revokes it",
            group.physical_id
        )]
    );
    // Egress to anywhere added by hand is named and revoked too.
    net.ec2
        .authorize_security_group_egress()
        .group_id(&group.physical_id)
        .ip_permissions(world_on_443())
        .send()
        .await
        .unwrap_or_else(|e| panic!("AuthorizeSecurityGroupEgress: {e:?}"));
    let drift = security_group::drift(clients, &group, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert!(
        drift.contains(&format!(
            "security-group-endpoints ({}): egress tcp port 443 to 0.0.0.0/0 is not allowed; \
             apply revokes it",
            group.physical_id
        )),
        "{drift:?}"
    );
    net.endpoint_group_ensure(&ingress)
        .await
        .unwrap_or_else(|e| panic!("repair: {e}"));
    let drift = security_group::drift(clients, &group, &ingress)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    let described = net
        .ec2
        .describe_security_groups()
        .group_ids(&group.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
    let cidrs: Vec<&str> = described.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()))
        .collect();
    assert!(!cidrs.contains(&"0.0.0.0/0"), "{cidrs:?}");
    assert_eq!(cidrs.len(), 2, "the allowed rules went too: {cidrs:?}");
    assert_eq!(egress(&net, group.physical_id.clone()).await, 0);
    net.finish(Made {
        security_group: Some(group),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_policy_opened_outside_is_named_and_repaired() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let nat = net.nat().await;
    let (endpoint, settings) = (&nat.endpoint, &nat.endpoint_settings);
    let drift = vpc_endpoint::drift(clients, endpoint, settings)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    net.ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&endpoint.physical_id)
        .policy_document(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("ModifyVpcEndpoint: {e:?}"));
    let drift = vpc_endpoint::drift(clients, endpoint, settings)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(drift[0].contains("endpoint policy"), "{drift:?}");
    net.endpoint_ensure(settings)
        .await
        .unwrap_or_else(|e| panic!("repair: {e}"));
    let drift = vpc_endpoint::drift(clients, endpoint, settings)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    net.finish(Made {
        nat: Some(nat),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_flow_log_group_is_named_for_the_environment_and_follows_retention_changes() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let setup = net.flow_log_setup().await;
    let (group, key_arn) = (&setup.group, &setup.key_arn);
    let drift = flow_log::drift_group(clients, group, key_arn, 30)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    let drift = flow_log::drift_group(clients, group, key_arn, 90)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].contains("retention is 30 days instead of 90"),
        "{drift:?}"
    );
    let group = net
        .group_ensure(key_arn, 90)
        .await
        .unwrap_or_else(|e| panic!("retention change: {e}"));
    let drift = flow_log::drift_group(clients, &group, key_arn, 90)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    net.finish(Made {
        flow_logs: Some(FlowLogSetup { group, ..setup }),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_log_role_of_another_environment_is_never_taken_over() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let setup = net.flow_log_setup().await;
    let iam = aws_sdk_iam::Client::new(&net.f.emulator.sdk_config().await);
    iam.create_role()
        .role_name(flow_log::role_name("team-x-dev"))
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"));
    let team_x = Owner {
        env_id: "team-x-dev",
        logical_id: "flow-log-role",
    };
    let facts = EnvironmentFacts {
        name: "team-x".into(),
        ..net.f.facts()
    };
    let refused = flow_log::ensure_role(clients, team_x, &net.f.tags, &facts, None).await;
    assert!(
        matches!(&refused, Err(ChildError::Refused { reason, .. }) if reason.contains("team-x-dev-vpc-flow-logs")),
        "{refused:?}"
    );
    iam.delete_role()
        .role_name(flow_log::role_name("team-x-dev"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteRole: {e:?}"));
    net.finish(Made {
        flow_logs: Some(setup),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_log_is_replaced_when_its_traffic_type_changes() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let setup = net.flow_log_setup().await;
    let flow = net.ensure_flow_log(&setup, "REJECT").await;
    assert!(flow.physical_id.starts_with("fl-"), "{flow:?}");
    let flow_logs = || net.f.emulator.inventory_of("ec2:flow_log");
    assert_eq!(flow_logs(), std::slice::from_ref(&flow.physical_id));
    let drift = flow_log::drift(clients, &flow, "REJECT")
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift, Vec::<String>::new());
    let drift = flow_log::drift(clients, &flow, "ALL")
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].contains("traffic type is REJECT instead of ALL"),
        "{drift:?}"
    );
    // A traffic type change replaces the flow log.
    let replaced = net.ensure_flow_log(&setup, "ALL").await;
    assert_ne!(replaced.physical_id, flow.physical_id);
    assert_eq!(flow_logs(), std::slice::from_ref(&replaced.physical_id));
    let described = net
        .ec2
        .describe_flow_logs()
        .flow_log_ids(&replaced.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeFlowLogs: {e:?}"));
    let described = &described.flow_logs()[0];
    assert_eq!(described.traffic_type().map(|t| t.as_str()), Some("ALL"));
    assert_eq!(described.log_group_name(), Some(setup.group_name.as_str()));
    assert_eq!(
        described.deliver_logs_permission_arn(),
        Some(setup.role_arn.as_str())
    );
    let drift = flow_log::drift(clients, &flow, "REJECT")
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert_eq!(
        drift,
        [format!(
            "flow-log ({}): deleted outside the engine; apply recreates it",
            flow.physical_id
        )]
    );
    // Deleting twice is fine: gone is deleted.
    flow_log::delete(clients, &replaced)
        .await
        .unwrap_or_else(|e| panic!("delete flow log: {e}"));
    net.finish(Made {
        flow_logs: Some(setup),
        flow_log: Some(replaced),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_internet_gateway_and_addresses_wait_until_the_nat_gateways_are_gone() {
    let net = Network::start().await;
    let clients = &net.f.clients;
    let nat = net.nat().await;
    net.delete_endpoint_and_private_tables(&nat).await;
    let (nats, addresses, igw) = (&nat.nats, &nat.addresses, &nat.igw);
    // The internet gateway and the Elastic IPs are deleted while the NAT gateways still map the
    // addresses: both must wait (the emulator refuses as AWS does), and finish once the NAT
    // gateways are gone.
    let nat_deletes = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let waiting = net.f.counts(KINDS);
        let igws = waiting["ec2:internet_gateway"];
        assert_eq!(igws, 1, "did not wait: {waiting:?}");
        assert_eq!(waiting["ec2:elastic_ip"], 2, "did not wait: {waiting:?}");
        for nat in nats {
            nat_gateway::delete(clients, nat)
                .await
                .unwrap_or_else(|e| panic!("delete {}: {e}", nat.physical_id));
        }
    };
    let address_deletes = async {
        for address in addresses {
            nat_gateway::delete_address(clients, address)
                .await
                .unwrap_or_else(|e| panic!("release {}: {e}", address.physical_id));
        }
    };
    let igw_delete = async {
        internet_gateway::delete(clients, igw)
            .await
            .unwrap_or_else(|e| panic!("delete internet gateway: {e}"));
    };
    tokio::join!(nat_deletes, address_deletes, igw_delete);
    for nat in nats {
        nat_gateway::delete(clients, nat)
            .await
            .unwrap_or_else(|e| panic!("delete {} again: {e}", nat.physical_id));
    }
    // Gone long ago (AWS forgets deleted NAT gateways after about an hour): deleted is deleted.
    let forgotten = Record {
        physical_id: "nat-0123456789abcdef0".into(),
        ..nats[0].clone()
    };
    nat_gateway::delete(clients, &forgotten)
        .await
        .unwrap_or_else(|e| panic!("delete of an unknown NAT gateway: {e}"));
    nat_gateway::delete_address(clients, &addresses[0])
        .await
        .unwrap_or_else(|e| panic!("release again: {e}"));
    internet_gateway::delete(clients, igw)
        .await
        .unwrap_or_else(|e| panic!("delete internet gateway again: {e}"));
    net.delete_public_table(&nat).await;
    net.delete_network().await;
}
