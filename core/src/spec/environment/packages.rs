//! `studio.packages`: a private Python package repository, so `pip install` works in a VPC with
//! no route to the internet.
//!
//! The environment gets an AWS CodeArtifact domain (named as the environment, encrypted with the
//! `data` key) holding one repository whose external connection reaches the public registry, the
//! two CodeArtifact interface endpoints, read permissions on the repository for the people and
//! execution roles, and one lifecycle configuration per Studio app type that points `pip` and
//! `uv` at the repository when an app starts.
//!
//! Python packages need no S3 gateway endpoint entry: CodeArtifact serves them through its
//! `repositories` endpoint. (Maven and other formats download assets from an AWS-owned bucket,
//! `assets-<AWS account>-<region>`, which `DescribeDomain` names in `s3BucketArn`; the domain's
//! record keeps it for whoever adds such a format.)

use std::collections::BTreeMap;

use super::super::choice::{Choice, PackageUpstream, StudioAppType};
use super::super::path::AttrPath;
use super::super::ValidationErrors;
use super::{LifecycleConfigSpec, StudioSpec};

/// The CodeArtifact interface endpoints a package repository needs: the API (tokens, the
/// repository's address) and the repositories themselves (package downloads, private DNS on
/// `*.d.codeartifact.<region>.amazonaws.com`).
pub const PACKAGE_ENDPOINTS: &[&str] = &["codeartifact.api", "codeartifact.repositories"];

/// `studio.packages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackagesSpec {
    /// On by default: without it nothing can be installed in Studio.
    pub enabled: bool,
    /// The public registry the repository reads through.
    pub upstream: PackageUpstream,
}

impl Default for PackagesSpec {
    fn default() -> Self {
        PackagesSpec {
            enabled: true,
            upstream: PackageUpstream::Pypi,
        }
    }
}

impl PackagesSpec {
    /// The CodeArtifact domain's name: the environment id (unique in the account and region,
    /// and within CodeArtifact's 2-50 lowercase letters, digits and hyphens).
    pub fn domain_name(env_id: &str) -> String {
        env_id.to_string()
    }

    /// The repository's name: the upstream's (`pypi`).
    pub fn repository_name(&self) -> &'static str {
        self.upstream.as_str()
    }

    /// The name of the lifecycle configuration that sets up `app`'s package tools.
    pub fn lifecycle_config_name(app: StudioAppType) -> String {
        format!("packages-{}", app.as_str().to_ascii_lowercase())
    }

    /// The script that points `pip` and `uv` at the repository. It asks CodeArtifact for the
    /// repository's address and a token as the app's role (so it needs no account id or region
    /// of its own) and writes them where only the user reads them. A token lasts as long as the
    /// role's session allows (12 hours at most); an app that has run longer gets a new one on
    /// restart.
    pub fn setup_script(&self, env_id: &str) -> String {
        let domain = Self::domain_name(env_id);
        let repository = self.repository_name();
        let format = self.upstream.format();
        format!(
            r#"#!/bin/bash
# Points pip and uv at this environment's package repository ({domain}/{repository} in AWS
# CodeArtifact): the VPC has no route to the public index. Made by the secure environment.
set -euo pipefail
umask 077
endpoint=$(aws codeartifact get-repository-endpoint --domain {domain} --repository {repository} --format {format} --query repositoryEndpoint --output text)
token=$(aws codeartifact get-authorization-token --domain {domain} --query authorizationToken --output text)
index="https://aws:${{token}}@${{endpoint#https://}}simple/"
pip config --user set global.index-url "$index" >/dev/null
mkdir -p "$HOME/.config/uv"
printf '[[index]]\nurl = "%s"\ndefault = true\n' "$index" > "$HOME/.config/uv/uv.toml"
"#
        )
    }
}

impl StudioSpec {
    /// Whether the environment gets a package repository (it serves Studio, so only with one).
    pub fn has_packages(&self) -> bool {
        self.enabled && self.packages.enabled
    }

    /// The lifecycle configurations the domain offers: the user's, and with packages one per
    /// app type setting up `pip` and `uv`, the default for its app type unless the user made
    /// another one the default.
    pub fn all_lifecycle_configs(&self, env_id: &str) -> BTreeMap<String, LifecycleConfigSpec> {
        let mut all = self.lifecycle_configs.clone();
        if !self.has_packages() {
            return all;
        }
        for app in StudioAppType::ALL.iter().copied() {
            let user_default = self
                .lifecycle_configs
                .values()
                .any(|c| c.default && c.app_type == app);
            all.insert(
                PackagesSpec::lifecycle_config_name(app),
                LifecycleConfigSpec {
                    app_type: app,
                    content: self.packages.setup_script(env_id),
                    default: !user_default,
                },
            );
        }
        all
    }
}

/// The package repository's settings: its lifecycle configurations' names are taken.
pub(super) fn check_packages(studio: &StudioSpec, errors: &mut ValidationErrors) {
    if !studio.has_packages() {
        return;
    }
    let path = AttrPath::attr("studio").then("lifecycle_config");
    for app in StudioAppType::ALL.iter().copied() {
        let name = PackagesSpec::lifecycle_config_name(app);
        if studio.lifecycle_configs.contains_key(&name) {
            errors.push(
                path.key(&name),
                "Reserved Lifecycle Configuration Name",
                format!("{name:?} is the configuration studio.packages makes for {}: choose another name", app.as_str()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn studio() -> StudioSpec {
        StudioSpec {
            enabled: true,
            ..StudioSpec::default()
        }
    }

    #[test]
    fn packages_add_a_default_setup_per_app_type() {
        let all = studio().all_lifecycle_configs("team-a-dev");
        assert_eq!(
            all.keys().collect::<Vec<_>>(),
            ["packages-codeeditor", "packages-jupyterlab"]
        );
        for config in all.values() {
            assert!(config.default);
            assert!(config
                .content
                .contains("--domain team-a-dev --repository pypi --format pypi"));
        }
    }

    #[test]
    fn a_users_default_keeps_its_place() {
        let mut s = studio();
        s.lifecycle_configs.insert(
            "mine".into(),
            LifecycleConfigSpec {
                app_type: StudioAppType::JupyterLab,
                content: "echo hi".into(),
                default: true,
            },
        );
        let all = s.all_lifecycle_configs("team-a-dev");
        assert!(!all["packages-jupyterlab"].default);
        assert!(all["packages-codeeditor"].default);
        assert!(all["mine"].default);
    }

    #[test]
    fn without_packages_or_studio_nothing_is_added() {
        let mut s = studio();
        s.packages.enabled = false;
        assert!(s.all_lifecycle_configs("e").is_empty());
        let mut s = studio();
        s.enabled = false;
        assert!(s.all_lifecycle_configs("e").is_empty());
    }

    #[test]
    fn the_setup_names_are_reserved() {
        let mut s = studio();
        s.lifecycle_configs.insert(
            "packages-jupyterlab".into(),
            LifecycleConfigSpec {
                app_type: StudioAppType::JupyterLab,
                content: "echo hi".into(),
                default: false,
            },
        );
        let mut errors = ValidationErrors::default();
        check_packages(&s, &mut errors);
        let text = format!("{errors:?}");
        assert!(
            text.contains("Reserved Lifecycle Configuration Name"),
            "{text}"
        );
    }
}
