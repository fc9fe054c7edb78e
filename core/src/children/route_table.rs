//! Route tables: one private table per zone, associated with the zone's private subnet, and,
//! with NAT support, one public table for the public subnets.
//!
//! A private table routes nowhere outside the VPC except through the zone's NAT gateway (when
//! there is one) and the S3 gateway endpoint (which adds its own prefix-list routes); the
//! public table routes `0.0.0.0/0` to the internet gateway. [`ensure`] repairs drift: it removes
//! every route that is none of those (an internet route added to a private table by hand is a
//! way around the data perimeter), and [`drift`] reports them.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, Route, RouteOrigin, RouteTable};

use super::ec2_tags::{filter, Owner};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::reads::Known;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::LogicalId;
use crate::ids::RecordKind;

/// Record kind of a route table.
pub const KIND: RecordKind = RecordKind::RouteTable;
/// Record attribute holding the subnets the table is associated with, comma-separated.
pub const SUBNETS_ATTRIBUTE: &str = "subnet_ids";
/// Record attribute holding the child's logical id, which drift reports name.
const LOGICAL_ID_ATTRIBUTE: &str = "logical_id";

/// The destination of a default route.
const DEFAULT_DESTINATION: &str = "0.0.0.0/0";

/// Where a table's `0.0.0.0/0` route goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultRoute {
    /// To an internet gateway (the public table).
    InternetGateway(String),
    /// To a NAT gateway (a private table, with NAT support).
    NatGateway(String),
}

impl DefaultRoute {
    /// The target's id (`igw-…`, `nat-…`).
    pub fn target(&self) -> &str {
        match self {
            DefaultRoute::InternetGateway(id) | DefaultRoute::NatGateway(id) => id,
        }
    }

    fn is_target_of(&self, route: &Route) -> bool {
        match self {
            DefaultRoute::InternetGateway(id) => route.gateway_id() == Some(id.as_str()),
            DefaultRoute::NatGateway(id) => route.nat_gateway_id() == Some(id.as_str()),
        }
    }
}

/// What a table's route is, measured against what the table should hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The VPC's local route, a gateway endpoint's prefix-list route, or the desired default
    /// route.
    Allowed,
    /// A default route to another target than the desired one: replaced.
    WrongDefault,
    /// Anything else: removed.
    NotAllowed,
    /// Propagated by a virtual private gateway: `DeleteRoute` cannot remove it, only turning
    /// propagation off can.
    Propagated,
}

fn classify(route: &Route, desired: Option<&DefaultRoute>) -> Verdict {
    if route.gateway_id() == Some("local") || route.origin() == Some(&RouteOrigin::CreateRouteTable)
    {
        return Verdict::Allowed;
    }
    // Gateway endpoints (S3, DynamoDB) add these; they can only go with the endpoint itself.
    if route.destination_prefix_list_id().is_some()
        && route.gateway_id().is_some_and(|g| g.starts_with("vpce-"))
    {
        return Verdict::Allowed;
    }
    if route.origin() == Some(&RouteOrigin::EnableVgwRoutePropagation) {
        return Verdict::Propagated;
    }
    match (route.destination_cidr_block(), desired) {
        (Some(DEFAULT_DESTINATION), Some(d)) if d.is_target_of(route) => Verdict::Allowed,
        (Some(DEFAULT_DESTINATION), Some(_)) => Verdict::WrongDefault,
        _ => Verdict::NotAllowed,
    }
}

/// The route's destination, as EC2 names it.
fn destination(route: &Route) -> &str {
    route
        .destination_cidr_block()
        .or(route.destination_ipv6_cidr_block())
        .or(route.destination_prefix_list_id())
        .unwrap_or("?")
}

