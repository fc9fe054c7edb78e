//! Private route tables: one per zone, associated with the zone's private subnet, with no route
//! to an internet gateway (the S3 gateway endpoint adds its own route).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, RouteTable};

use super::ec2_tags::{filter, Owner};
use super::network::ChildError;
use crate::aws::{AwsCallError, AwsClients};
use crate::engine::Record;

/// Record kind of a route table.
pub const KIND: &str = "route-table";

/// Adopts the route table tagged as `owner` in the VPC, or creates it; then makes sure it is
/// associated with `subnet_id`.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    vpc_id: &str,
    subnet_id: &str,
) -> Result<Record, ChildError> {
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
    let table: RouteTable = match found {
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
    };
    let table_id = table
        .route_table_id()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "CreateRouteTable",
            missing: "RouteTableId",
        })?
        .to_string();
    let existing = table
        .associations()
        .iter()
        .find(|a| a.subnet_id() == Some(subnet_id))
        .and_then(|a| a.route_table_association_id().map(str::to_string));
    let association_id = match existing {
        Some(id) => id,
        None => clients
            .ec2
            .associate_route_table()
            .route_table_id(&table_id)
            .subnet_id(subnet_id)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ec2", "AssociateRouteTable", e))?
            .association_id()
            .unwrap_or_default()
            .to_string(),
    };
    Ok(Record {
        kind: KIND.to_string(),
        arn: Some(format!(
            "arn:{}:ec2:{}:{}:route-table/{table_id}",
            clients.partition, clients.region, clients.account_id
        )),
        physical_id: table_id,
        attributes: BTreeMap::from([
            ("subnet_id".to_string(), subnet_id.to_string()),
            ("association_id".to_string(), association_id),
        ]),
        depends_on: Vec::new(),
    })
}

/// Disassociates the table from its subnets, then deletes it. Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, table_id: &str) -> Result<(), ChildError> {
    let out = match clients
        .ec2
        .describe_route_tables()
        .route_table_ids(table_id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeRouteTables", e);
            return if err.is_not_found() {
                Ok(())
            } else {
                Err(err.into())
            };
        }
    };
    let Some(table) = out.route_tables().first() else {
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
