//! Unit tests of the environment spec: validation paths, default slices, replacement.

use super::*;
use crate::spec::{AttrPath, StudioAppType};

fn quickstart() -> EnvironmentSpec {
    EnvironmentSpec::quickstart_example()
}

fn errors_of(spec: &EnvironmentSpec) -> Vec<(String, String)> {
    spec.validate()
        .err()
        .map(|e| {
            e.0.into_iter()
                .map(|e| (e.path.to_string(), e.summary))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_error(spec: EnvironmentSpec, path: &str) {
    let errors = errors_of(&spec);
    assert!(
        errors.iter().any(|(p, _)| p == path),
        "expected an error at {path}, got {errors:?}"
    );
}

#[test]
fn the_quickstart_is_valid_and_slices_the_reference_layout() {
    let spec = quickstart();
    assert_eq!(errors_of(&spec), vec![]);
    let subnets = spec.resolved_subnets();
    let private: Vec<String> = subnets.private.iter().map(|c| c.to_string()).collect();
    assert_eq!(private, vec!["10.0.0.0/19", "10.0.32.0/19"]);
    assert!(subnets.public.is_empty(), "no NAT, no public subnets");
    let mut with_nat = spec.clone();
    with_nat.network.create_nat_gateways = true;
    let public: Vec<String> = with_nat
        .resolved_subnets()
        .public
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(public, vec!["10.0.128.0/20", "10.0.144.0/20"]);
    assert_eq!(
        spec.interface_endpoints().len(),
        DEFAULT_INTERFACE_ENDPOINTS.len()
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut spec = quickstart();
    spec.name = "Team_A".into();
    spec.network.vpc_cidr = Some("10.0.0.0/33".into());
    spec.storage.data_bucket_name = Some("x".into());
    let errors = errors_of(&spec);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        vec!["name", "network.vpc_cidr", "storage.data_bucket_name"]
    );
}

#[test]
fn invalid_inputs_name_their_attribute_path() {
    fn zone(spec: &mut EnvironmentSpec, i: usize, name: &str) {
        if let Some(zones) = &mut spec.network.availability_zones {
            zones[i] = name.into();
        }
    }
    type Change = Box<dyn Fn(&mut EnvironmentSpec)>;
    let cases: Vec<(&str, Change)> = vec![
        ("name", Box::new(|s| s.name = "1team".into())),
        (
            "name",
            Box::new(|s| s.name = "a-very-long-team-name-x".into()),
        ),
        (
            "tags[\"aws:owner\"]",
            Box::new(|s| {
                s.tags.insert("aws:owner".into(), "x".into());
            }),
        ),
        (
            "network.vpc_id",
            Box::new(|s| s.network.vpc_id = Some("vpc-xyz".into())),
        ),
        (
            "network.availability_zones",
            Box::new(|s| s.network.availability_zones = Some(vec![])),
        ),
        (
            "network.availability_zones",
            Box::new(|s| {
                s.network.availability_zones = Some(
                    ["a", "b", "c", "d", "e"]
                        .iter()
                        .map(|z| format!("eu-west-1{z}"))
                        .collect(),
                )
            }),
        ),
        (
            "network.availability_zones[1]",
            Box::new(|s| zone(s, 1, "eu-west-1a")),
        ),
        (
            "network.availability_zones[1]",
            Box::new(|s| zone(s, 1, "us-east-1b")),
        ),
        (
            "network.availability_zones[0]",
            Box::new(|s| zone(s, 0, "europe")),
        ),
        (
            "network.vpc_cidr",
            Box::new(|s| s.network.vpc_cidr = Some("10.0.0.1/16".into())),
        ),
        (
            "network.vpc_cidr",
            Box::new(|s| s.network.vpc_cidr = Some("10.0.0.0/26".into())),
        ),
        (
            "network.private_subnet_cidrs",
            Box::new(|s| s.network.private_subnet_cidrs = Some(vec!["10.0.0.0/19".into()])),
        ),
        (
            "network.private_subnet_cidrs[1]",
            Box::new(|s| {
                s.network.private_subnet_cidrs =
                    Some(vec!["10.0.0.0/19".into(), "10.1.0.0/19".into()])
            }),
        ),
        (
            "network.private_subnet_cidrs[1]",
            Box::new(|s| {
                s.network.private_subnet_cidrs =
                    Some(vec!["10.0.0.0/19".into(), "10.0.16.0/20".into()])
            }),
        ),
        (
            "network.private_subnet_cidrs[0]",
            Box::new(|s| {
                s.network.private_subnet_cidrs =
                    Some(vec!["10.0.0.0/12".into(), "10.0.32.0/19".into()])
            }),
        ),
        (
            "network.private_subnet_cidrs",
            Box::new(|s| {
                s.network.vpc_id = Some("vpc-0123456789abcdef0".into());
                s.network.existing_private_subnet_ids = Some(vec![
                    "subnet-0123456789abcdef0".into(),
                    "subnet-0123456789abcdef1".into(),
                ]);
                s.network.private_subnet_cidrs =
                    Some(vec!["10.0.0.0/19".into(), "10.0.32.0/19".into()]);
            }),
        ),
        (
            "network.existing_private_subnet_ids",
            Box::new(|s| {
                s.network.existing_private_subnet_ids = Some(vec![
                    "subnet-0123456789abcdef0".into(),
                    "subnet-0123456789abcdef1".into(),
                ]);
            }),
        ),
        (
            "network.existing_private_subnet_ids[1]",
            Box::new(|s| {
                s.network.vpc_id = Some("vpc-0123456789abcdef0".into());
                s.network.existing_private_subnet_ids =
                    Some(vec!["subnet-0123456789abcdef0".into(), "sn-1".into()]);
            }),
        ),
        (
            "network.public_subnet_cidrs",
            Box::new(|s| {
                s.network.public_subnet_cidrs =
                    Some(vec!["10.0.128.0/20".into(), "10.0.144.0/20".into()])
            }),
        ),
        (
            "network.public_subnet_cidrs[0]",
            Box::new(|s| {
                s.network.create_nat_gateways = true;
                s.network.public_subnet_cidrs =
                    Some(vec!["10.0.0.0/20".into(), "10.0.144.0/20".into()]);
            }),
        ),
        (
            "network.interface_endpoints",
            Box::new(|s| {
                s.network.interface_endpoints =
                    Some(["com.amazonaws.eu-west-1.sts ".to_string()].into())
            }),
        ),
        (
            "network.existing_s3_endpoint_id",
            Box::new(|s| s.network.existing_s3_endpoint_id = Some("vpce-0123456789abcdef0".into())),
        ),
        (
            "network.flow_logs.retention_days",
            Box::new(|s| s.network.flow_logs.retention_days = 10),
        ),
        (
            "iam.execution_role_arn",
            Box::new(|s| {
                s.iam.execution_role_arn = Some("arn:aws:iam::123456789012:user/x".into())
            }),
        ),
        (
            "iam.permissions_boundary_arn",
            Box::new(|s| {
                s.iam.permissions_boundary_arn =
                    Some("arn:aws:iam::123456789012:role/boundary".into())
            }),
        ),
        (
            "storage.data_bucket_name",
            Box::new(|s| s.storage.data_bucket_name = Some("My_Bucket".into())),
        ),
        (
            "storage.model_bucket_name",
            Box::new(|s| {
                s.storage.data_bucket_name = Some("team-a-data".into());
                s.storage.model_bucket_name = Some("team-a-data".into());
            }),
        ),
        (
            "guardrails.allowed_instance_types[0]",
            Box::new(|s| s.guardrails.allowed_instance_types = vec!["m5.xlarge".into()]),
        ),
    ];
    assert!(cases.len() >= 12);
    for (path, change) in cases {
        let mut spec = quickstart();
        change(&mut spec);
        assert_error(spec, path);
    }
}

#[test]
fn bring_your_own_vpc_with_existing_subnets_is_valid() {
    let spec = EnvironmentSpec::byo_example();
    assert_eq!(errors_of(&spec), vec![]);
    assert!(spec.resolved_subnets().private.is_empty());
}

#[test]
fn bucket_names_follow_s3_rules() {
    assert_eq!(
        bucket_name_problem("team-a-dev-eu-west-1-123456789012-models"),
        None
    );
    for bad in [
        "ab",
        "-abc",
        "abc-",
        "a..b",
        "192.168.1.1",
        "xn--abc",
        "abc-s3alias",
        "ABC",
    ] {
        assert!(bucket_name_problem(bad).is_some(), "{bad}");
    }
    let longest = format!(
        "{}-prod-ap-southeast-4-123456789012-models",
        "a".repeat(MAX_NAME_LEN)
    );
    assert_eq!(
        bucket_name_problem(&longest),
        None,
        "the longest name still makes a valid bucket"
    );
}

#[test]
fn studio_settings_are_checked_on_their_paths() {
    let mut spec = EnvironmentSpec::quickstart_example();
    let profile = UserProfileSpec {
        persona: ProfilePersona::DATA_SCIENTIST,
        sso_user_name: None,
        idle_minutes: None,
        default_lifecycle_config: None,
    };
    spec.studio = StudioSpec {
        enabled: true,
        domain_name: Some("-bad".into()),
        user_profiles: [("bob_x".to_string(), profile.clone())].into(),
        ..Default::default()
    };
    let errors = spec.validate().unwrap_err();
    let paths: Vec<String> = errors.0.iter().map(|e| e.path.to_string()).collect();
    assert_eq!(
        paths,
        ["studio.domain_name", "studio.user_profile[\"bob_x\"]"]
    );
    spec.studio = StudioSpec {
        user_profiles: [("carol".to_string(), profile)].into(),
        ..Default::default()
    };
    let errors = spec.validate().unwrap_err();
    assert_eq!(errors.0[0].path.to_string(), "studio.enabled");
}

#[test]
fn a_team_portfolio_needs_studio() {
    let mut spec = quickstart();
    spec.studio.team_portfolio = true;
    let errors = spec.validate().unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].path.to_string(), "studio.team_portfolio");
    spec.studio.enabled = true;
    assert_eq!(errors_of(&spec), vec![]);
}

#[test]
fn studio_platform_settings_are_checked_on_their_paths() {
    let mut spec = quickstart();
    spec.studio.enabled = true;
    assert_eq!(errors_of(&spec), vec![], "the defaults are valid");
    spec.studio.idle_shutdown.idle_minutes = 59;
    spec.studio.default_space.storage_gb = 200;
    spec.studio.default_space.max_storage_gb = 20_000;
    spec.studio.hidden_apps.insert("Notebook".into());
    spec.studio.user_profiles.insert(
        "bob".into(),
        UserProfileSpec {
            persona: ProfilePersona::DATA_SCIENTIST,
            sso_user_name: None,
            idle_minutes: Some(525_601),
            default_lifecycle_config: None,
        },
    );
    let paths: Vec<String> = errors_of(&spec).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "studio.idle_shutdown.idle_minutes",
            "studio.default_space.max_storage_gb",
            "studio.hidden_apps",
            "studio.user_profile[\"bob\"].idle_minutes",
        ]
    );
    spec.studio.default_space.max_storage_gb = 100;
    assert!(errors_of(&spec)
        .iter()
        .any(|(p, m)| p == "studio.default_space.storage_gb" && m == "Storage Above Its Maximum"));
    spec = quickstart();
    spec.studio.enabled = true;
    spec.studio.idle_shutdown.enabled = false;
    spec.studio.user_profiles.insert(
        "bob".into(),
        UserProfileSpec {
            persona: ProfilePersona::DATA_SCIENTIST,
            sso_user_name: None,
            idle_minutes: Some(120),
            default_lifecycle_config: None,
        },
    );
    assert_error(spec, "studio.user_profile[\"bob\"].idle_minutes");
}