/// The route's target, as EC2 names it.
fn target(route: &Route) -> &str {
    [
        route.gateway_id(),
        route.nat_gateway_id(),
        route.transit_gateway_id(),
        route.vpc_peering_connection_id(),
        route.network_interface_id(),
        route.instance_id(),
        route.egress_only_internet_gateway_id(),
        route.carrier_gateway_id(),
        route.local_gateway_id(),
        route.core_network_arn(),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or("?")
}

/// Adopts the route table tagged as `owner` in the VPC, or creates it; associates it with every
/// subnet in `subnet_ids` (moving a subnet over from another table if it has to); points
/// `0.0.0.0/0` at `default_route` (or leaves no default route when `None`); and removes every
/// other route except the local one and gateway endpoints' prefix-list routes.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    subnet_ids: &[String],
    default_route: Option<&DefaultRoute>,
) -> Result<Record, ChildError> {
    let table = find_or_create(clients, owner, tags, vpc_id).await?;
    let table_id = table
        .route_table_id()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "CreateRouteTable",
            missing: "RouteTableId",
        })?
        .to_string();

    for subnet_id in subnet_ids {
        if !table
            .associations()
            .iter()
            .any(|a| a.subnet_id() == Some(subnet_id.as_str()))
        {
            associate(clients, &table_id, subnet_id).await?;
        }
    }

    repair_routes(clients, &table, &table_id, default_route).await?;

    let mut attributes = BTreeMap::from([
        (SUBNETS_ATTRIBUTE.to_string(), subnet_ids.join(",")),
        (
            LOGICAL_ID_ATTRIBUTE.to_string(),
            owner.logical_id.to_string(),
        ),
    ]);
    if let Some(desired) = default_route {
        attributes.insert(
            "default_route_target".to_string(),
            desired.target().to_string(),
        );
    }
    Ok(Record {
        kind: KIND,
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:route-table/{table_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: table_id,
        attributes,
        depends_on: Vec::new(),
    })
}

/// The table tagged as `owner` in the VPC, or a new one.
async fn find_or_create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
) -> Result<RouteTable, ChildError> {
    let mut filters = owner.filters();
    filters.push(filter("vpc-id", vpc_id));
    let out = clients
        .ec2
        .describe_route_tables()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeRouteTables", e))?;
    let found = out
        .route_tables()
        .iter()
        .find(|t| owner.owns(t.tags()) && t.vpc_id() == Some(vpc_id))
        .cloned();
    Ok(match found {
        Some(table) => table,
        None => clients
            .ec2
            .create_route_table()
            .vpc_id(vpc_id)
            .tag_specifications(owner.tag_specification(ResourceType::RouteTable, tags))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ec2", "CreateRouteTable", e))?
            .route_table()
            .cloned()
            .ok_or(ChildError::IncompleteAnswer {
                operation: "CreateRouteTable",
                missing: "RouteTable",
            })?,
    })
}

/// Removes every route the environment does not allow and makes the default route the desired
/// one (or none).
async fn repair_routes(
    clients: &AwsClients,
    table: &RouteTable,
    table_id: &str,
    default_route: Option<&DefaultRoute>,
) -> Result<(), ChildError> {
    let mut has_default = false;
    for route in table.routes() {
        let verdict = classify(route, default_route);
        has_default |= route.destination_cidr_block() == Some(DEFAULT_DESTINATION)
            && verdict != Verdict::NotAllowed;
        match (verdict, default_route) {
            (Verdict::Allowed | Verdict::Propagated, _) => {}
            (Verdict::WrongDefault, Some(desired)) => {
                replace_default(clients, table_id, desired).await?;
            }
            (Verdict::WrongDefault, None) | (Verdict::NotAllowed, _) => {
                tracing::info!(
                    table = %table_id,
                    destination = destination(route),
                    target = target(route),
                    "removing a route the environment does not allow"
                );
                delete_route(clients, table_id, route).await?;
            }
        }
    }
    if let (Some(desired), false) = (default_route, has_default) {
        create_default(clients, table_id, desired).await?;
    }
    Ok(())
}

/// What differs between the table in `record` and what it should be (its subnets as recorded,
/// `default_route`, no other route), one line per difference; empty when it complies. A table
/// deleted outside the engine is drift too.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    default_route: Option<&DefaultRoute>,
) -> Result<Vec<String>, ChildError> {
    drift_known(clients, record, default_route, Known::Unknown).await
}

