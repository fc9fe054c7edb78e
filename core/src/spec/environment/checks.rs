//! Checks of the name, tags, IAM, storage, guardrail and Studio settings.

use std::collections::{BTreeMap, BTreeSet};

use super::super::{
    parse_iam_policy_arn, parse_iam_principal_arn, parse_iam_role_arn, AttrPath, ValidationErrors,
};
use super::{
    GuardrailSpec, IamSpec, StorageSpec, StudioAccessSpec, StudioSpec, UserProfileSpec,
    MAX_NAME_LEN,
};
use crate::spec::AuthMode;
use crate::spec::Cidr;

pub(super) fn check_name(name: &str, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("name");
    let starts_with_letter = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    let charset = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !starts_with_letter || !charset || name.ends_with('-') || name.contains("--") {
        errors.push(
            path,
            "Invalid Name",
            format!("{name:?} must start with a lowercase letter and hold only lowercase letters, digits and single hyphens (not at the end)"),
        );
    } else if name.len() > MAX_NAME_LEN {
        errors.push(
            path,
            "Name Too Long",
            format!("{name:?} has {} characters; at most {MAX_NAME_LEN}, so that every derived AWS name (the longest is the bucket <name>-<stage>-<region>-<account>-models) fits", name.len()),
        );
    }
}

pub(super) fn check_tags(tags: &BTreeMap<String, String>, errors: &mut ValidationErrors) {
    for (key, value) in tags {
        let path = AttrPath::attr("tags").key(key);
        if key.is_empty() || key.len() > 128 {
            errors.push(
                path.clone(),
                "Invalid Tag Key",
                "tag keys are 1-128 characters long",
            );
        } else if key.starts_with("aws:") || key.starts_with("secure-mlops:") {
            errors.push(
                path.clone(),
                "Reserved Tag Key",
                format!("{key:?} uses a reserved prefix (aws: or secure-mlops:); the environment sets those tags itself"),
            );
        }
        if value.len() > 256 {
            errors.push(
                path,
                "Invalid Tag Value",
                "tag values are at most 256 characters long",
            );
        }
    }
}

pub(super) fn check_iam(iam: &IamSpec, errors: &mut ValidationErrors) {
    for (name, value) in [
        ("data_scientist_role_arn", &iam.data_scientist_role_arn),
        ("team_admin_role_arn", &iam.team_admin_role_arn),
        ("execution_role_arn", &iam.execution_role_arn),
        ("sc_launch_role_arn", &iam.sc_launch_role_arn),
    ] {
        if let Some(arn) = value {
            if let Err(why) = parse_iam_role_arn(arn) {
                errors.push(AttrPath::attr("iam").then(name), "Invalid Role ARN", why);
            }
        }
    }
    for arn in &iam.trusted_principal_arns {
        if let Err(why) = parse_iam_principal_arn(arn) {
            errors.push(
                AttrPath::attr("iam").then("trusted_principal_arns"),
                "Invalid Principal ARN",
                why,
            );
        }
    }
    if let Some(arn) = &iam.permissions_boundary_arn {
        if let Err(why) = parse_iam_policy_arn(arn) {
            errors.push(
                AttrPath::attr("iam").then("permissions_boundary_arn"),
                "Invalid Policy ARN",
                why,
            );
        }
    }
}

/// True for a SageMaker resource name: 1-63 letters, digits and hyphens, starting with a letter
/// or digit, no hyphen at the end.
pub(super) fn is_sagemaker_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && !name.ends_with('-')
}

