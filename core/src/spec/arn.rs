//! ARN checks that need no AWS call.

/// The parts of an IAM role ARN (`arn:aws:iam::123456789012:role/path/Name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamRoleArn {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
    /// The 12-digit account id.
    pub account_id: String,
    /// The path, `/` or `/service-role/`.
    pub path: String,
    /// The role name.
    pub name: String,
}

/// The parts every IAM ARN shares, checked: `arn`, a known partition, service `iam`, no region.
struct IamArn<'a> {
    partition: &'a str,
    account_id: &'a str,
    resource: &'a str,
}

/// Splits and checks the parts of an IAM ARN; `what` names the ARN kind in the errors
/// ("IAM role ARN") and `expected` shows its form.
fn iam_arn<'a>(arn: &'a str, what: &str, expected: &str) -> Result<IamArn<'a>, String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account_id, resource] = parts.as_slice() else {
        return Err(format!("{arn:?} is not an ARN; expected {expected}"));
    };
    if *prefix != "arn" {
        return Err(format!("{arn:?} does not start with \"arn:\""));
    }
    if !matches!(
        *partition,
        "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
    ) {
        return Err(format!("{arn:?} has an unknown partition {partition:?}"));
    }
    if *service != "iam" {
        return Err(format!(
            "{arn:?} is an ARN of service {service:?}, not an {what} ({expected})"
        ));
    }
    if !region.is_empty() {
        return Err(format!(
            "{arn:?} has a region, but IAM ARNs have none ({expected})"
        ));
    }
    Ok(IamArn {
        partition,
        account_id,
        resource,
    })
}

/// True for a 12-digit account id.
fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// True for an IAM role, user or policy name of at most `max` characters.
fn is_iam_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// Parses an IAM role ARN, or says what is wrong with it.
pub fn parse_iam_role_arn(arn: &str) -> Result<IamRoleArn, String> {
    let parts = iam_arn(arn, "IAM role ARN", "arn:aws:iam::<account-id>:role/<name>")?;
    let account_id = parts.account_id;
    if !is_account_id(account_id) {
        return Err(format!(
            "{arn:?} has account id {account_id:?}; it must be 12 digits"
        ));
    }
    let Some(path_and_name) = parts.resource.strip_prefix("role/") else {
        return Err(format!(
            "{arn:?} is an IAM ARN but not of a role (the resource must start with \"role/\")"
        ));
    };
    let (path, name) = match path_and_name.rfind('/') {
        Some(i) => (
            format!("/{}", &path_and_name[..=i]),
            &path_and_name[i + 1..],
        ),
        None => ("/".to_string(), path_and_name),
    };
    if !is_iam_name(name, 64) {
        return Err(format!(
            "{arn:?} has role name {name:?}; a role name is 1-64 letters, digits or +=,.@_-"
        ));
    }
    Ok(IamRoleArn {
        partition: parts.partition.to_string(),
        account_id: account_id.to_string(),
        path,
        name: name.to_string(),
    })
}

/// Checks an IAM managed policy ARN (`arn:aws:iam::123456789012:policy/path/Name`, or an AWS
/// managed policy, `arn:aws:iam::aws:policy/...`), or says what is wrong with it.
pub fn parse_iam_policy_arn(arn: &str) -> Result<(), String> {
    let parts = iam_arn(
        arn,
        "IAM policy ARN",
        "arn:aws:iam::<account-id>:policy/<path/><name>",
    )?;
    let account_id = parts.account_id;
    if account_id != "aws" && !is_account_id(account_id) {
        return Err(format!(
            "{arn:?} has account id {account_id:?}; it must be 12 digits (or aws)"
        ));
    }
    let Some(path_and_name) = parts.resource.strip_prefix("policy/") else {
        return Err(format!(
            "{arn:?} is an IAM ARN but not of a managed policy (the resource must start with \"policy/\")"
        ));
    };
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    let path_ok = path_and_name.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !is_iam_name(name, 128) || !path_ok {
        return Err(format!(
            "{arn:?} has policy name {name:?}; a policy name is 1-128 letters, digits or +=,.@_-"
        ));
    }
    Ok(())
}

/// Checks the ARN of an IAM principal a role may trust: an account
/// (`arn:aws:iam::123456789012:root`), a role or a user (`...:role/path/Name`, `...:user/Name`),
/// or says what is wrong with it.
pub fn parse_iam_principal_arn(arn: &str) -> Result<(), String> {
    let expected = "arn:aws:iam::<account-id>:root, :role/<name> or :user/<name>";
    let parts = iam_arn(arn, "IAM principal ARN", expected)?;
    let account_id = parts.account_id;
    if !is_account_id(account_id) {
        return Err(format!(
            "{arn:?} has account id {account_id:?}; it must be 12 digits"
        ));
    }
    let resource = parts.resource;
    if resource == "root" {
        return Ok(());
    }
    let name = resource
        .strip_prefix("role/")
        .or_else(|| resource.strip_prefix("user/"))
        .map(|path| path.rsplit('/').next().unwrap_or_default());
    match name {
        Some(name) if is_iam_name(name, 64) => Ok(()),
        _ => Err(format!(
            "{arn:?} is not an account, role or user ARN ({expected}); wildcards are not allowed"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns_are_checked() {
        for good in [
            "arn:aws:iam::123456789012:policy/secure-mlops/secure-mlops-boundary-eu-west-1",
            "arn:aws:iam::123456789012:policy/Boundary",
            "arn:aws-cn:iam::aws:policy/PowerUserAccess",
        ] {
            assert_eq!(parse_iam_policy_arn(good), Ok(()), "{good}");
        }
        for bad in [
            "policy/x",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam:eu-west-1:123456789012:policy/x",
            "arn:aws:iam::12345:policy/x",
            "arn:aws:s3:::policy/x",
            "arn:aws:iam::123456789012:policy/",
            "arn:aws:iam::123456789012:policy/has space",
        ] {
            assert!(parse_iam_policy_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accepts_role_arns_with_and_without_path() {
        let arn = parse_iam_role_arn("arn:aws:iam::123456789012:role/DataScientist").unwrap();
        assert_eq!(arn.name, "DataScientist");
        assert_eq!(arn.path, "/");
        let arn = parse_iam_role_arn(
            "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole",
        )
        .unwrap();
        assert_eq!(arn.path, "/service-role/");
        assert_eq!(arn.name, "AmazonSageMakerServiceCatalogProductsUseRole");
    }

    #[test]
    fn rejects_what_is_not_a_role_arn() {
        for bad in [
            "DataScientist",
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/has space",
            "arn:foo:iam::123456789012:role/x",
        ] {
            assert!(parse_iam_role_arn(bad).is_err(), "{bad} must be rejected");
        }
    }

    #[test]
    fn trusted_principals_are_accounts_roles_or_users() {
        for good in [
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:role/ci",
            "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DS_1a2b",
            "arn:aws-us-gov:iam::123456789012:user/alice@example.com",
        ] {
            assert_eq!(parse_iam_principal_arn(good), Ok(()), "{good}");
        }
        for bad in [
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:iam::123456789012:group/admins",
            "arn:aws:iam::*:root",
            "arn:aws:sts::123456789012:assumed-role/ci/session",
            "123456789012",
            "*",
        ] {
            assert!(parse_iam_principal_arn(bad).is_err(), "{bad}");
        }
    }
}