#[test]
fn lifecycle_configs_are_checked_and_named_by_their_script() {
    let mut spec = quickstart();
    spec.studio.enabled = true;
    let script = |content: &str, default: bool| LifecycleConfigSpec {
        app_type: StudioAppType::JupyterLab,
        content: content.to_string(),
        default,
    };
    spec.studio.lifecycle_configs = [
        ("pip".to_string(), script("echo a", true)),
        ("tools".to_string(), script("echo b", true)),
        ("empty".to_string(), script("  ", false)),
        (
            "big".to_string(),
            script(&"x".repeat(MAX_LIFECYCLE_CONFIG_BYTES + 1), false),
        ),
        (format!("n{}", "x".repeat(50)), script("echo c", false)),
    ]
    .into();
    let errors = errors_of(&spec);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "studio.lifecycle_config[\"big\"].content",
            "studio.lifecycle_config[\"empty\"].content",
            &format!("studio.lifecycle_config[\"n{}\"]", "x".repeat(50)),
            "studio.lifecycle_config[\"tools\"].default",
        ]
    );
    spec.studio.lifecycle_configs = [("pip".to_string(), script("echo a", true))].into();
    spec.studio.user_profiles.insert(
        "bob".into(),
        UserProfileSpec {
            persona: ProfilePersona::DATA_SCIENTIST,
            sso_user_name: None,
            idle_minutes: None,
            default_lifecycle_config: Some("tools".into()),
        },
    );
    assert_error(
        spec,
        "studio.user_profile[\"bob\"].default_lifecycle_config",
    );
    let a = script("echo a", true);
    assert_eq!(
        a.version(),
        script("echo a", false).version(),
        "default is not the script"
    );
    assert_ne!(a.version(), script("echo b", true).version());
    assert_eq!(
        a.aws_name("team-a-dev", "pip"),
        format!("team-a-dev-pip-{}", a.version())
    );
}

