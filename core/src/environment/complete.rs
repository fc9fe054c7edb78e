//! Plan-time completion of an environment spec: every default filled, every check made, the
//! ones that need AWS included. Both front ends call [`complete`] before they show a plan or
//! run one, so Terraform and CloudFormation decide the same for the same input.

use std::collections::{BTreeMap, BTreeSet};

use crate::aws::{AwsCallError, AwsClients};
use crate::children::ec2_tags::{filter, filter_values};
use crate::children::role::get_role;
use crate::children::vpc_endpoint::{brought_s3_endpoint_check, interface_service_name};
use crate::ids::ENVIRONMENT_TAG;
use crate::policy::glob::glob_matches;
use crate::spec::{AttrPath, EnvironmentSpec, ValidationErrors};

/// `spec` as the engine will run it: validated (nothing is called while it has a problem), the
/// zones filled (the region's first two, or the zones of the existing subnets), validated again
/// with them, then the checks that need AWS: an existing VPC with an internet gateway cannot
/// take NAT gateways, existing subnets must exist in the VPC, and every interface endpoint
/// service must be offered in the region and in every zone. Every problem comes back on its
/// attribute path; a read that fails is a problem on the attribute it was for.
pub async fn complete(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
) -> Result<EnvironmentSpec, ValidationErrors> {
    spec.validate()?;
    let mut spec = spec.clone();
    let mut errors = ValidationErrors::default();
    let net = AttrPath::attr("network");
    let zones = match &spec.network.existing_private_subnet_ids {
        Some(ids) => {
            let vpc_id = spec.network.vpc_id.clone().unwrap_or_default();
            let path = net.then("existing_private_subnet_ids");
            subnet_zones(clients, &vpc_id, ids, &path, &mut errors).await
        }
        None => spec.network.availability_zones.clone(),
    };
    match (zones, &spec.network.availability_zones) {
        (Some(zones), None) if errors.0.is_empty() => {
            spec.network.availability_zones = Some(zones)
        }
        (Some(_), _) => {}
        (None, _) => match default_zones(clients).await {
            Ok(zones) => spec.network.availability_zones = Some(zones),
            Err(err) => errors.push(
                net.then("availability_zones"),
                "Cannot Read Availability Zones",
                format!("not set, and the region's zones could not be read: {err}. Set network.availability_zones."),
            ),
        },
    }
    std::mem::take(&mut errors).into_result()?;
    spec.validate()?;
    check_nat(clients, &spec, &mut errors).await;
    check_endpoint_services(clients, &spec, &mut errors).await;
    check_brought_roles(clients, &spec, &mut errors).await;
    check_brought_s3_endpoint(clients, &spec, &mut errors).await;
    check_custom_images(clients, &spec, &mut errors);
    check_config_recorder(clients, &spec, &mut errors).await;
    errors.into_result().map(|()| spec)
}

/// AWS Config evaluates rules only where a configuration recorder records: without one,
/// `PutConfigRule` is refused, so the plan says what to do instead.
async fn check_config_recorder(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    errors: &mut ValidationErrors,
) {
    if !spec.guardrails.managed_config_rules {
        return;
    }
    let path = AttrPath::attr("guardrails").then("managed_config_rules");
    match clients
        .config
        .describe_configuration_recorders()
        .send()
        .await
    {
        Ok(out) if !out.configuration_recorders().is_empty() => {}
        Ok(_) => errors.push(
            path,
            "No AWS Config Recorder",
            format!(
                "AWS Config has no configuration recorder in {} of account {}, and rules evaluate nothing without one: set up AWS Config there (a recorder and a delivery channel, often by the organization's Config conformance setup), or set managed_config_rules = false; the audit data source checks the same on demand",
                clients.region, clients.account_id
            ),
        ),
        Err(e) => errors.push(
            path,
            "Cannot Read AWS Config",
            format!(
                "the configuration recorders could not be read: {}",
                AwsCallError::from_sdk("config", "DescribeConfigurationRecorders", e)
            ),
        ),
    }
}

/// Custom images come from this account's ECR in this region: an image of another account would
/// run code nobody here reviewed, with the execution role's permissions.
fn check_custom_images(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    errors: &mut ValidationErrors,
) {
    for (name, image) in &spec.studio.custom_images {
        let Some((account, region)) = crate::spec::ecr_image_account_region(&image.ecr_image_uri)
        else {
            continue; // reported by validate
        };
        if account != clients.account_id || region != clients.region {
            errors.push(
                AttrPath::attr("studio")
                    .then("custom_image")
                    .key(name)
                    .then("ecr_image_uri"),
                "Image Of Another Account",
                format!(
                    "{} is in account {account}, region {region}: Studio runs images of this account's ECR ({}, {}) only; copy the image there",
                    image.ecr_image_uri, clients.account_id, clients.region
                ),
            );
        }
    }
}

