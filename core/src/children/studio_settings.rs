//! The Studio platform settings as SageMaker takes them, and what differs from them in words.
//!
//! The domain carries them in its default user settings (every profile's starting point), its
//! default space settings (every space's) and its domain settings (Docker); a profile carries its
//! own idle timeout. Each is sent whole on create and on repair, and read back for drift: an
//! idle timeout raised to a year or Docker switched on outside the engine is drift like a
//! security group would be.

use std::collections::BTreeSet;

use aws_sdk_sagemaker::types::{
    AppLifecycleManagement, AppType, CodeEditorAppSettings, CustomImage, DefaultEbsStorageSettings,
    DefaultSpaceSettings, DefaultSpaceStorageSettings, DockerSettings, FeatureStatus, IdleSettings,
    JupyterLabAppSettings, LifecycleManagement, ResourceSpec, StudioWebPortal,
    StudioWebPortalSettings, UserSettings,
};

use super::lifecycle_config::{APP_TYPE_ATTRIBUTE, DEFAULT_ATTRIBUTE};
use super::user_profile::ProfileSettings;
use crate::engine::Record;
use crate::graph::environment::StudioPlatform;
#[cfg(test)]
use crate::spec::StudioSpec;
use crate::spec::{Choice, StudioAppType, MIN_IDLE_MINUTES};

/// What SageMaker takes as "no lifecycle configuration" where a configuration's ARN goes (the
/// API's pattern for that ARN allows it). An update that leaves the default out keeps the old
/// one, and a configuration still named as a default cannot be deleted: this clears it.
pub(crate) const NO_LIFECYCLE_CONFIG: &str = "None";

/// A default read back, unless it is the "no configuration" value.
fn real_config(arn: Option<&str>) -> Option<&str> {
    arn.filter(|a| !a.is_empty() && *a != NO_LIFECYCLE_CONFIG)
}

/// What the environment adds to one app type's settings: the lifecycle configurations users
/// may pick (and the one apps run by default), and the custom images they may run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppAdditions {
    /// The configurations' ARNs.
    pub arns: BTreeSet<String>,
    /// The default configuration's ARN.
    pub default: Option<String>,
    /// Custom images: (image name, version) (the app image config has the image's name).
    pub images: BTreeSet<(String, i32)>,
}

/// The environment's lifecycle configurations and custom images, by the app they serve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudioAdditions {
    /// JupyterLab's.
    pub jupyter_lab: AppAdditions,
    /// Code Editor's.
    pub code_editor: AppAdditions,
}

impl StudioAdditions {
    /// The same, with "no configuration" as the default of each app type that has none, so an
    /// update clears a default left from before.
    pub fn clearing_defaults(&self) -> Self {
        let mut out = self.clone();
        for app in [&mut out.jupyter_lab, &mut out.code_editor] {
            if app.default.is_none() {
                app.default = Some(NO_LIFECYCLE_CONFIG.to_string());
            }
        }
        out
    }

    /// From the records of the environment's lifecycle configurations and custom images.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut out = StudioAdditions::default();
        for record in records {
            if record.kind == crate::ids::RecordKind::StudioCustomImage {
                let app = match record
                    .attributes
                    .get(APP_TYPE_ATTRIBUTE)
                    .map(String::as_str)
                {
                    Some("CodeEditor") => &mut out.code_editor,
                    _ => &mut out.jupyter_lab,
                };
                let version = record
                    .attributes
                    .get(super::custom_image::VERSION_ATTRIBUTE)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                app.images.insert((record.physical_id.clone(), version));
                continue;
            }
            let Some(arn) = record.arn.clone() else {
                continue;
            };
            let app = match record
                .attributes
                .get(APP_TYPE_ATTRIBUTE)
                .map(String::as_str)
            {
                Some("CodeEditor") => &mut out.code_editor,
                _ => &mut out.jupyter_lab,
            };
            if record.attributes.get(DEFAULT_ATTRIBUTE).map(String::as_str) == Some("true") {
                app.default = Some(arn.clone());
            }
            app.arns.insert(arn);
        }
        out
    }
}

fn custom_images(configs: &AppAdditions) -> Vec<CustomImage> {
    configs
        .images
        .iter()
        .map(|(name, version)| {
            CustomImage::builder()
                .image_name(name)
                .image_version_number(*version)
                .app_image_config_name(name)
                .build()
        })
        .collect()
}