#[test]
fn custom_images_come_from_ecr_and_run_as_the_non_root_user() {
    assert_eq!(
        ecr_image_account_region("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/lab:v1"),
        Some(("123456789012", "eu-west-1"))
    );
    let digest = format!(
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/lab@sha256:{}",
        "a".repeat(64)
    );
    assert_eq!(
        ecr_image_account_region(&digest),
        Some(("123456789012", "cn-north-1"))
    );
    for bad in [
        "docker.io/library/python:3",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/lab",
        "12345.dkr.ecr.eu-west-1.amazonaws.com/lab:1",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Lab:1",
    ] {
        assert_eq!(ecr_image_account_region(bad), None, "{bad}");
    }
    let mut spec = quickstart();
    spec.studio.enabled = true;
    spec.studio.custom_images.insert(
        "lab".into(),
        CustomImageSpec {
            ecr_image_uri: "docker.io/library/python:3".into(),
            app_type: StudioAppType::JupyterLab,
            uid: 0,
            gid: IMAGE_GID,
            mount_path: "home".into(),
        },
    );
    let paths: Vec<String> = errors_of(&spec).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "studio.custom_image[\"lab\"].ecr_image_uri",
            "studio.custom_image[\"lab\"].uid",
            "studio.custom_image[\"lab\"].mount_path",
        ]
    );
}