/// [`drift`], with the table as a refresh read it ahead.
async fn drift_known(
    clients: &AwsClients,
    record: &Record,
    default_route: Option<&DefaultRoute>,
    known: Known<'_, RouteTable>,
) -> Result<Vec<String>, ChildError> {
    let label = label(record);
    let found = known
        .or_read(describe(clients, &record.physical_id))
        .await?;
    let Some(table) = found else {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply recreates it"
        )]);
    };
    let mut found = Vec::new();
    let wanted_subnets = record
        .attributes
        .get(SUBNETS_ATTRIBUTE)
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty());
    for subnet_id in wanted_subnets {
        if !table
            .associations()
            .iter()
            .any(|a| a.subnet_id() == Some(subnet_id))
        {
            found.push(format!(
                "{label}: subnet {subnet_id} is not associated with it; apply associates it"
            ));
        }
    }
    let mut has_default = false;
    for route in table.routes() {
        let (dest, to) = (destination(route), target(route));
        let verdict = classify(route, default_route);
        has_default |= dest == DEFAULT_DESTINATION && verdict != Verdict::NotAllowed;
        match (verdict, default_route) {
            (Verdict::Allowed, _) => {}
            (Verdict::WrongDefault, Some(desired)) => found.push(format!(
                "{label}: route {dest} goes to {to} instead of {}; apply points it there",
                desired.target()
            )),
            (Verdict::WrongDefault, None) | (Verdict::NotAllowed, _) => found.push(format!(
                "{label}: route {dest} to {to} is not allowed; apply removes it"
            )),
            (Verdict::Propagated, _) => found.push(format!(
                "{label}: route {dest} to {to} is propagated from a virtual private gateway; \
                 turn route propagation off on the table (apply cannot remove it)"
            )),
        }
    }
    if let (Some(desired), false) = (default_route, has_default) {
        found.push(format!(
            "{label}: route {DEFAULT_DESTINATION} to {} is missing; apply adds it",
            desired.target()
        ));
    }
    Ok(found)
}

fn label(record: &Record) -> String {
    let name = record
        .attributes
        .get(LOGICAL_ID_ATTRIBUTE)
        .map_or(record.kind.as_str(), String::as_str);
    format!("{name} ({})", record.physical_id)
}

/// Associates `subnet_id` with the table. A subnet has exactly one table: if another (not the
/// VPC's main table, whose association is implicit) has it, the association moves over.
async fn associate(
    clients: &AwsClients,
    table_id: &str,
    subnet_id: &str,
) -> Result<(), ChildError> {
    let out = clients
        .ec2
        .describe_route_tables()
        .filters(filter("association.subnet-id", subnet_id))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeRouteTables", e))?;
    let current = out.route_tables().iter().find_map(|t| {
        t.associations()
            .iter()
            .find(|a| a.subnet_id() == Some(subnet_id) && a.main() != Some(true))
            .map(|a| (t.route_table_id(), a.route_table_association_id()))
    });
    match current {
        Some((Some(id), _)) if id == table_id => Ok(()),
        Some((_, Some(association_id))) => {
            tracing::info!(table = %table_id, subnet = %subnet_id, %association_id,
                "moving the subnet over from another route table");
            clients
                .ec2
                .replace_route_table_association()
                .association_id(association_id)
                .route_table_id(table_id)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "ReplaceRouteTableAssociation", e))?;
            Ok(())
        }
        _ => {
            clients
                .ec2
                .associate_route_table()
                .route_table_id(table_id)
                .subnet_id(subnet_id)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "AssociateRouteTable", e))?;
            Ok(())
        }
    }
}

async fn create_default(
    clients: &AwsClients,
    table_id: &str,
    desired: &DefaultRoute,
) -> Result<(), ChildError> {
    let call = clients
        .ec2
        .create_route()
        .route_table_id(table_id)
        .destination_cidr_block(DEFAULT_DESTINATION);
    let call = match desired {
        DefaultRoute::InternetGateway(id) => call.gateway_id(id),
        DefaultRoute::NatGateway(id) => call.nat_gateway_id(id),
    };
    match call.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "CreateRoute", e);
            // Added meanwhile by a concurrent run or by hand: make sure it goes where we want.
            if err.code == "RouteAlreadyExists" {
                replace_default(clients, table_id, desired).await
            } else {
                Err(err.into())
            }
        }
    }
}

