//! Checks of the name, tags, IAM, storage, guardrail and Studio settings.

use std::collections::{BTreeMap, BTreeSet};

use super::super::{parse_iam_policy_arn, parse_iam_role_arn, AttrPath, ValidationErrors};
use super::{GuardrailSpec, IamSpec, StorageSpec, StudioSpec, MAX_NAME_LEN};

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
fn is_sagemaker_name(name: &str) -> bool {
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
    for name in studio.user_profiles.keys() {
        if !is_sagemaker_name(name) {
            errors.push(
                path.then("user_profile").key(name),
                "Invalid User Profile Name",
                format!("{name:?} must be 1-63 letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen"),
            );
        }
    }
    if !studio.enabled && !studio.user_profiles.is_empty() {
        errors.push(
            path.then("enabled"),
            "User Profiles Without Studio",
            "user profiles need the Studio domain: set studio.enabled = true or remove the user_profile blocks",
        );
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
