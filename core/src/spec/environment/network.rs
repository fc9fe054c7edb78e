//! Checks of the `network` block, one function per concern: the VPC, the zones, the private and
//! public subnets, how the subnets fit the VPC, the endpoints and the flow logs.

use std::collections::BTreeSet;

use super::super::{AttrPath, ValidationErrors};
use super::{Cidr, FlowLogsSpec, NetworkSpec, DEFAULT_VPC_CIDR, LOG_RETENTION_DAYS, MAX_AZS};

/// Every problem with `net`.
pub(super) fn check_network(net: &NetworkSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("network");
    check_vpc_id(net, &path, errors);
    check_zones(net, &path.then("availability_zones"), errors);
    let vpc_cidr = vpc_cidr(net, &path, errors);
    let mut cidrs = private_subnets(net, vpc_cidr, &path, errors);
    cidrs.extend(public_subnets(net, vpc_cidr, &path, errors));
    check_subnet_layout(vpc_cidr, &cidrs, errors);
    check_endpoints(net, &path, errors);
    check_flow_logs(&net.flow_logs, &path.then("flow_logs"), errors);
}

/// True for an AWS id such as `vpc-0123456789abcdef0`: the prefix and 8 to 17 hex digits.
pub(super) fn is_aws_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|hex| {
        (8..=17).contains(&hex.len())
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn is_zone_name(zone: &str) -> bool {
    // us-east-1a, eu-central-2b, us-gov-west-1a: a region name and one letter.
    let Some((region, letter)) = zone.split_at_checked(zone.len().saturating_sub(1)) else {
        return false;
    };
    letter.bytes().all(|b| b.is_ascii_lowercase()) && super::super::is_region_name(region)
}

/// The number of zones when known: written, or taken from the existing subnets (one each).
fn zone_count(net: &NetworkSpec) -> Option<usize> {
    net.availability_zones.as_ref().map(Vec::len)
}

fn check_vpc_id(net: &NetworkSpec, path: &AttrPath, errors: &mut ValidationErrors) {
    if let Some(vpc_id) = &net.vpc_id {
        if !is_aws_id(vpc_id, "vpc-") {
            errors.push(
                path.then("vpc_id"),
                "Invalid VPC Id",
                format!("{vpc_id:?} is not a VPC id such as \"vpc-0123456789abcdef0\""),
            );
        }
    }
}

fn check_zones(net: &NetworkSpec, path: &AttrPath, errors: &mut ValidationErrors) {
    let Some(zones) = &net.availability_zones else {
        return; // filled at plan
    };
    if zones.is_empty() {
        errors.push(
            path.clone(),
            "No Availability Zones",
            format!("the list is empty: give 1 to {MAX_AZS} availability zones (e.g. [\"eu-west-1a\", \"eu-west-1b\"]), or leave availability_zones out for the region's first two"),
        );
    }
    if zones.len() > MAX_AZS {
        errors.push(
            path.clone(),
            "Too Many Availability Zones",
            format!(
                "{} zones given; an environment spans 1 to {MAX_AZS}",
                zones.len()
            ),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, zone) in zones.iter().enumerate() {
        if !is_zone_name(zone) {
            errors.push(
                path.index(i),
                "Invalid Availability Zone",
                format!("{zone:?} is not a zone name such as \"eu-west-1a\""),
            );
        } else if !seen.insert(zone) {
            errors.push(
                path.index(i),
                "Duplicate Availability Zone",
                format!("{zone:?} is listed twice; each subnet needs its own zone"),
            );
        }
    }
    if let Some(first) = zones.first() {
        let region_of = |z: &String| z[..z.len().saturating_sub(1)].to_string();
        if let Some((i, other)) = zones
            .iter()
            .enumerate()
            .find(|(_, z)| region_of(z) != region_of(first))
        {
            errors.push(
                path.index(i),
                "Zones In Different Regions",
                format!("{other:?} is not in the region of {first:?}"),
            );
        }
    }
}

/// The VPC CIDR the subnets are sliced from and checked against, when known.
fn vpc_cidr(net: &NetworkSpec, path: &AttrPath, errors: &mut ValidationErrors) -> Option<Cidr> {
    match &net.vpc_cidr {
        Some(text) => match text.parse::<Cidr>() {
            Ok(c) if (16..=24).contains(&c.prefix()) => Some(c),
            Ok(c) => {
                errors.push(
                    path.then("vpc_cidr"),
                    "Invalid VPC CIDR",
                    format!(
                        "{c} has prefix /{}; use /16 to /24 so the default subnets fit",
                        c.prefix()
                    ),
                );
                None
            }
            Err(why) => {
                errors.push(path.then("vpc_cidr"), "Invalid VPC CIDR", why);
                None
            }
        },
        None if net.vpc_id.is_some() => None,
        None => DEFAULT_VPC_CIDR.parse().ok(),
    }
}

fn parse_cidrs(
    list: &[String],
    path: &AttrPath,
    errors: &mut ValidationErrors,
) -> Vec<(AttrPath, Cidr)> {
    list.iter()
        .enumerate()
        .filter_map(|(i, text)| match text.parse::<Cidr>() {
            Ok(cidr) if (16..=28).contains(&cidr.prefix()) => Some((path.index(i), cidr)),
            Ok(cidr) => {
                errors.push(
                    path.index(i),
                    "Invalid Subnet CIDR",
                    format!(
                        "{cidr} has prefix /{}; AWS subnets are /16 to /28",
                        cidr.prefix()
                    ),
                );
                None
            }
            Err(why) => {
                errors.push(path.index(i), "Invalid CIDR", why);
                None
            }
        })
        .collect()
}

/// Checks the private subnets (existing ones or CIDRs, not both) and returns the CIDRs they will
/// have, given or sliced by default, for the layout checks.
fn private_subnets(
    net: &NetworkSpec,
    vpc_cidr: Option<Cidr>,
    path: &AttrPath,
    errors: &mut ValidationErrors,
) -> Vec<(AttrPath, Cidr)> {
    let cidrs_path = path.then("private_subnet_cidrs");
    match (&net.existing_private_subnet_ids, &net.private_subnet_cidrs) {
        (Some(_), Some(_)) => {
            errors.push(
                cidrs_path,
                "Conflicting Subnet Settings",
                "give either existing_private_subnet_ids or private_subnet_cidrs, not both",
            );
            Vec::new()
        }
        (Some(ids), None) => {
            check_existing_subnets(net, ids, &path.then("existing_private_subnet_ids"), errors);
            Vec::new()
        }
        (None, Some(cidrs)) => {
            if let Some(zones) = zone_count(net).filter(|z| *z != cidrs.len()) {
                errors.push(
                    cidrs_path.clone(),
                    "Subnets And Zones Differ",
                    format!(
                        "{} private subnet CIDRs for {zones} availability zones: give one per zone",
                        cidrs.len()
                    ),
                );
            }
            parse_cidrs(cidrs, &cidrs_path, errors)
        }
        (None, None) if net.vpc_id.is_some() && vpc_cidr.is_none() => {
            errors.push(
                path.then("vpc_cidr"),
                "Missing Subnet Settings",
                "with an existing VPC, give existing_private_subnet_ids, or private_subnet_cidrs, or vpc_cidr to slice them from",
            );
            Vec::new()
        }
        // Default slices take part in the overlap checks against given public CIDRs.
        (None, None) => vpc_cidr
            .map(|vpc| {
                (0..zone_count(net).unwrap_or(0).min(MAX_AZS))
                    .filter_map(|i| {
                        let cidr = vpc.subnet(vpc.prefix() + 3, u32::try_from(i).ok()?)?;
                        Some((cidrs_path.index(i), cidr))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn check_existing_subnets(
    net: &NetworkSpec,
    ids: &[String],
    path: &AttrPath,
    errors: &mut ValidationErrors,
) {
    if net.vpc_id.is_none() {
        errors.push(
            path.clone(),
            "Existing Subnets Need A VPC",
            "existing_private_subnet_ids needs network.vpc_id (the VPC they are in)",
        );
    }
    if ids.is_empty() || ids.len() > MAX_AZS {
        errors.push(
            path.clone(),
            "Invalid Subnet Count",
            format!("give 1 to {MAX_AZS} subnets"),
        );
    }
    if let Some(zones) = zone_count(net).filter(|z| *z != 0 && *z != ids.len()) {
        errors.push(path.clone(), "Subnets And Zones Differ", format!("{} subnets for {zones} availability zones: give one subnet per zone, or leave availability_zones out", ids.len()));
    }
    let mut seen = BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !is_aws_id(id, "subnet-") {
            errors.push(
                path.index(i),
                "Invalid Subnet Id",
                format!("{id:?} is not a subnet id such as \"subnet-0123456789abcdef0\""),
            );
        } else if !seen.insert(id) {
            errors.push(
                path.index(i),
                "Duplicate Subnet Id",
                format!("{id:?} is listed twice"),
            );
        }
    }
}

/// Checks the public subnets (only with NAT) and returns their given CIDRs.
fn public_subnets(
    net: &NetworkSpec,
    vpc_cidr: Option<Cidr>,
    path: &AttrPath,
    errors: &mut ValidationErrors,
) -> Vec<(AttrPath, Cidr)> {
    let public_path = path.then("public_subnet_cidrs");
    match (&net.public_subnet_cidrs, net.create_nat_gateways) {
        (Some(_), false) => errors.push(public_path, "Public Subnets Without NAT", "public_subnet_cidrs is only used with create_nat_gateways = true; without NAT the environment has no public subnet and no internet gateway"),
        (Some(cidrs), true) => {
            if let Some(zones) = zone_count(net).filter(|z| *z != cidrs.len()) {
                errors.push(public_path.clone(), "Subnets And Zones Differ", format!("{} public subnet CIDRs for {zones} availability zones: give one per zone", cidrs.len()));
            }
            return parse_cidrs(cidrs, &public_path, errors);
        }
        (None, true) if net.vpc_id.is_some() && vpc_cidr.is_none() => errors.push(public_path, "Missing Public Subnets", "with an existing VPC and NAT, give public_subnet_cidrs or vpc_cidr to slice them from"),
        _ => {}
    }
    Vec::new()
}

/// Every subnet inside the VPC CIDR (where it is known), none overlapping another.
fn check_subnet_layout(
    vpc_cidr: Option<Cidr>,
    cidrs: &[(AttrPath, Cidr)],
    errors: &mut ValidationErrors,
) {
    if let Some(vpc) = vpc_cidr {
        for (p, cidr) in cidrs {
            if !vpc.contains(cidr) {
                errors.push(
                    p.clone(),
                    "Subnet Outside VPC",
                    format!("{cidr} is not inside the VPC CIDR {vpc}"),
                );
            }
        }
    }
    for (i, (p, a)) in cidrs.iter().enumerate() {
        if let Some((other_path, b)) = cidrs[..i].iter().find(|(_, b)| a.overlaps(b)) {
            errors.push(
                p.clone(),
                "Overlapping Subnets",
                format!("{a} overlaps {b} ({other_path})"),
            );
        }
    }
}

/// True for an endpoint service name after `com.amazonaws.<region>.` (`sagemaker.api`).
fn is_service_name(service: &str) -> bool {
    !service.is_empty()
        && service.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn check_endpoints(net: &NetworkSpec, path: &AttrPath, errors: &mut ValidationErrors) {
    for service in net.interface_endpoints.iter().flatten() {
        if !is_service_name(service) {
            errors.push(path.then("interface_endpoints"), "Invalid Endpoint Service", format!("{service:?} is not a service name such as \"sagemaker.api\" (without com.amazonaws.<region>.)"));
        }
    }
    if let Some(id) = &net.existing_s3_endpoint_id {
        let p = path.then("existing_s3_endpoint_id");
        if !is_aws_id(id, "vpce-") {
            errors.push(
                p.clone(),
                "Invalid Endpoint Id",
                format!("{id:?} is not a VPC endpoint id such as \"vpce-0123456789abcdef0\""),
            );
        }
        if net.vpc_id.is_none() {
            errors.push(
                p,
                "Existing Endpoint Needs A VPC",
                "existing_s3_endpoint_id needs network.vpc_id (the VPC it is in)",
            );
        }
    }
}

fn check_flow_logs(flow_logs: &FlowLogsSpec, path: &AttrPath, errors: &mut ValidationErrors) {
    if !LOG_RETENTION_DAYS.contains(&flow_logs.retention_days) {
        errors.push(
            path.then("retention_days"),
            "Invalid Retention",
            format!(
                "{} days is not a CloudWatch Logs retention; use one of {LOG_RETENTION_DAYS:?}",
                flow_logs.retention_days
            ),
        );
    }
}
