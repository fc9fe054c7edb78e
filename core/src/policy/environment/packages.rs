//! Documents of the environment's package repository (`studio.packages`): what the people and
//! execution roles may do with it, and the CodeArtifact domain's own policy.
//!
//! * [`package_read_statements`]: a token for the domain, the repository's address, reading
//!   packages (the repository fetches what it lacks from its upstream), and the STS bearer token
//!   CodeArtifact's token is made from, only for CodeArtifact. Nobody but the engine publishes to
//!   the repository or changes it.
//! * [`domain_policy`]: the domain refuses every principal of another account, so a later grant
//!   in the domain's policy or a role trusted from elsewhere cannot open it (drift reports a
//!   changed policy).

use serde_json::{json, Value};

use super::{document, EnvironmentFacts};

/// Sid: get a CodeArtifact token for the environment's domain.
pub const SID_PACKAGES_TOKEN: &str = "GetPackageRepositoryToken";
/// Sid: read packages from the environment's repository.
pub const SID_PACKAGES_READ: &str = "ReadPackageRepository";
/// Sid: the STS bearer token a CodeArtifact token needs, for CodeArtifact only.
pub const SID_PACKAGES_BEARER: &str = "GetBearerTokenForCodeArtifact";
/// Sid (deny, the domain's policy): principals of other accounts.
pub const SID_DENY_OTHER_ACCOUNTS: &str = "DenyOtherAccounts";

/// What reading packages takes on the repository.
pub const READ_ACTIONS: &[&str] = &[
    "codeartifact:GetRepositoryEndpoint",
    "codeartifact:ReadFromRepository",
];

/// The environment's CodeArtifact domain and repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRepositoryNames {
    /// The domain's name.
    pub domain: String,
    /// The repository's name.
    pub repository: String,
}

/// `arn:<partition>:codeartifact:<region>:<account>:domain/<domain>`.
pub fn domain_arn(facts: &EnvironmentFacts, domain: &str) -> String {
    codeartifact_arn(facts, &format!("domain/{domain}"))
}

impl PackageRepositoryNames {
    /// The ARN of the domain (see [`domain_arn`]).
    pub fn domain_arn(&self, facts: &EnvironmentFacts) -> String {
        domain_arn(facts, &self.domain)
    }

    /// `arn:<partition>:codeartifact:<region>:<account>:repository/<domain>/<repository>`.
    pub fn repository_arn(&self, facts: &EnvironmentFacts) -> String {
        codeartifact_arn(
            facts,
            &format!("repository/{}/{}", self.domain, self.repository),
        )
    }
}

fn codeartifact_arn(facts: &EnvironmentFacts, resource: &str) -> String {
    format!(
        "arn:{}:codeartifact:{}:{}:{resource}",
        facts.partition, facts.region, facts.account_id
    )
}

/// What a role that installs packages from the repository needs.
pub fn package_read_statements(
    facts: &EnvironmentFacts,
    names: &PackageRepositoryNames,
) -> Vec<Value> {
    vec![
        json!({
            "Sid": SID_PACKAGES_TOKEN,
            "Effect": "Allow",
            "Action": "codeartifact:GetAuthorizationToken",
            "Resource": names.domain_arn(facts)
        }),
        json!({
            "Sid": SID_PACKAGES_READ,
            "Effect": "Allow",
            "Action": READ_ACTIONS,
            "Resource": names.repository_arn(facts)
        }),
        // GetServiceBearerToken takes no resource; the condition keeps it to CodeArtifact.
        json!({
            "Sid": SID_PACKAGES_BEARER,
            "Effect": "Allow",
            "Action": "sts:GetServiceBearerToken",
            "Resource": "*",
            "Condition": { "StringEquals": { "sts:AWSServiceName": "codeartifact.amazonaws.com" } }
        }),
    ]
}

/// The domain's resource policy: no principal of another account, whatever else allows it.
/// AWS services acting for the domain (no principal account) are left alone.
pub fn domain_policy(facts: &EnvironmentFacts, domain: &str) -> Value {
    document(vec![json!({
        "Sid": SID_DENY_OTHER_ACCOUNTS,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "codeartifact:*",
        "Resource": domain_arn(facts, domain),
        "Condition": {
            "StringNotEquals": { "aws:PrincipalAccount": facts.account_id },
            "BoolIfExists": { "aws:PrincipalIsAWSService": "false" }
        }
    })])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::*;

    fn names() -> PackageRepositoryNames {
        PackageRepositoryNames {
            domain: "team-a-dev".into(),
            repository: "pypi".into(),
        }
    }

    #[test]
    fn reads_reach_only_the_environments_domain_and_repository() {
        let doc = document(package_read_statements(&facts(), &names()));
        let token = statement(&doc, SID_PACKAGES_TOKEN);
        assert_eq!(
            token["Resource"],
            "arn:aws:codeartifact:eu-west-1:123456789012:domain/team-a-dev"
        );
        let read = statement(&doc, SID_PACKAGES_READ);
        assert_eq!(
            read["Resource"],
            "arn:aws:codeartifact:eu-west-1:123456789012:repository/team-a-dev/pypi"
        );
        // Nothing that writes: no publish, no repository or domain change.
        for s in statements(&doc) {
            for action in strings(&s["Action"]) {
                assert!(
                    !action.contains("Publish") && !action.contains('*'),
                    "{action}"
                );
            }
        }
        let bearer = statement(&doc, SID_PACKAGES_BEARER);
        assert_eq!(
            bearer["Condition"]["StringEquals"]["sts:AWSServiceName"],
            "codeartifact.amazonaws.com"
        );
    }

    #[test]
    fn the_domain_refuses_other_accounts() {
        let doc = domain_policy(&facts(), "team-a-dev");
        let deny = statement(&doc, SID_DENY_OTHER_ACCOUNTS);
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(
            deny["Condition"]["StringNotEquals"]["aws:PrincipalAccount"],
            "123456789012"
        );
        assert_eq!(statements(&doc).len(), 1, "the policy grants nothing");
    }
}