async fn replace_default(
    clients: &AwsClients,
    table_id: &str,
    desired: &DefaultRoute,
) -> Result<(), ChildError> {
    let call = clients
        .ec2
        .replace_route()
        .route_table_id(table_id)
        .destination_cidr_block(DEFAULT_DESTINATION);
    let call = match desired {
        DefaultRoute::InternetGateway(id) => call.gateway_id(id),
        DefaultRoute::NatGateway(id) => call.nat_gateway_id(id),
    };
    call.send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "ReplaceRoute", e))?;
    Ok(())
}

async fn delete_route(
    clients: &AwsClients,
    table_id: &str,
    route: &Route,
) -> Result<(), ChildError> {
    let call = clients
        .ec2
        .delete_route()
        .route_table_id(table_id)
        .set_destination_cidr_block(route.destination_cidr_block().map(str::to_string))
        .set_destination_ipv6_cidr_block(route.destination_ipv6_cidr_block().map(str::to_string))
        .set_destination_prefix_list_id(route.destination_prefix_list_id().map(str::to_string));
    if let Err(e) = call.send().await {
        let err = AwsCallError::from_sdk("ec2", "DeleteRoute", e);
        if !err.is_not_found() {
            return Err(err.into());
        }
    }
    Ok(())
}

async fn describe(clients: &AwsClients, table_id: &str) -> Result<Option<RouteTable>, ChildError> {
    match clients
        .ec2
        .describe_route_tables()
        .route_table_ids(table_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.route_tables().first().cloned()),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeRouteTables", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err.into())
            }
        }
    }
}

/// Disassociates the table from its subnets, then deletes it. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, table_id: &str) -> Result<(), ChildError> {
    let Some(table) = describe(clients, table_id).await? else {
        return Ok(());
    };
    for association in table.associations() {
        if association.main() == Some(true) {
            continue;
        }
        let Some(id) = association.route_table_association_id() else {
            continue;
        };
        if let Err(e) = clients
            .ec2
            .disassociate_route_table()
            .association_id(id)
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "DisassociateRouteTable", e);
            if !err.is_not_found() {
                return Err(err.into());
            }
        }
    }
    if let Err(e) = clients
        .ec2
        .delete_route_table()
        .route_table_id(table_id)
        .send()
        .await
    {
        let err = AwsCallError::from_sdk("ec2", "DeleteRouteTable", e);
        if !err.is_not_found() {
            return Err(err.into());
        }
    }
    Ok(())
}

// --- the contract ----------------------------------------------------------------------------

/// What a route table should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSettings {
    /// Its VPC.
    pub vpc_id: String,
    /// The subnets it serves.
    pub subnet_ids: Vec<String>,
    /// Its default route, if any.
    pub default_route: Option<DefaultRoute>,
}