fn jupyter_lab_settings(
    lifecycle: AppLifecycleManagement,
    configs: &AppAdditions,
) -> JupyterLabAppSettings {
    JupyterLabAppSettings::builder()
        .app_lifecycle_management(lifecycle)
        .set_custom_images(Some(custom_images(configs)))
        .set_lifecycle_config_arns(Some(configs.arns.iter().cloned().collect()))
        .set_default_resource_spec(
            configs
                .default
                .as_ref()
                .map(|arn| ResourceSpec::builder().lifecycle_config_arn(arn).build()),
        )
        .build()
}

fn code_editor_settings(
    lifecycle: AppLifecycleManagement,
    configs: &AppAdditions,
) -> CodeEditorAppSettings {
    CodeEditorAppSettings::builder()
        .app_lifecycle_management(lifecycle)
        .set_custom_images(Some(custom_images(configs)))
        .set_lifecycle_config_arns(Some(configs.arns.iter().cloned().collect()))
        .set_default_resource_spec(
            configs
                .default
                .as_ref()
                .map(|arn| ResourceSpec::builder().lifecycle_config_arn(arn).build()),
        )
        .build()
}

/// The lifecycle configurations of `app` read back against `want`, in words. A default that
/// is no longer wanted is not reported: SageMaker keeps one until another replaces it.
fn lifecycle_differences(
    what: &str,
    arns: &[String],
    default: Option<&ResourceSpec>,
    images: &[CustomImage],
    want: &AppAdditions,
) -> Vec<String> {
    let mut out = Vec::new();
    let have_images: BTreeSet<(String, i32)> = images
        .iter()
        .map(|i| {
            (
                i.image_name().unwrap_or_default().to_string(),
                i.image_version_number().unwrap_or_default(),
            )
        })
        .collect();
    if have_images != want.images {
        let show = |set: &BTreeSet<(String, i32)>| {
            list(
                &set.iter()
                    .map(|(n, v)| format!("{n} version {v}"))
                    .collect(),
            )
        };
        out.push(format!(
            "{what} custom images are {}; apply sets {}",
            show(&have_images),
            show(&want.images)
        ));
    }
    let have: BTreeSet<String> = arns.iter().cloned().collect();
    if have != want.arns {
        out.push(format!(
            "{what} lifecycle configurations are {}; apply sets {}",
            list(&have),
            list(&want.arns)
        ));
    }
    let have_default = real_config(default.and_then(ResourceSpec::lifecycle_config_arn));
    let want_default = want.default.as_deref().and_then(|d| real_config(Some(d)));
    match (have_default, want_default) {
        (Some(have), None) => out.push(format!(
            "{what} default lifecycle configuration is {have}; apply removes it"
        )),
        (have, Some(want_default)) if have != Some(want_default) => {
            out.push(format!(
                "{what} default lifecycle configuration is {}; apply sets {want_default}",
                have.unwrap_or("none")
            ));
        }
        _ => {}
    }
    out
}

/// What an idle timeout of `minutes` (or none) is as SageMaker's `AppLifecycleManagement`. With
/// a timeout, users may choose a shorter one for a space but never a longer one.
pub(crate) fn app_lifecycle(minutes: Option<u32>) -> AppLifecycleManagement {
    let idle = match minutes {
        Some(m) => IdleSettings::builder()
            .lifecycle_management(LifecycleManagement::Enabled)
            .idle_timeout_in_minutes(to_i32(m))
            .min_idle_timeout_in_minutes(to_i32(MIN_IDLE_MINUTES))
            .max_idle_timeout_in_minutes(to_i32(m))
            .build(),
        None => IdleSettings::builder()
            .lifecycle_management(LifecycleManagement::Disabled)
            .build(),
    };
    AppLifecycleManagement::builder()
        .idle_settings(idle)
        .build()
}

