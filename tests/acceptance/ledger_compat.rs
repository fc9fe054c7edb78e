//! A ledger written by an earlier version (tests/fixtures/ledger-v0.1.0.json: NAT, Studio with
//! two profiles, flow logs, a brought launch role) loads without loss, names only kinds this
//! version knows, has the shape this version writes, and destroys what it records.

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance::{repo_root, Emulator, ACCOUNT_ID, REGION};
use secure_mlops_core::engine::{Ledger, Record};
use secure_mlops_core::environment;
use secure_mlops_core::ids::RecordKind;
use secure_mlops_core::spec::{
    EnvironmentSpec, NetworkSpec, ProfilePersona, Stage, StorageSpec, UserProfileSpec,
};
use secure_mlops_core::wait::Deadline;
use serde_json::Value;

const BROUGHT_ROLE: &str = "given-launch";

/// The spec the fixture was written for.
fn spec() -> EnvironmentSpec {
    let mut spec = EnvironmentSpec {
        name: "quick".into(),
        stage: Stage::Dev,
        tags: BTreeMap::from([("team".to_string(), "quick".to_string())]),
        network: NetworkSpec {
            availability_zones: Some(vec![format!("{REGION}a"), format!("{REGION}b")]),
            create_nat_gateways: true,
            ..Default::default()
        },
        iam: Default::default(),
        storage: StorageSpec {
            force_destroy: true,
            ..Default::default()
        },
        guardrails: Default::default(),
        studio: Default::default(),
    };
    spec.studio.enabled = true;
    for (name, persona) in [
        ("alice", ProfilePersona::DATA_SCIENTIST),
        ("bob", ProfilePersona::TEAM_ADMIN),
    ] {
        spec.studio.user_profiles.insert(
            name.into(),
            UserProfileSpec {
                persona,
                sso_user_name: None,
                idle_minutes: None,
                default_lifecycle_config: None,
            },
        );
    }
    spec.iam.sc_launch_role_arn = Some(format!("arn:aws:iam::{ACCOUNT_ID}:role/{BROUGHT_ROLE}"));
    spec
}

fn fixture() -> Value {
    let path = repo_root().join("tests/fixtures/ledger-v0.1.0.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture is not JSON: {e}"))
}

/// The attribute keys and dependencies of each record: the shape, without AWS's ids.
/// Each record's kind and attribute names. Dependencies are compared apart (`dependencies`): a
/// later graph may add some.
fn shape(ledger: &Value) -> BTreeMap<String, (Value, Vec<String>)> {
    ledger["records"]
        .as_object()
        .unwrap_or_else(|| panic!("no records in {ledger}"))
        .iter()
        .map(|(id, r)| {
            let keys: Vec<String> = r["attributes"]
                .as_object()
                .map(|a| a.keys().cloned().collect())
                .unwrap_or_default();
            (id.clone(), (r["kind"].clone(), keys))
        })
        .collect()
}