#[test]
fn zones_not_yet_known_defer_the_checks_that_need_them() {
    let mut spec = quickstart();
    spec.network.availability_zones = None;
    spec.network.private_subnet_cidrs = Some(vec!["10.0.0.0/19".into()]);
    assert_eq!(
        errors_of(&spec),
        vec![],
        "one CIDR may match the default zones"
    );
    spec.network.availability_zones = Some(vec!["eu-west-1a".into(), "eu-west-1b".into()]);
    assert_error(spec, "network.private_subnet_cidrs");
}

#[test]
fn replacement_is_the_id_and_the_vpc_layout() {
    let base = quickstart();
    let paths = |new: &EnvironmentSpec| -> Vec<String> {
        new.replacing_changes(&base)
            .iter()
            .map(AttrPath::to_string)
            .collect()
    };
    let mut same_layout = base.clone();
    same_layout.network.vpc_cidr = Some(DEFAULT_VPC_CIDR.into());
    same_layout.network.create_nat_gateways = true;
    same_layout.network.interface_endpoints = Some(["sts".to_string()].into());
    same_layout.studio.enabled = true;
    assert_eq!(paths(&same_layout), Vec::<String>::new());

    let mut cidr = base.clone();
    cidr.network.vpc_cidr = Some("10.9.0.0/16".into());
    assert_eq!(
        paths(&cidr),
        ["network.vpc_cidr", "network.private_subnet_cidrs"]
    );
    let mut zones = base.clone();
    zones.network.availability_zones = Some(vec!["eu-west-1a".into(), "eu-west-1c".into()]);
    assert_eq!(paths(&zones), ["network.availability_zones"]);
    let mut renamed = base.clone();
    renamed.name = "team-b".into();
    renamed.stage = Stage::Prod;
    assert_eq!(paths(&renamed), ["name", "stage"]);

    // With existing subnets the zones follow the subnets.
    let byo = EnvironmentSpec::byo_example();
    let mut byo_zones = byo.clone();
    byo_zones.network.availability_zones = Some(vec!["eu-west-1c".into(), "eu-west-1d".into()]);
    assert!(byo_zones.replacing_changes(&byo).is_empty());
}

#[test]
fn sso_profiles_name_their_identity_center_user_and_iam_profiles_do_not() {
    let mut spec = EnvironmentSpec::quickstart_example();
    let profile = |user: Option<&str>| UserProfileSpec {
        persona: ProfilePersona::DATA_SCIENTIST,
        sso_user_name: user.map(String::from),
        idle_minutes: None,
        default_lifecycle_config: None,
    };
    spec.studio.enabled = true;
    spec.studio.auth_mode = AuthMode::Sso;
    spec.studio.user_profiles = [
        ("alice".to_string(), profile(Some("alice@example.com"))),
        ("bob".to_string(), profile(None)),
        ("carol".to_string(), profile(Some(""))),
    ]
    .into();
    let errors = spec.validate().unwrap_err();
    let found: Vec<(String, String)> = errors
        .0
        .iter()
        .map(|e| (e.path.to_string(), e.summary.to_string()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "studio.user_profile[\"bob\"].sso_user_name".to_string(),
                "Missing IAM Identity Center User".to_string()
            ),
            (
                "studio.user_profile[\"carol\"].sso_user_name".to_string(),
                "Invalid IAM Identity Center User".to_string()
            ),
        ]
    );
    spec.studio.auth_mode = AuthMode::Iam;
    spec.studio.user_profiles = [("alice".to_string(), profile(Some("alice")))].into();
    let errors = spec.validate().unwrap_err();
    assert_eq!(
        errors.0[0].path.to_string(),
        "studio.user_profile[\"alice\"].sso_user_name"
    );
    spec.studio.user_profiles = [("alice".to_string(), profile(None))].into();
    assert_eq!(spec.validate(), Ok(()));
}