pub(crate) fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The idle timeout `lifecycle` sets, in the same terms as [`app_lifecycle`]'s input: `None` when
/// idle shutdown is off or not set.
fn idle_minutes_of(lifecycle: Option<&AppLifecycleManagement>) -> IdleRead {
    let Some(idle) = lifecycle.and_then(AppLifecycleManagement::idle_settings) else {
        return IdleRead::Unset;
    };
    match idle.lifecycle_management() {
        Some(LifecycleManagement::Enabled) => IdleRead::Minutes {
            timeout: idle.idle_timeout_in_minutes(),
            max: idle.max_idle_timeout_in_minutes(),
        },
        _ => IdleRead::Off,
    }
}

/// An idle setting as read back.
#[derive(Debug, PartialEq, Eq)]
enum IdleRead {
    /// No idle settings at all.
    Unset,
    /// Lifecycle management disabled.
    Off,
    /// On, with this timeout and maximum.
    Minutes {
        timeout: Option<i32>,
        max: Option<i32>,
    },
}

impl IdleRead {
    fn matches(&self, want: Option<u32>) -> bool {
        match (self, want) {
            (IdleRead::Minutes { timeout, max }, Some(m)) => {
                *timeout == Some(to_i32(m)) && *max == Some(to_i32(m))
            }
            (IdleRead::Off, None) => true,
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            IdleRead::Unset => "not set".to_string(),
            IdleRead::Off => "off".to_string(),
            IdleRead::Minutes { timeout, max } => format!(
                "{} minutes (users may choose up to {})",
                timeout.map_or("unset".to_string(), |t| t.to_string()),
                max.map_or("unset".to_string(), |m| m.to_string())
            ),
        }
    }
}

fn describe_want(minutes: Option<u32>) -> String {
    minutes.map_or("off".to_string(), |m| format!("{m} minutes"))
}

/// The domain's default user settings: the execution role behind the SageMaker security group,
/// idle shutdown for JupyterLab and Code Editor, the web portal with `hidden_apps` hidden, and the
/// storage of the spaces users make.
pub(crate) fn domain_user_settings(
    execution_role_arn: &str,
    security_group_id: &str,
    platform: &StudioPlatform,
    configs: &StudioAdditions,
) -> UserSettings {
    let lifecycle = app_lifecycle(platform.idle_minutes);
    UserSettings::builder()
        .execution_role(execution_role_arn)
        .security_groups(security_group_id)
        .jupyter_lab_app_settings(jupyter_lab_settings(
            lifecycle.clone(),
            &configs.jupyter_lab,
        ))
        .code_editor_app_settings(code_editor_settings(lifecycle, &configs.code_editor))
        .studio_web_portal(StudioWebPortal::Enabled)
        .studio_web_portal_settings(
            StudioWebPortalSettings::builder()
                .set_hidden_app_types(Some(
                    platform
                        .hidden_apps
                        .iter()
                        .map(|a| AppType::from(a.as_str()))
                        .collect(),
                ))
                .build(),
        )
        .space_storage_settings(storage(platform))
        .build()
}

fn storage(platform: &StudioPlatform) -> DefaultSpaceStorageSettings {
    DefaultSpaceStorageSettings::builder()
        .default_ebs_storage_settings(
            DefaultEbsStorageSettings::builder()
                .default_ebs_volume_size_in_gb(to_i32(platform.storage_gb))
                .maximum_ebs_volume_size_in_gb(to_i32(platform.max_storage_gb))
                .build(),
        )
        .build()
}

/// The domain's default space settings: shared spaces run as the execution role behind the
/// SageMaker security group, with the same idle shutdown and storage as users' own.
pub(crate) fn space_settings(
    execution_role_arn: &str,
    security_group_id: &str,
    platform: &StudioPlatform,
    configs: &StudioAdditions,
) -> DefaultSpaceSettings {
    DefaultSpaceSettings::builder()
        .execution_role(execution_role_arn)
        .security_groups(security_group_id)
        .jupyter_lab_app_settings(jupyter_lab_settings(
            app_lifecycle(platform.idle_minutes),
            &configs.jupyter_lab,
        ))
        .space_storage_settings(storage(platform))
        .build()
}

/// Docker in the domain: off, or on for images of `account_id` only (in `VpcOnly` mode AWS
/// pulls only from the accounts listed).
pub(crate) fn docker_settings(platform: &StudioPlatform, account_id: &str) -> DockerSettings {
    if platform.docker_access {
        DockerSettings::builder()
            .enable_docker_access(FeatureStatus::Enabled)
            .vpc_only_trusted_accounts(account_id)
            .build()
    } else {
        DockerSettings::builder()
            .enable_docker_access(FeatureStatus::Disabled)
            .build()
    }
}