/// Each record's dependencies.
fn dependencies(ledger: &Value) -> BTreeMap<String, Vec<String>> {
    ledger["records"]
        .as_object()
        .unwrap_or_else(|| panic!("no records in {ledger}"))
        .iter()
        .map(|(id, r)| {
            let deps = r["depends_on"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|d| d.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            (id.clone(), deps)
        })
        .collect()
}

#[test]
fn an_old_ledger_loads_without_loss_and_names_only_known_kinds() {
    let old = fixture();
    let ledger: Ledger = serde_json::from_value(old.clone())
        .unwrap_or_else(|e| panic!("the 0.1.0 ledger does not load: {e}"));
    assert_eq!(ledger.len(), 49);
    for (id, record) in ledger.iter() {
        assert!(
            !matches!(record.kind, RecordKind::Unknown(_)),
            "{id}: kind {} is unknown to this version",
            record.kind
        );
    }
    let again = serde_json::to_value(&ledger).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, old, "loading and saving changed the ledger");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_ledger_has_the_shape_this_version_writes_and_destroys_cleanly() {
    let emulator = Emulator::start();
    emulator.set_config(r#"{"studio_delay_seconds": 0.05}"#);
    let clients = emulator.clients().await;
    let iam = aws_sdk_iam::Client::new(&emulator.sdk_config().await);
    iam.create_role()
        .role_name(BROUGHT_ROLE)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"));
    let before = emulator.environment_counts();
    let deadline = Deadline::after(Duration::from_secs(300));

    let (ledger, _) = environment::apply(&clients, &spec(), Ledger::default(), deadline)
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let written = serde_json::to_value(&ledger).unwrap_or_else(|e| panic!("{e}"));
    let old = fixture();
    // Since 0.1.0 the environment also creates its roles' permissions boundary (when the spec
    // names none); each role it creates depends on it (an added dependency, checked below).
    let mut shape_now = shape(&written);
    assert!(
        shape_now.remove("policy-boundary").is_some(),
        "no boundary recorded"
    );
    // And, once the domain exists, the studio scope on the people and execution roles.
    assert!(
        shape_now.remove("policy-studio-scope").is_some(),
        "no studio scope recorded"
    );
    // And the package repository (studio.packages, on by default): its domain, repository,
    // endpoints and the setup each app type runs.
    let packages: Vec<String> = shape_now
        .keys()
        .filter(|id| {
            id.starts_with("package-")
                || id.starts_with("endpoint-codeartifact-")
                || id.starts_with("studio-lifecycle-config-packages-")
        })
        .cloned()
        .collect();
    assert_eq!(packages.len(), 6, "{packages:?}");
    for id in &packages {
        shape_now.remove(id);
    }
    assert_eq!(
        shape_now,
        shape(&old),
        "this version records children differently from 0.1.0"
    );
    // A later graph may add dependencies (the guardrails now name the subnets, group and keys),
    // never drop one a 0.1.0 ledger relies on to delete in order.
    let now = dependencies(&written);
    for (id, deps) in dependencies(&old) {
        for dep in deps {
            assert!(
                now[&id].contains(&dep),
                "{id} no longer depends on {dep}: {:?}",
                now[&id]
            );
        }
    }

    // The old ledger with this emulator's ids: what a user upgrading holds in their state.
    let mut upgraded = old.clone();
    for (id, record) in upgraded["records"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("no records"))
    {
        let now = &written["records"][id];
        let record = record
            .as_object_mut()
            .unwrap_or_else(|| panic!("{id} is not an object"));
        for field in ["physical_id", "arn", "attributes"] {
            match now.get(field) {
                Some(value) => record.insert(field.to_string(), value.clone()),
                None => record.remove(field),
            };
        }
    }
    // What the first apply of this version adds to a 0.1.0 environment: its boundary.
    upgraded["records"]["policy-boundary"] = written["records"]["policy-boundary"].clone();
    upgraded["records"]["policy-studio-scope"] = written["records"]["policy-studio-scope"].clone();
    // And the package repository.
    for id in &packages {
        upgraded["records"][id] = written["records"][id].clone();
    }
    let upgraded: Ledger =
        serde_json::from_value(upgraded).unwrap_or_else(|e| panic!("upgraded ledger: {e}"));
    let destroyed = environment::destroy(&clients, &spec(), upgraded, deadline)
        .await
        .unwrap_or_else(|e| panic!("destroy from the 0.1.0 ledger: {e}"));
    // What is left: the brought role (never deleted) and the home file system (Retain).
    assert!(destroyed.kept_file_system.is_some());
    assert_eq!(emulator.environment_counts(), before);
    assert_eq!(emulator.inventory_of("efs:file_system").len(), 1);
}

/// Turns an environment this version made into what versions before the `/secure-mlops/` path
/// left: every role it created deleted and made again at `/` (same trust, tags and inline
/// policies, no boundary), the guardrail policy at `/` attached to them, the domain, the user
/// profiles and the keys naming the roles by their old ARNs, and a ledger recording old ARNs.
async fn downgrade_to_root_path(emulator: &Emulator, ledger: &Ledger) -> Ledger {
    let config = emulator.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let sagemaker = aws_sdk_sagemaker::Client::new(&config);
    let kms = aws_sdk_kms::Client::new(&config);
    let old = |arn: &str| {
        arn.replace(":role/secure-mlops/", ":role/")
            .replace(":policy/secure-mlops/", ":policy/")
    };

    let guardrails = ledger
        .iter()
        .find(|(_, r)| r.kind == RecordKind::GuardrailPolicy)
        .map(|(_, r)| r.physical_id.clone())
        .unwrap_or_else(|| panic!("no guardrail policy"));
    let policy = iam.get_policy().policy_arn(&guardrails).send().await;
    let policy = policy.unwrap_or_else(|e| panic!("GetPolicy: {e:?}"));
    let policy = policy.policy().unwrap_or_else(|| panic!("no policy"));
    let version = iam
        .get_policy_version()
        .policy_arn(&guardrails)
        .version_id(policy.default_version_id().unwrap_or("v1"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetPolicyVersion: {e:?}"));
    let document = version
        .policy_version()
        .and_then(|v| v.document())
        .map(acceptance::iam_document_text)
        .unwrap_or_else(|| panic!("no document"));
    let policy_tags = iam
        .list_policy_tags()
        .policy_arn(&guardrails)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListPolicyTags: {e:?}"))
        .tags()
        .to_vec();
    let guarded: Vec<String> = iam
        .list_entities_for_policy()
        .policy_arn(&guardrails)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListEntitiesForPolicy: {e:?}"))
        .policy_roles()
        .iter()
        .filter_map(|r| r.role_name().map(str::to_string))
        .collect();
    for role in &guarded {
        iam.detach_role_policy()
            .role_name(role)
            .policy_arn(&guardrails)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DetachRolePolicy: {e:?}"));
    }
    iam.delete_policy()
        .policy_arn(&guardrails)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeletePolicy: {e:?}"));

    for (_, record) in ledger.iter() {
        if !matches!(record.kind, RecordKind::Role | RecordKind::FlowLogRole) {
            continue;
        }
        let name = record.physical_id.as_str();
        let got = iam.get_role().role_name(name).send().await;
        let got = got.unwrap_or_else(|e| panic!("GetRole {name}: {e:?}"));
        let role = got.role().unwrap_or_else(|| panic!("no role {name}"));
        assert_eq!(role.path(), "/secure-mlops/", "{name}");
        let trust =
            acceptance::iam_document_text(role.assume_role_policy_document().unwrap_or_default());
        let tags = role.tags().to_vec();
        let mut inline = Vec::new();
        let names = iam.list_role_policies().role_name(name).send().await;
        for policy in names.unwrap_or_else(|e| panic!("{e:?}")).policy_names() {
            let doc = iam
                .get_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GetRolePolicy: {e:?}"));
            inline.push((
                policy.clone(),
                acceptance::iam_document_text(doc.policy_document()),
            ));
            iam.delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .unwrap_or_else(|e| panic!("DeleteRolePolicy: {e:?}"));
        }
        iam.delete_role()
            .role_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteRole {name}: {e:?}"));
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateRole {name} at /: {e:?}"));
        for (policy, doc) in inline {
            iam.put_role_policy()
                .role_name(name)
                .policy_name(policy)
                .policy_document(old(&doc))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutRolePolicy: {e:?}"));
        }
    }

    let name = guardrails.rsplit('/').next().unwrap_or_default();
    iam.create_policy()
        .policy_name(name)
        .policy_document(document)
        .set_tags(Some(policy_tags))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePolicy at /: {e:?}"));
    for role in &guarded {
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(old(&guardrails))
            .send()
            .await
            .unwrap_or_else(|e| panic!("AttachRolePolicy: {e:?}"));
    }

    for (_, record) in ledger.iter() {
        match record.kind {
            RecordKind::KmsKey => {
                let key = record.physical_id.as_str();
                let got = kms
                    .get_key_policy()
                    .key_id(key)
                    .policy_name("default")
                    .send()
                    .await;
                let text = got.unwrap_or_else(|e| panic!("GetKeyPolicy: {e:?}"));
                kms.put_key_policy()
                    .key_id(key)
                    .policy_name("default")
                    .policy(old(text.policy().unwrap_or_default()))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("PutKeyPolicy: {e:?}"));
            }
            RecordKind::StudioDomain => {
                let domain = record.physical_id.as_str();
                let got = sagemaker.describe_domain().domain_id(domain).send().await;
                let got = got.unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
                let role = got
                    .default_user_settings()
                    .and_then(|s| s.execution_role())
                    .unwrap_or_else(|| panic!("no execution role"));
                sagemaker
                    .update_domain()
                    .domain_id(domain)
                    .default_user_settings(
                        aws_sdk_sagemaker::types::UserSettings::builder()
                            .execution_role(old(role))
                            .set_security_groups(
                                got.default_user_settings()
                                    .map(|s| s.security_groups().to_vec()),
                            )
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("UpdateDomain: {e:?}"));
            }
            RecordKind::StudioUserProfile => {
                let domain = record.attributes["domain_id"].as_str();
                let profile = record.physical_id.as_str();
                let got = sagemaker
                    .describe_user_profile()
                    .domain_id(domain)
                    .user_profile_name(profile)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("DescribeUserProfile: {e:?}"));
                let settings = got.user_settings().unwrap_or_else(|| panic!("no settings"));
                sagemaker
                    .update_user_profile()
                    .domain_id(domain)
                    .user_profile_name(profile)
                    .user_settings(
                        aws_sdk_sagemaker::types::UserSettings::builder()
                            .execution_role(old(settings.execution_role().unwrap_or_default()))
                            .set_security_groups(Some(settings.security_groups().to_vec()))
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("UpdateUserProfile: {e:?}"));
            }
            _ => {}
        }
    }

    // Versions before the path made no boundary either.
    let mut ledger = ledger.clone();
    let boundary = ledger
        .remove("policy-boundary")
        .unwrap_or_else(|| panic!("no boundary recorded"));
    iam.delete_policy()
        .policy_arn(&boundary.physical_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeletePolicy (boundary): {e:?}"));
    let records: Vec<(String, Record)> = ledger
        .iter()
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect();
    for (id, mut record) in records {
        record.depends_on.retain(|d| d != "policy-boundary");
        ledger.insert(id, record);
    }

    let text = serde_json::to_string(&ledger).unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&old(&text)).unwrap_or_else(|e| panic!("old ledger: {e}"))
}

/// An environment whose roles and guardrail policy an earlier version made at `/` is migrated
/// by apply: the roles are made again under `/secure-mlops/` with the boundary, the guardrail
/// policy too, the domain (the same one, updated in place) and the profiles run as the new
/// ARNs, nothing drifts afterwards, and destroy leaves nothing.
#[tokio::test(flavor = "multi_thread")]
async fn roles_at_the_root_path_are_migrated_under_secure_mlops_by_apply() {
    let emulator = Emulator::start();
    emulator.set_config(r#"{"studio_delay_seconds": 0.05}"#);
    let clients = emulator.clients().await;
    let iam = aws_sdk_iam::Client::new(&emulator.sdk_config().await);
    iam.create_role()
        .role_name(BROUGHT_ROLE)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"));
    let before = emulator.environment_counts();
    let deadline = Deadline::after(Duration::from_secs(300));
    let spec = spec();

    let (ledger, _) = environment::apply(&clients, &spec, Ledger::default(), deadline)
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let old = downgrade_to_root_path(&emulator, &ledger).await;
    assert!(old.iter().all(|(_, r)| {
        let arn = r.arn.as_deref().unwrap_or_default();
        !arn.contains(":role/secure-mlops/") && !arn.contains(":policy/secure-mlops/")
    }));

    let drift = environment::drift(&clients, &spec, &old)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    let text: Vec<String> = drift
        .iter()
        .map(|d| format!("{}: {}", d.child, d.detail))
        .collect();
    for child in [
        "role-data-scientist",
        "role-team-admin",
        "role-execution",
        "flow-log-role",
        "policy-guardrails",
    ] {
        assert!(
            text.iter()
                .any(|d| d.starts_with(child) && d.contains("/secure-mlops/")),
            "{child} must show the move under /secure-mlops/: {text:#?}"
        );
    }

    let (migrated, _) = environment::apply(&clients, &spec, old.clone(), deadline)
        .await
        .unwrap_or_else(|e| panic!("apply over the old ledger: {e}"));
    let domain = |l: &Ledger| {
        l.iter()
            .find(|(_, r)| r.kind == RecordKind::StudioDomain)
            .map(|(_, r)| r.physical_id.clone())
    };
    assert_eq!(
        domain(&migrated),
        domain(&old),
        "the domain is updated, not replaced"
    );
    for (id, record) in migrated.iter() {
        if matches!(record.kind, RecordKind::Role | RecordKind::FlowLogRole) {
            let arn = record.arn.as_deref().unwrap_or_default();
            assert!(arn.contains(":role/secure-mlops/"), "{id}: {arn}");
            let got = iam.get_role().role_name(&record.physical_id).send().await;
            let got = got.unwrap_or_else(|e| panic!("GetRole: {e:?}"));
            let role = got.role().unwrap_or_else(|| panic!("no role"));
            assert_eq!(role.path(), "/secure-mlops/", "{id}");
            assert_eq!(role.arn(), arn, "{id}");
            assert_eq!(
                role.permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn()),
                Some(
                    format!("arn:aws:iam::{ACCOUNT_ID}:policy/secure-mlops/quick-dev-boundary")
                        .as_str()
                ),
                "{id} carries the boundary the environment made"
            );
        }
        if record.kind == RecordKind::GuardrailPolicy {
            assert!(record.physical_id.contains(":policy/secure-mlops/"));
        }
    }
    let root_policy = format!("arn:aws:iam::{ACCOUNT_ID}:policy/quick-dev-guardrails");
    assert!(
        iam.get_policy()
            .policy_arn(&root_policy)
            .send()
            .await
            .is_err(),
        "the guardrail policy at / is deleted"
    );
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    let domain_id = domain(&migrated).unwrap_or_else(|| panic!("no domain"));
    let described = sagemaker
        .describe_domain()
        .domain_id(&domain_id)
        .send()
        .await;
    let described = described.unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    assert_eq!(
        described
            .default_user_settings()
            .and_then(|s| s.execution_role()),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:role/secure-mlops/quick-dev-execution").as_str())
    );
    let drift = environment::drift(&clients, &spec, &migrated)
        .await
        .unwrap_or_else(|e| panic!("drift: {e}"));
    assert!(drift.is_empty(), "no drift after the migration: {drift:#?}");

    environment::destroy(&clients, &spec, migrated, deadline)
        .await
        .unwrap_or_else(|e| panic!("destroy: {e}"));
    assert_eq!(emulator.environment_counts(), before);
}