pub(super) fn check_studio(studio: &StudioSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("studio");
    if let Some(name) = &studio.domain_name {
        if !is_sagemaker_name(name) {
            errors.push(
                path.then("domain_name"),
                "Invalid Domain Name",
                format!("{name:?} must be 1-63 letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        }
    }
    for (name, profile) in &studio.user_profiles {
        let at = path.then("user_profile").key(name);
        if !is_sagemaker_name(name) {
            errors.push(
                at.clone(),
                "Invalid User Profile Name",
                format!("{name:?} must be 1-63 letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        }
        check_sso_user(
            studio.auth_mode,
            name,
            profile,
            at.then("sso_user_name"),
            errors,
        );
    }
    if !studio.enabled && !studio.user_profiles.is_empty() {
        errors.push(
            path.then("enabled"),
            "User Profiles Without Studio",
            "user profiles need the Studio domain: set studio.enabled = true or remove the user_profile blocks",
        );
    }
    if !studio.enabled && studio.team_portfolio {
        errors.push(
            path.then("team_portfolio"),
            "Team Portfolio Without Studio",
            "the team portfolio's products launch into the Studio domain's network and add people to it: set studio.enabled = true, or team_portfolio = false",
        );
    }
}

/// The ranges are IPv4 CIDRs, not "everywhere"; VPC-only sign-in needs the SageMaker API endpoint
/// in the VPC (`CreatePresignedDomainUrl` is a SageMaker API call).
pub(super) fn check_studio_access(
    access: &StudioAccessSpec,
    endpoints: &BTreeSet<String>,
    endpoints_given: bool,
    errors: &mut ValidationErrors,
) {
    let path = AttrPath::attr("studio").then("access");
    for cidr in &access.allowed_source_cidrs {
        match cidr.parse::<Cidr>() {
            Err(why) => errors.push(
                path.then("allowed_source_cidrs"),
                "Invalid CIDR",
                why,
            ),
            Ok(c) if c.prefix() == 0 => errors.push(
                path.then("allowed_source_cidrs"),
                "Range Too Wide",
                format!("{cidr:?} is every address: list your networks' public ranges, or leave allowed_source_cidrs unset"),
            ),
            Ok(_) => {}
        }
    }
    if access.source_vpc_endpoint_only && !endpoints.contains(SIGN_IN_ENDPOINT) {
        let fix = if endpoints_given {
            "add \"sagemaker.api\" to network.interface_endpoints"
        } else {
            "keep the default network.interface_endpoints"
        };
        errors.push(
            path.then("source_vpc_endpoint_only"),
            "No SageMaker API Endpoint",
            format!("Studio sign-in through the VPC needs the sagemaker.api interface endpoint: {fix}, or set source_vpc_endpoint_only = false"),
        );
    }
}

/// The interface endpoint Studio sign-in (`CreatePresignedDomainUrl`) goes through.
const SIGN_IN_ENDPOINT: &str = "sagemaker.api";

/// A profile of an IAM Identity Center domain names its user (SageMaker links the two by
/// `SingleSignOnUserValue`; without it `CreateUserProfile` fails); an IAM domain's profile names
/// none (SageMaker refuses the field there).
fn check_sso_user(
    auth_mode: AuthMode,
    name: &str,
    profile: &UserProfileSpec,
    at: AttrPath,
    errors: &mut ValidationErrors,
) {
    match (auth_mode, profile.sso_user_name.as_deref()) {
        (AuthMode::Sso, None) => errors.push(
            at,
            "Missing IAM Identity Center User",
            format!("user profile {name:?} is in a domain that signs in through IAM Identity Center (auth_mode = \"SSO\"): set sso_user_name to the user's IAM Identity Center user name"),
        ),
        (AuthMode::Sso, Some(user)) if user.is_empty() || user.chars().count() > 256 || user.chars().any(char::is_control) => errors.push(
            at,
            "Invalid IAM Identity Center User",
            format!("{user:?} must be 1-256 printable characters: the user's IAM Identity Center user name"),
        ),
        (AuthMode::Iam, Some(_)) => errors.push(
            at,
            "IAM Identity Center User Without IAM Identity Center",
            "sso_user_name is only for domains that sign in through IAM Identity Center: set studio.auth_mode = \"SSO\" or remove sso_user_name",
        ),
        _ => {}
    }
}

/// Why `name` is not a valid S3 bucket name, if it is not.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let charset = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let edges = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if !(3..=63).contains(&name.len()) {
        Some(format!(
            "{name:?} has {} characters; bucket names have 3-63",
            name.len()
        ))
    } else if !charset || !edges {
        Some(format!("{name:?} may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit"))
    } else if name.contains("..") || name.contains(".-") || name.contains("-.") {
        Some(format!(
            "{name:?} has adjacent dots or a dot next to a hyphen"
        ))
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        Some(format!("{name:?} looks like an IP address"))
    } else if name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
    {
        Some(format!("{name:?} uses a prefix or suffix S3 reserves"))
    } else {
        None
    }
}

pub(super) fn check_storage(storage: &StorageSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("storage");
    for (attr, value) in [
        ("data_bucket_name", &storage.data_bucket_name),
        ("model_bucket_name", &storage.model_bucket_name),
    ] {
        if let Some(why) = value.as_deref().and_then(bucket_name_problem) {
            errors.push(path.then(attr), "Invalid Bucket Name", why);
        }
    }
    if storage.data_bucket_name.is_some() && storage.data_bucket_name == storage.model_bucket_name {
        errors.push(
            path.then("model_bucket_name"),
            "Same Bucket Twice",
            "the data and model buckets need different names",
        );
    }
}

pub(super) fn check_guardrails(guardrails: &GuardrailSpec, errors: &mut ValidationErrors) {
    let path = AttrPath::attr("guardrails").then("allowed_instance_types");
    let mut seen = BTreeSet::new();
    for (i, t) in guardrails.allowed_instance_types.iter().enumerate() {
        let parts: Vec<&str> = t.split('.').collect();
        let ok = parts.len() == 3
            && parts[0] == "ml"
            && parts[1..].iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            errors.push(
                path.index(i),
                "Invalid Instance Type",
                format!("{t:?} is not a SageMaker instance type such as \"ml.m5.xlarge\""),
            );
        } else if !seen.insert(t) {
            errors.push(
                path.index(i),
                "Duplicate Instance Type",
                format!("{t:?} is listed twice"),
            );
        }
    }
}