/// A profile's settings: its persona's role behind the SageMaker security group, its idle
/// timeout (its own, or the domain's written out so a change outside is seen), and its own
/// default lifecycle configuration if it has one. With `clear_defaults` (updates), the app
/// types it has no default for get "no configuration", which clears one left from before.
pub(crate) fn profile_user_settings(at: &ProfileSettings, clear_defaults: bool) -> UserSettings {
    let lifecycle = app_lifecycle(at.idle_minutes);
    let default_for = |app: StudioAppType| {
        let own = at
            .default_lifecycle_config
            .as_ref()
            .filter(|(a, _)| *a == app)
            .map(|(_, arn)| arn.as_str());
        own.or(clear_defaults.then_some(NO_LIFECYCLE_CONFIG))
            .map(|arn| ResourceSpec::builder().lifecycle_config_arn(arn).build())
    };
    UserSettings::builder()
        .execution_role(&at.role_arn)
        .security_groups(&at.security_group_id)
        .jupyter_lab_app_settings(
            JupyterLabAppSettings::builder()
                .app_lifecycle_management(lifecycle.clone())
                .set_default_resource_spec(default_for(StudioAppType::JupyterLab))
                .build(),
        )
        .code_editor_app_settings(
            CodeEditorAppSettings::builder()
                .app_lifecycle_management(lifecycle)
                .set_default_resource_spec(default_for(StudioAppType::CodeEditor))
                .build(),
        )
        .build()
}

/// The profile's own default lifecycle configuration read back, in words.
pub(crate) fn default_config_differences(
    settings: Option<&UserSettings>,
    at: &ProfileSettings,
) -> Vec<String> {
    let mut out = Vec::new();
    for app in [StudioAppType::JupyterLab, StudioAppType::CodeEditor] {
        let have = real_config(
            match app {
                StudioAppType::JupyterLab => settings
                    .and_then(UserSettings::jupyter_lab_app_settings)
                    .and_then(JupyterLabAppSettings::default_resource_spec),
                StudioAppType::CodeEditor => settings
                    .and_then(UserSettings::code_editor_app_settings)
                    .and_then(CodeEditorAppSettings::default_resource_spec),
            }
            .and_then(ResourceSpec::lifecycle_config_arn),
        );
        let want = at
            .default_lifecycle_config
            .as_ref()
            .filter(|(a, _)| *a == app)
            .map(|(_, arn)| arn.as_str());
        match (have, want) {
            (Some(have), None) => out.push(format!(
                "its default {} lifecycle configuration is {have}; apply removes it (the domain's applies)",
                app.as_str()
            )),
            (have, Some(want)) if have != Some(want) => out.push(format!(
                "its default {} lifecycle configuration is {}; apply sets {want}",
                app.as_str(),
                have.unwrap_or("the domain's")
            )),
            _ => {}
        }
    }
    out
}

/// The idle timeouts of `settings` (JupyterLab, Code Editor) against `want`, in words.
pub(crate) fn idle_differences(
    what: &str,
    settings: Option<&UserSettings>,
    want: Option<u32>,
) -> Vec<String> {
    let apps = [
        (
            "JupyterLab",
            idle_minutes_of(
                settings
                    .and_then(UserSettings::jupyter_lab_app_settings)
                    .and_then(JupyterLabAppSettings::app_lifecycle_management),
            ),
        ),
        (
            "Code Editor",
            idle_minutes_of(
                settings
                    .and_then(UserSettings::code_editor_app_settings)
                    .and_then(CodeEditorAppSettings::app_lifecycle_management),
            ),
        ),
    ];
    apps.into_iter()
        .filter(|(_, have)| !have.matches(want))
        .map(|(app, have)| {
            format!(
                "{what} {app} idle shutdown is {}; apply sets {}",
                have.describe(),
                describe_want(want)
            )
        })
        .collect()
}