/// The zones of the existing subnets `ids`, in their order, each checked to exist in `vpc_id`;
/// `None` (with the problems added) when one does not.
async fn subnet_zones(
    clients: &AwsClients,
    vpc_id: &str,
    ids: &[String],
    path: &AttrPath,
    errors: &mut ValidationErrors,
) -> Option<Vec<String>> {
    let found = match clients
        .ec2
        .describe_subnets()
        .filters(filter_values("subnet-id", ids))
        .send()
        .await
    {
        Ok(out) => out.subnets().to_vec(),
        Err(e) => {
            let err = AwsCallError::from_sdk("ec2", "DescribeSubnets", e);
            errors.push(
                path.clone(),
                "Cannot Read the Existing Subnets",
                err.to_string(),
            );
            return None;
        }
    };
    let mut zones = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match found.iter().find(|s| s.subnet_id() == Some(id.as_str())) {
            None => errors.push(
                path.index(i),
                "Subnet Not Found",
                format!("{id} does not exist in this account and region; check the id"),
            ),
            Some(s) if s.vpc_id() != Some(vpc_id) => errors.push(
                path.index(i),
                "Subnet In Another VPC",
                format!(
                    "{id} is in {}, not in network.vpc_id {vpc_id}",
                    s.vpc_id().unwrap_or("?")
                ),
            ),
            Some(s) => zones.push(s.availability_zone().unwrap_or_default().to_string()),
        }
    }
    (zones.len() == ids.len()).then_some(zones)
}

/// A role the user brings runs Studio or launches products for the environment's people, so it
/// must be approved for this environment: tagged `secure-mlops:environment = <id>` by whoever
/// governs it, or within what the engine's administrator allowed ([`allowed_brought_roles`]).
/// Otherwise whoever may launch an environment could hand its users any role of the account.
///
/// [`allowed_brought_roles`]: crate::spec::IamSpec::allowed_brought_roles
async fn check_brought_roles(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    errors: &mut ValidationErrors,
) {
    let id = spec.environment_id();
    let iam = &spec.iam;
    for (attr, arn) in [
        ("data_scientist_role_arn", &iam.data_scientist_role_arn),
        ("team_admin_role_arn", &iam.team_admin_role_arn),
        ("execution_role_arn", &iam.execution_role_arn),
        ("sc_launch_role_arn", &iam.sc_launch_role_arn),
    ] {
        let Some(arn) = arn else { continue };
        let path = AttrPath::attr("iam").then(attr);
        let Some((_, path_and_name)) = arn.split_once(":role/") else {
            continue; // the spec's own check names the malformed ARN
        };
        if let Some(pattern) = &iam.allowed_brought_roles {
            if glob_matches(pattern, path_and_name) {
                continue;
            }
        }
        let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
        match get_role(clients, name).await {
            Ok(Some(role)) => {
                let tagged = role
                    .tags()
                    .iter()
                    .any(|t| t.key() == ENVIRONMENT_TAG && t.value() == id);
                if !tagged {
                    let allowed = iam
                        .allowed_brought_roles
                        .as_ref()
                        .map(|p| {
                            format!(
                                " and its name is not within the roles the engine may use ({p})"
                            )
                        })
                        .unwrap_or_default();
                    errors.push(
                        path,
                        "Brought Role Not Approved for This Environment",
                        format!("{arn} is not tagged {ENVIRONMENT_TAG} = {id}{allowed}. Whoever governs the role approves it for this environment by adding that tag; or leave the argument out and the environment creates the role."),
                    );
                }
            }
            Ok(None) => errors.push(
                path,
                "Brought Role Not Found",
                format!("{arn} does not exist in this account"),
            ),
            Err(err) => errors.push(path, "Cannot Read the Brought Role", err.to_string()),
        }
    }
}

/// A brought S3 gateway endpoint must be the VPC's and must not let data out to every bucket
/// (the apply checks it again when it reads the endpoint).
async fn check_brought_s3_endpoint(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    errors: &mut ValidationErrors,
) {
    let (Some(vpc_id), Some(id)) = (&spec.network.vpc_id, &spec.network.existing_s3_endpoint_id)
    else {
        return;
    };
    let path = AttrPath::attr("network").then("existing_s3_endpoint_id");
    match brought_s3_endpoint_check(clients, id, vpc_id).await {
        Ok(None) => {}
        Ok(Some(why)) => errors.push(
            path,
            "Brought S3 Endpoint Not Usable",
            format!("S3 endpoint {id} {why}"),
        ),
        Err(err) => errors.push(path, "Cannot Read the Brought S3 Endpoint", err.to_string()),
    }
}

