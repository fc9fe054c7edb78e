//! Who a Studio profile belongs to, end to end against the emulator (which answers
//! `CreateUserProfile` as SageMaker does: a profile of an IAM Identity Center domain must name its
//! user, a profile of an IAM domain must not).

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance::{iam_document, Emulator, REGION};
use secure_mlops_core::engine::Ledger;
use secure_mlops_core::environment;
use secure_mlops_core::spec::{
    AuthMode, EfsRetention, EnvironmentSpec, NetworkSpec, ProfilePersona, Stage, StorageSpec,
    StudioSpec, UserProfileSpec,
};
use secure_mlops_core::wait::Deadline;

fn sso_spec(user: &str) -> EnvironmentSpec {
    EnvironmentSpec {
        name: "sso".into(),
        stage: Stage::Dev,
        tags: BTreeMap::new(),
        network: NetworkSpec {
            availability_zones: Some(vec![format!("{REGION}a"), format!("{REGION}b")]),
            ..Default::default()
        },
        iam: Default::default(),
        storage: StorageSpec {
            force_destroy: true,
            ..Default::default()
        },
        guardrails: Default::default(),
        studio: StudioSpec {
            enabled: true,
            auth_mode: AuthMode::Sso,
            efs_retention: EfsRetention::Delete,
            user_profiles: BTreeMap::from([(
                "alice".to_string(),
                UserProfileSpec {
                    persona: ProfilePersona::DATA_SCIENTIST,
                    sso_user_name: Some(user.to_string()),
                    idle_minutes: None,
                    default_lifecycle_config: None,
                },
            )]),
            ..Default::default()
        },
    }
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(300))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identity_center_profile_names_its_user_and_another_user_is_another_profile() {
    let emulator = Emulator::start();
    emulator.set_config(r#"{"studio_delay_seconds": 0.05}"#);
    let clients = emulator.clients().await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    let before = emulator.environment_counts();

    let spec = sso_spec("alice@example.com");
    spec.validate()
        .unwrap_or_else(|e| panic!("the spec is valid: {e}"));
    let (ledger, _) = environment::apply(&clients, &spec, Ledger::default(), deadline())
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let domain_id = ledger
        .get("studio-domain")
        .map(|r| r.physical_id.clone())
        .unwrap_or_else(|| panic!("no domain recorded"));
    let profile = |ledger: &Ledger| {
        let sagemaker = sagemaker.clone();
        let domain_id = domain_id.clone();
        let arn = ledger
            .get("studio-user-alice")
            .and_then(|r| r.arn.clone())
            .unwrap_or_else(|| panic!("no profile recorded"));
        async move {
            let out = sagemaker
                .describe_user_profile()
                .domain_id(domain_id)
                .user_profile_name("alice")
                .send()
                .await
                .unwrap_or_else(|e| panic!("DescribeUserProfile: {e:?}"));
            (
                arn,
                out.single_sign_on_user_identifier().map(String::from),
                out.single_sign_on_user_value().map(String::from),
            )
        }
    };
    let (first_arn, identifier, value) = profile(&ledger).await;
    assert_eq!(identifier.as_deref(), Some("UserName"));
    assert_eq!(value.as_deref(), Some("alice@example.com"));

    // Applying again changes nothing.
    let (ledger, _) = environment::apply(&clients, &spec, ledger, deadline())
        .await
        .unwrap_or_else(|e| panic!("second apply: {e}"));
    assert_eq!(profile(&ledger).await.0, first_arn);

    // SageMaker cannot move a profile to another user: the engine makes it again.
    let spec = sso_spec("alice.smith@example.com");
    let (ledger, _) = environment::apply(&clients, &spec, ledger, deadline())
        .await
        .unwrap_or_else(|e| panic!("apply with another user: {e}"));
    let (_, _, value) = profile(&ledger).await;
    assert_eq!(value.as_deref(), Some("alice.smith@example.com"));
    assert_eq!(emulator.inventory_of("sagemaker:user_profile").len(), 1);

    environment::destroy(&clients, &spec, ledger, deadline())
        .await
        .unwrap_or_else(|e| panic!("destroy: {e}"));
    assert_eq!(emulator.environment_counts(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn people_roles_trust_the_named_principals_and_open_studio_only_from_the_vpc_or_ranges() {
    let emulator = Emulator::start();
    emulator.set_config(r#"{"studio_delay_seconds": 0.05}"#);
    let clients = emulator.clients().await;
    let iam = aws_sdk_iam::Client::new(&emulator.sdk_config().await);
    let before = emulator.environment_counts();
    let trusted = "arn:aws:iam::123456789012:root";

    let mut spec = sso_spec("alice@example.com");
    spec.name = "gated".into();
    spec.studio.auth_mode = AuthMode::Iam;
    for profile in spec.studio.user_profiles.values_mut() {
        profile.sso_user_name = None;
    }
    spec.iam.trusted_principal_arns = [trusted.to_string()].into();
    spec.studio.access.source_vpc_endpoint_only = true;
    spec.studio.access.allowed_source_cidrs = ["203.0.113.0/24".to_string()].into();
    spec.validate()
        .unwrap_or_else(|e| panic!("the spec is valid: {e}"));
    let (ledger, _) = environment::apply(&clients, &spec, Ledger::default(), deadline())
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let vpc_id = ledger
        .get("vpc")
        .map(|r| r.physical_id.clone())
        .unwrap_or_else(|| panic!("no VPC recorded"));

    let document = iam_document;
    for role in ["gated-dev-data-scientist", "gated-dev-team-admin"] {
        let got = iam
            .get_role()
            .role_name(role)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetRole {role}: {e:?}"));
        let trust = document(
            got.role()
                .and_then(|r| r.assume_role_policy_document())
                .unwrap_or_default(),
        );
        let people = trust["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["Sid"] == "AllowAssumeRoleFromAccount")
            .unwrap_or_else(|| panic!("{role}: no people statement in {trust}"));
        assert_eq!(people["Principal"]["AWS"], trusted, "{role}");
        let inline = iam
            .get_role_policy()
            .role_name(role)
            .policy_name("secure-mlops-permissions")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetRolePolicy {role}: {e:?}"));
        let permissions = document(inline.policy_document());
        let deny = permissions["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["Sid"] == "DenyStudioSignInFromElsewhere")
            .unwrap_or_else(|| panic!("{role}: no sign-in deny in {permissions}"));
        assert_eq!(
            deny["Condition"]["StringNotEquals"]["aws:SourceVpc"],
            vpc_id.as_str()
        );
        assert_eq!(
            deny["Condition"]["NotIpAddress"]["aws:SourceIp"],
            serde_json::json!(["203.0.113.0/24"])
        );
    }
    // The roles keep Studio in this environment's domain.
    let domain_id = ledger
        .get("studio-domain")
        .map(|r| r.physical_id.clone())
        .unwrap_or_else(|| panic!("no domain recorded"));
    for role in [
        "gated-dev-data-scientist",
        "gated-dev-team-admin",
        "gated-dev-execution",
    ] {
        let scope = iam
            .get_role_policy()
            .role_name(role)
            .policy_name("secure-mlops-studio-scope")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetRolePolicy scope {role}: {e:?}"));
        let scope = iam_document(scope.policy_document());
        assert_eq!(
            scope["Statement"][0]["NotResource"][0],
            format!("arn:aws:sagemaker:{REGION}:123456789012:user-profile/{domain_id}/*"),
            "{role}"
        );
    }
    // What was written is what the engine reads back: no drift.
    let drift = environment::drift(&clients, &spec, &ledger)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert!(drift.is_empty(), "{drift:?}");

    // Lifting the limits is an update in place of the roles' policies.
    spec.studio.access = Default::default();
    let (ledger, _) = environment::apply(&clients, &spec, ledger, deadline())
        .await
        .unwrap_or_else(|e| panic!("apply without limits: {e}"));
    let inline = iam
        .get_role_policy()
        .role_name("gated-dev-data-scientist")
        .policy_name("secure-mlops-permissions")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetRolePolicy: {e:?}"));
    assert!(!iam_document(inline.policy_document())
        .to_string()
        .contains("DenyStudioSignInFromElsewhere"));

    environment::destroy(&clients, &spec, ledger, deadline())
        .await
        .unwrap_or_else(|e| panic!("destroy: {e}"));
    assert_eq!(emulator.environment_counts(), before);
}