/// What differs in the domain's default user settings beyond role and groups, in words.
pub(crate) fn user_settings_differences(
    settings: Option<&UserSettings>,
    platform: &StudioPlatform,
    configs: &StudioAdditions,
) -> Vec<String> {
    let mut out = idle_differences("default", settings, platform.idle_minutes);
    let lab = settings.and_then(UserSettings::jupyter_lab_app_settings);
    out.extend(lifecycle_differences(
        "JupyterLab",
        lab.map(JupyterLabAppSettings::lifecycle_config_arns)
            .unwrap_or_default(),
        lab.and_then(JupyterLabAppSettings::default_resource_spec),
        lab.map(JupyterLabAppSettings::custom_images)
            .unwrap_or_default(),
        &configs.jupyter_lab,
    ));
    let editor = settings.and_then(UserSettings::code_editor_app_settings);
    out.extend(lifecycle_differences(
        "Code Editor",
        editor
            .map(CodeEditorAppSettings::lifecycle_config_arns)
            .unwrap_or_default(),
        editor.and_then(CodeEditorAppSettings::default_resource_spec),
        editor
            .map(CodeEditorAppSettings::custom_images)
            .unwrap_or_default(),
        &configs.code_editor,
    ));
    let portal = settings.and_then(UserSettings::studio_web_portal);
    if portal != Some(&StudioWebPortal::Enabled) {
        out.push(format!(
            "the Studio web portal is {}; apply sets ENABLED",
            portal.map_or("unset", |p| p.as_str())
        ));
    }
    let hidden: BTreeSet<String> = settings
        .and_then(UserSettings::studio_web_portal_settings)
        .map(|s| {
            s.hidden_app_types()
                .iter()
                .map(|a| a.as_str().to_string())
                .collect()
        })
        .unwrap_or_default();
    if hidden != platform.hidden_apps {
        out.push(format!(
            "hidden apps are {}; apply sets {}",
            list(&hidden),
            list(&platform.hidden_apps)
        ));
    }
    out.extend(storage_differences(
        "default user",
        settings.and_then(UserSettings::space_storage_settings),
        platform,
    ));
    out
}

/// What differs in the domain's default space settings, in words.
pub(crate) fn space_settings_differences(
    settings: Option<&DefaultSpaceSettings>,
    execution_role_arn: &str,
    security_group_id: &str,
    platform: &StudioPlatform,
    configs: &StudioAdditions,
) -> Vec<String> {
    let mut out = Vec::new();
    let lab = settings.and_then(DefaultSpaceSettings::jupyter_lab_app_settings);
    out.extend(lifecycle_differences(
        "default space JupyterLab",
        lab.map(JupyterLabAppSettings::lifecycle_config_arns)
            .unwrap_or_default(),
        lab.and_then(JupyterLabAppSettings::default_resource_spec),
        lab.map(JupyterLabAppSettings::custom_images)
            .unwrap_or_default(),
        &configs.jupyter_lab,
    ));
    let role = settings
        .and_then(DefaultSpaceSettings::execution_role)
        .unwrap_or("none");
    if role != execution_role_arn {
        out.push(format!(
            "default space execution role is {role}; apply sets {execution_role_arn}"
        ));
    }
    let groups: BTreeSet<String> = settings
        .map(|s| s.security_groups().iter().cloned().collect())
        .unwrap_or_default();
    if groups != BTreeSet::from([security_group_id.to_string()]) {
        out.push(format!(
            "default space security groups are {}; apply sets {security_group_id}",
            list(&groups)
        ));
    }
    let idle = idle_minutes_of(
        settings
            .and_then(DefaultSpaceSettings::jupyter_lab_app_settings)
            .and_then(JupyterLabAppSettings::app_lifecycle_management),
    );
    if !idle.matches(platform.idle_minutes) {
        out.push(format!(
            "default space JupyterLab idle shutdown is {}; apply sets {}",
            idle.describe(),
            describe_want(platform.idle_minutes)
        ));
    }
    out.extend(storage_differences(
        "default space",
        settings.and_then(DefaultSpaceSettings::space_storage_settings),
        platform,
    ));
    out
}