/// An existing VPC with an internet gateway cannot take the environment's own NAT layout.
async fn check_nat(clients: &AwsClients, spec: &EnvironmentSpec, errors: &mut ValidationErrors) {
    let (Some(vpc_id), true) = (&spec.network.vpc_id, spec.network.create_nat_gateways) else {
        return;
    };
    let path = AttrPath::attr("network").then("create_nat_gateways");
    match internet_gateway_of(clients, vpc_id).await {
        Ok(Some(igw)) => errors.push(
            path,
            "Existing VPC Already Has an Internet Gateway",
            format!("VPC {vpc_id} already has internet gateway {igw}, and a VPC takes only one. Set create_nat_gateways = false and give existing_private_subnet_ids whose route tables use your own NAT, or detach {igw} first."),
        ),
        Ok(None) => {}
        Err(err) => errors.push(path, "Cannot Check the Existing VPC", err.to_string()),
    }
}

/// Every interface endpoint service must exist in the region and be offered in every zone of
/// the environment (AWS does not offer every service in every zone). One paginated read of the
/// requested services only.
async fn check_endpoint_services(
    clients: &AwsClients,
    spec: &EnvironmentSpec,
    errors: &mut ValidationErrors,
) {
    let services = spec.interface_endpoints();
    if services.is_empty() {
        return;
    }
    let path = AttrPath::attr("network").then("interface_endpoints");
    let region = &clients.region;
    let names: Vec<String> = services
        .iter()
        .map(|s| interface_service_name(region, s))
        .collect();
    let offered = match offered_zones(clients, &names).await {
        Ok(offered) => offered,
        Err(err) => {
            errors.push(
                path,
                "Cannot Read the Endpoint Services",
                format!(
                    "{err}; the services and their zones are checked before anything is created"
                ),
            );
            return;
        }
    };
    let zones = spec.network.zones();
    for (service, name) in services.iter().zip(&names) {
        match offered.get(name) {
            None => errors.push(
                path.clone(),
                "Unknown Endpoint Service",
                format!("{service:?} ({name}) is not an endpoint service offered in {region}; check the name (without com.amazonaws.<region>.)"),
            ),
            Some(in_zones) => {
                let missing: Vec<&str> = zones
                    .iter()
                    .filter(|z| !in_zones.contains(z.as_str()))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    errors.push(
                        path.clone(),
                        "Endpoint Service Not In Every Zone",
                        format!("{service:?} ({name}) is not offered in {}; choose other availability zones, or leave {service:?} out", missing.join(", ")),
                    );
                }
            }
        }
    }
}

/// The zones each of `names` is offered in, for the services that exist. Asks by
/// `ServiceNames`, which AWS answers with `InvalidServiceName` when one of them does not exist;
/// then each name is asked on its own, so one unknown name does not hide the others' zones.
/// (The `service-name` filter would answer for the known ones only, but LocalStack fails on
/// it with an internal error; `ServiceNames` works on AWS, LocalStack and the emulator alike.)
async fn offered_zones(
    clients: &AwsClients,
    names: &[String],
) -> Result<BTreeMap<String, BTreeSet<String>>, AwsCallError> {
    match services_by_name(clients, names).await {
        Err(e) if e.code == "InvalidServiceName" && names.len() > 1 => {
            let mut offered = BTreeMap::new();
            for name in names {
                match services_by_name(clients, std::slice::from_ref(name)).await {
                    Ok(one) => offered.extend(one),
                    Err(e) if e.code == "InvalidServiceName" => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(offered)
        }
        Err(e) if e.code == "InvalidServiceName" => Ok(BTreeMap::new()),
        other => other,
    }
}

/// `DescribeVpcEndpointServices` for `names`, every page: each service's zones.
async fn services_by_name(
    clients: &AwsClients,
    names: &[String],
) -> Result<BTreeMap<String, BTreeSet<String>>, AwsCallError> {
    let mut offered = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .ec2
            .describe_vpc_endpoint_services()
            .set_service_names(Some(names.to_vec()))
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeVpcEndpointServices", e))?;
        for detail in out.service_details() {
            if let Some(name) = detail.service_name() {
                let zones: &mut BTreeSet<String> = offered.entry(name.to_string()).or_default();
                zones.extend(detail.availability_zones().iter().cloned());
            }
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(offered),
        }
    }
}

/// The first two availability zones of the region (by name), the zones an environment spans
/// when the user names none. Read at plan time, so the plan shows them.
pub async fn default_zones(clients: &AwsClients) -> Result<Vec<String>, AwsCallError> {
    let out = clients
        .ec2
        .describe_availability_zones()
        .filters(filter("state", "available"))
        .filters(filter("zone-type", "availability-zone"))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeAvailabilityZones", e))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    zones.sort();
    zones.truncate(2);
    Ok(zones)
}

/// The internet gateway attached to `vpc_id`, if any: an existing VPC with one cannot take the
/// environment's own NAT layout, and plan says so before anything is created.
pub async fn internet_gateway_of(
    clients: &AwsClients,
    vpc_id: &str,
) -> Result<Option<String>, AwsCallError> {
    let out = clients
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_id))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeInternetGateways", e))?;
    Ok(out
        .internet_gateways()
        .iter()
        .find(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id)))
        .and_then(|g| g.internet_gateway_id().map(str::to_string)))
}