impl ChildKind for kinds::RouteTable {
    type Desired = TableSettings;

    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<TableSettings, ChildError> {
        let public = self.public;
        let default_route = if public {
            let igw = inputs.physical_id(&LogicalId::InternetGateway)?;
            Some(DefaultRoute::InternetGateway(igw))
        } else {
            inputs
                .dependency_ids(|id| matches!(id, LogicalId::NatGateway(_)))?
                .into_iter()
                .next()
                .map(DefaultRoute::NatGateway)
        };
        let subnet_ids = inputs.dependency_ids(|id| match id {
            LogicalId::PublicSubnet(_) => public,
            LogicalId::PrivateSubnet(_) => !public,
            _ => false,
        })?;
        Ok(TableSettings {
            vpc_id: inputs.physical_id(&LogicalId::Vpc)?,
            subnet_ids,
            default_route,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, table: &TableSettings) -> Result<Record, ChildError> {
        let route = table.default_route.as_ref();
        ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            &table.vpc_id,
            &table.subnet_ids,
            route,
        )
        .await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        table: &TableSettings,
    ) -> Result<Vec<String>, ChildError> {
        let known = cx.env.reads.table(&record.physical_id);
        drift_known(cx.clients, record, table.default_route.as_ref(), known).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(destination: &str) -> aws_sdk_ec2::types::builders::RouteBuilder {
        Route::builder()
            .destination_cidr_block(destination)
            .origin(RouteOrigin::CreateRoute)
    }

    #[test]
    fn local_and_endpoint_routes_are_always_allowed() {
        let local = Route::builder()
            .destination_cidr_block("10.0.0.0/16")
            .gateway_id("local")
            .origin(RouteOrigin::CreateRouteTable)
            .build();
        let s3 = Route::builder()
            .destination_prefix_list_id("pl-6ca54005")
            .gateway_id("vpce-0123")
            .origin(RouteOrigin::CreateRoute)
            .build();
        for desired in [
            None,
            Some(DefaultRoute::NatGateway("nat-1".into())),
            Some(DefaultRoute::InternetGateway("igw-1".into())),
        ] {
            assert_eq!(classify(&local, desired.as_ref()), Verdict::Allowed);
            assert_eq!(classify(&s3, desired.as_ref()), Verdict::Allowed);
        }
    }

    #[test]
    fn an_internet_route_on_a_private_table_is_not_allowed() {
        let igw = route("0.0.0.0/0").gateway_id("igw-1").build();
        assert_eq!(classify(&igw, None), Verdict::NotAllowed);
        let nat = DefaultRoute::NatGateway("nat-1".into());
        assert_eq!(classify(&igw, Some(&nat)), Verdict::WrongDefault);
        let to_nat = route("0.0.0.0/0").nat_gateway_id("nat-1").build();
        assert_eq!(classify(&to_nat, Some(&nat)), Verdict::Allowed);
        let to_old_nat = route("0.0.0.0/0").nat_gateway_id("nat-0").build();
        assert_eq!(classify(&to_old_nat, Some(&nat)), Verdict::WrongDefault);
        assert_eq!(classify(&to_nat, None), Verdict::NotAllowed);
    }

    #[test]
    fn the_public_table_routes_only_to_its_internet_gateway() {
        let desired = DefaultRoute::InternetGateway("igw-1".into());
        let igw = route("0.0.0.0/0").gateway_id("igw-1").build();
        assert_eq!(classify(&igw, Some(&desired)), Verdict::Allowed);
        // A narrower route around the default one, a peering, a prefix list to a gateway
        // that is not an endpoint: none is the environment's.
        for other in [
            route("8.8.8.0/24").gateway_id("igw-1").build(),
            route("172.16.0.0/12")
                .vpc_peering_connection_id("pcx-1")
                .build(),
            Route::builder()
                .destination_prefix_list_id("pl-1")
                .gateway_id("igw-1")
                .origin(RouteOrigin::CreateRoute)
                .build(),
            Route::builder()
                .destination_ipv6_cidr_block("::/0")
                .egress_only_internet_gateway_id("eigw-1")
                .build(),
        ] {
            assert_eq!(
                classify(&other, Some(&desired)),
                Verdict::NotAllowed,
                "{other:?}"
            );
        }
        let propagated = route("192.168.0.0/16")
            .gateway_id("vgw-1")
            .origin(RouteOrigin::EnableVgwRoutePropagation)
            .build();
        assert_eq!(classify(&propagated, Some(&desired)), Verdict::Propagated);
    }

    #[test]
    fn routes_are_described_by_destination_and_target() {
        let r = route("0.0.0.0/0").gateway_id("igw-1").build();
        assert_eq!((destination(&r), target(&r)), ("0.0.0.0/0", "igw-1"));
        let r = Route::builder()
            .destination_ipv6_cidr_block("::/0")
            .egress_only_internet_gateway_id("eigw-1")
            .build();
        assert_eq!((destination(&r), target(&r)), ("::/0", "eigw-1"));
        let record = Record {
            kind: KIND,
            physical_id: "rtb-1".into(),
            arn: None,
            attributes: BTreeMap::from([(
                LOGICAL_ID_ATTRIBUTE.to_string(),
                "route-table-private-0".to_string(),
            )]),
            depends_on: Vec::new(),
        };
        assert_eq!(label(&record), "route-table-private-0 (rtb-1)");
    }
}