fn storage_differences(
    what: &str,
    storage: Option<&DefaultSpaceStorageSettings>,
    platform: &StudioPlatform,
) -> Vec<String> {
    let ebs = storage.and_then(DefaultSpaceStorageSettings::default_ebs_storage_settings);
    let have = ebs.and_then(|e| {
        Some((
            e.default_ebs_volume_size_in_gb()?,
            e.maximum_ebs_volume_size_in_gb()?,
        ))
    });
    let want = (to_i32(platform.storage_gb), to_i32(platform.max_storage_gb));
    if have == Some(want) {
        return Vec::new();
    }
    let shown = have.map_or("not set".to_string(), |(d, m)| {
        format!("{d} GB (at most {m} GB)")
    });
    vec![format!(
        "{what} space storage is {shown}; apply sets {} GB (at most {} GB)",
        want.0, want.1
    )]
}

/// What differs in the domain's Docker settings, in words.
pub(crate) fn docker_differences(
    docker: Option<&DockerSettings>,
    platform: &StudioPlatform,
    account_id: &str,
) -> Vec<String> {
    let access = docker.and_then(DockerSettings::enable_docker_access);
    let on = access == Some(&FeatureStatus::Enabled);
    if on != platform.docker_access {
        return vec![format!(
            "Docker access is {}; apply sets {}",
            access.map_or("unset", |a| a.as_str()),
            if platform.docker_access {
                "ENABLED"
            } else {
                "DISABLED"
            }
        )];
    }
    let trusted: BTreeSet<String> = docker
        .map(|d| d.vpc_only_trusted_accounts().iter().cloned().collect())
        .unwrap_or_default();
    let want: BTreeSet<String> = if platform.docker_access {
        BTreeSet::from([account_id.to_string()])
    } else {
        BTreeSet::new()
    };
    if on && trusted != want {
        return vec![format!(
            "Docker may pull images of accounts {}; apply sets {}",
            list(&trusted),
            list(&want)
        )];
    }
    Vec::new()
}

