//! Settings that take one of a few words (`stage = "dev"`, `auth_mode = "SSO"`), typed once.
//!
//! Front ends read user input as text; they turn each of these into its enum with
//! [`Choice::parse`] and report [`Choice::problem`] on the attribute path (Terraform) or the
//! property path (CloudFormation) when the text is not one of the words. From then on the engine
//! matches on enums, never on strings.

use crate::ids::Persona;

/// A setting with a fixed set of values.
pub trait Choice: Sized + Copy + PartialEq + 'static {
    /// Every value, in the order messages list them.
    const ALL: &'static [Self];
    /// The summary of the error for a word that is not a value (`Invalid Stage`).
    const SUMMARY: &'static str;

    /// The word users write (and AWS takes, where it takes one).
    fn as_str(&self) -> &'static str;

    /// The value `text` names.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == text)
    }

    /// What to tell a user who wrote `text`, which names no value.
    fn problem(text: &str) -> String;
}

/// The deployment stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Development.
    Dev,
    /// Test.
    Test,
    /// Production.
    Prod,
}

impl Choice for Stage {
    const ALL: &'static [Self] = &[Stage::Dev, Stage::Test, Stage::Prod];
    const SUMMARY: &'static str = "Invalid Stage";

    fn as_str(&self) -> &'static str {
        match self {
            Stage::Dev => "dev",
            Stage::Test => "test",
            Stage::Prod => "prod",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not a stage: use \"dev\", \"test\" or \"prod\"")
    }
}

impl Stage {
    /// Parses `dev`, `test` or `prod`.
    pub fn parse(text: &str) -> Option<Stage> {
        <Stage as Choice>::parse(text)
    }

    /// The lowercase name.
    pub fn as_str(&self) -> &'static str {
        <Stage as Choice>::as_str(self)
    }
}

/// How Studio users sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// IAM principals open presigned URLs.
    #[default]
    Iam,
    /// IAM Identity Center users.
    Sso,
}

impl Choice for AuthMode {
    const ALL: &'static [Self] = &[AuthMode::Iam, AuthMode::Sso];
    const SUMMARY: &'static str = "Invalid Auth Mode";

    fn as_str(&self) -> &'static str {
        match self {
            AuthMode::Iam => "IAM",
            AuthMode::Sso => "SSO",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not IAM or SSO")
    }
}

/// The Studio apps a lifecycle configuration can run in (the ones the environment's users get).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StudioAppType {
    /// JupyterLab.
    JupyterLab,
    /// Code Editor.
    CodeEditor,
}

impl Choice for StudioAppType {
    const ALL: &'static [Self] = &[StudioAppType::JupyterLab, StudioAppType::CodeEditor];
    const SUMMARY: &'static str = "Invalid App Type";

    fn as_str(&self) -> &'static str {
        match self {
            StudioAppType::JupyterLab => "JupyterLab",
            StudioAppType::CodeEditor => "CodeEditor",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not JupyterLab or CodeEditor")
    }
}

/// Where a package repository's packages come from (its external connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PackageUpstream {
    /// The Python Package Index, through CodeArtifact's `public:pypi` connection.
    #[default]
    Pypi,
}

impl Choice for PackageUpstream {
    const ALL: &'static [Self] = &[PackageUpstream::Pypi];
    const SUMMARY: &'static str = "Invalid Package Upstream";

    fn as_str(&self) -> &'static str {
        match self {
            PackageUpstream::Pypi => "pypi",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not a package upstream: use \"pypi\"")
    }
}

impl PackageUpstream {
    /// CodeArtifact's name for the public registry (`AssociateExternalConnection`).
    pub fn external_connection(&self) -> &'static str {
        match self {
            PackageUpstream::Pypi => "public:pypi",
        }
    }

    /// The package format the repository serves (`GetRepositoryEndpoint`'s `format`).
    pub fn format(&self) -> &'static str {
        match self {
            PackageUpstream::Pypi => "pypi",
        }
    }
}

/// What happens to Studio's home file system (the users' home directories) when the domain goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EfsRetention {
    /// Keep it (AWS's default): the data stays, and the user is told where.
    #[default]
    Retain,
    /// Delete it with the domain.
    Delete,
}

impl Choice for EfsRetention {
    const ALL: &'static [Self] = &[EfsRetention::Retain, EfsRetention::Delete];
    const SUMMARY: &'static str = "Invalid EFS Retention";

    fn as_str(&self) -> &'static str {
        match self {
            EfsRetention::Retain => "Retain",
            EfsRetention::Delete => "Delete",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not Retain (keep the home file system when the domain goes) or Delete")
    }
}

/// Which traffic VPC flow logs record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrafficType {
    /// Accepted traffic.
    Accept,
    /// Rejected traffic (the default: what a locked-down network refuses is what to look at).
    #[default]
    Reject,
    /// Both.
    All,
}

impl Choice for TrafficType {
    const ALL: &'static [Self] = &[TrafficType::Accept, TrafficType::Reject, TrafficType::All];
    const SUMMARY: &'static str = "Invalid Traffic Type";

    fn as_str(&self) -> &'static str {
        match self {
            TrafficType::Accept => "ACCEPT",
            TrafficType::Reject => "REJECT",
            TrafficType::All => "ALL",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not ACCEPT, REJECT or ALL")
    }
}

/// The persona a Studio user profile runs as: only the people personas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProfilePersona(Persona);

impl ProfilePersona {
    /// A data scientist's profile.
    pub const DATA_SCIENTIST: ProfilePersona = ProfilePersona(Persona::DataScientist);
    /// A team administrator's profile.
    pub const TEAM_ADMIN: ProfilePersona = ProfilePersona(Persona::TeamAdmin);

    /// The persona role the profile runs as.
    pub fn persona(&self) -> Persona {
        self.0
    }
}

impl Choice for ProfilePersona {
    const ALL: &'static [Self] = &[ProfilePersona::DATA_SCIENTIST, ProfilePersona::TEAM_ADMIN];
    const SUMMARY: &'static str = "Invalid Persona";

    fn as_str(&self) -> &'static str {
        self.0.key()
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not data_scientist or team_admin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Choice + std::fmt::Debug>() {
        for v in T::ALL {
            assert_eq!(T::parse(v.as_str()), Some(*v));
        }
        assert_eq!(T::parse("nonsense"), None);
        assert!(T::problem("nonsense").contains("\"nonsense\""));
    }

    #[test]
    fn every_choice_parses_the_words_it_writes() {
        round_trips::<Stage>();
        round_trips::<AuthMode>();
        round_trips::<EfsRetention>();
        round_trips::<TrafficType>();
        round_trips::<ProfilePersona>();
        assert_eq!(ProfilePersona::parse("execution"), None);
    }
}