fn list(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform() -> StudioPlatform {
        StudioPlatform::of(&StudioSpec::default())
    }

    #[test]
    fn the_app_types_the_spec_accepts_are_the_apis() {
        let api: BTreeSet<&str> = AppType::values().iter().copied().collect();
        let ours: BTreeSet<&str> = crate::spec::APP_TYPES.iter().copied().collect();
        assert_eq!(ours, api);
    }

    #[test]
    fn settings_as_sent_read_back_without_differences() {
        let p = platform();
        let configs = StudioAdditions {
            jupyter_lab: AppAdditions {
                arns: ["arn:lab-a".to_string(), "arn:lab-b".to_string()].into(),
                default: Some("arn:lab-a".into()),
                images: BTreeSet::new(),
            },
            code_editor: AppAdditions::default(),
        };
        let user = domain_user_settings("arn:role", "sg-1", &p, &configs);
        assert!(user_settings_differences(Some(&user), &p, &configs).is_empty());
        let space = space_settings("arn:role", "sg-1", &p, &configs);
        assert!(
            space_settings_differences(Some(&space), "arn:role", "sg-1", &p, &configs).is_empty()
        );
        let none = StudioAdditions::default();
        assert_eq!(
            user_settings_differences(Some(&user), &p, &none),
            [
                "JupyterLab lifecycle configurations are arn:lab-a, arn:lab-b; apply sets none",
                "JupyterLab default lifecycle configuration is arn:lab-a; apply removes it"
            ]
        );
        let switched = StudioAdditions {
            jupyter_lab: AppAdditions {
                arns: ["arn:lab-c".to_string()].into(),
                default: Some("arn:lab-c".into()),
                images: BTreeSet::new(),
            },
            code_editor: AppAdditions::default(),
        };
        assert_eq!(
            user_settings_differences(Some(&user), &p, &switched).len(),
            2,
            "the list and the default"
        );
        // A default no longer wanted is reported, and the update clears it.
        let no_default = StudioAdditions {
            jupyter_lab: AppAdditions {
                arns: ["arn:lab-a".to_string(), "arn:lab-b".to_string()].into(),
                default: None,
                images: BTreeSet::new(),
            },
            code_editor: AppAdditions::default(),
        };
        assert_eq!(
            user_settings_differences(Some(&user), &p, &no_default),
            ["JupyterLab default lifecycle configuration is arn:lab-a; apply removes it"]
        );
        let cleared = domain_user_settings("arn:role", "sg-1", &p, &no_default.clearing_defaults());
        assert!(user_settings_differences(Some(&cleared), &p, &no_default).is_empty());
        let docker = docker_settings(&p, "123456789012");
        assert!(docker_differences(Some(&docker), &p, "123456789012").is_empty());
        let mut at = ProfileSettings {
            domain_id: "d-1".into(),
            role_arn: "arn:role".into(),
            security_group_id: "sg-1".into(),
            sso_user_name: None,
            idle_minutes: Some(120),
            default_lifecycle_config: Some((StudioAppType::CodeEditor, "arn:editor".into())),
        };
        let profile = profile_user_settings(&at, false);
        assert!(idle_differences("profile", Some(&profile), Some(120)).is_empty());
        assert!(default_config_differences(Some(&profile), &at).is_empty());
        at.default_lifecycle_config = None;
        assert_eq!(
            default_config_differences(Some(&profile), &at),
            ["its default CodeEditor lifecycle configuration is arn:editor; apply removes it (the domain's applies)"]
        );
        assert!(
            default_config_differences(Some(&profile_user_settings(&at, true)), &at).is_empty()
        );
        at.default_lifecycle_config = Some((StudioAppType::CodeEditor, "arn:other".into()));
        assert_eq!(
            default_config_differences(Some(&profile), &at),
            ["its default CodeEditor lifecycle configuration is arn:editor; apply sets arn:other"]
        );
    }

    #[test]
    fn idle_shutdown_switched_off_or_stretched_outside_is_drift() {
        let p = platform();
        let none = StudioAdditions::default();
        let off = domain_user_settings(
            "arn:role",
            "sg-1",
            &StudioPlatform {
                idle_minutes: None,
                ..p.clone()
            },
            &none,
        );
        let diffs = user_settings_differences(Some(&off), &p, &none);
        assert_eq!(
            diffs,
            [
                "default JupyterLab idle shutdown is off; apply sets 60 minutes",
                "default Code Editor idle shutdown is off; apply sets 60 minutes"
            ]
        );
        let year = profile_user_settings(
            &ProfileSettings {
                domain_id: "d-1".into(),
                role_arn: "arn:role".into(),
                security_group_id: "sg-1".into(),
                sso_user_name: None,
                idle_minutes: Some(525_600),
                default_lifecycle_config: None,
            },
            false,
        );
        assert_eq!(
            idle_differences("profile", Some(&year), Some(60))[0],
            "profile JupyterLab idle shutdown is 525600 minutes (users may choose up to 525600); apply sets 60 minutes"
        );
        assert_eq!(idle_differences("profile", None, Some(60)).len(), 2);
    }

    #[test]
    fn docker_switched_on_or_opened_to_other_accounts_is_drift() {
        let p = platform();
        let on = StudioPlatform {
            docker_access: true,
            ..p.clone()
        };
        let enabled = docker_settings(&on, "123456789012");
        assert_eq!(
            docker_differences(Some(&enabled), &p, "123456789012"),
            ["Docker access is ENABLED; apply sets DISABLED"]
        );
        let wider = DockerSettings::builder()
            .enable_docker_access(FeatureStatus::Enabled)
            .vpc_only_trusted_accounts("123456789012")
            .vpc_only_trusted_accounts("999999999999")
            .build();
        assert_eq!(
            docker_differences(Some(&wider), &on, "123456789012"),
            ["Docker may pull images of accounts 123456789012, 999999999999; apply sets 123456789012"]
        );
        // Unset is what AWS reads as disabled.
        assert!(docker_differences(None, &p, "1").is_empty());
        assert_eq!(docker_differences(None, &on, "1").len(), 1);
    }

    #[test]
    fn shown_apps_and_storage_are_compared() {
        let p = platform();
        let mut other = p.clone();
        other.hidden_apps = BTreeSet::new();
        other.max_storage_gb = 500;
        let none = StudioAdditions::default();
        let user = domain_user_settings("arn:role", "sg-1", &other, &none);
        let diffs = user_settings_differences(Some(&user), &p, &none);
        assert_eq!(
            diffs,
            [
                "hidden apps are none; apply sets Canvas, RStudioServerPro",
                "default user space storage is 5 GB (at most 500 GB); apply sets 5 GB (at most 100 GB)"
            ]
        );
    }
}
