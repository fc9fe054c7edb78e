//! A ledger written by an earlier version (tests/fixtures/ledger-v0.1.0.json: NAT, Studio with
//! two profiles, flow logs, a brought launch role) loads without loss, names only kinds this
//! version knows, has the shape this version writes, and destroys what it records.

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance::{repo_root, Emulator, ACCOUNT_ID, REGION};
use secure_mlops_core::engine::Ledger;
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
        spec.studio
            .user_profiles
            .insert(name.into(), UserProfileSpec { persona });
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
fn shape(ledger: &Value) -> BTreeMap<String, (Value, Vec<String>, Value)> {
    ledger["records"]
        .as_object()
        .unwrap_or_else(|| panic!("no records in {ledger}"))
        .iter()
        .map(|(id, r)| {
            let keys: Vec<String> = r["attributes"]
                .as_object()
                .map(|a| a.keys().cloned().collect())
                .unwrap_or_default();
            (
                id.clone(),
                (r["kind"].clone(), keys, r["depends_on"].clone()),
            )
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
    assert_eq!(
        shape(&written),
        shape(&old),
        "this version records children differently from 0.1.0"
    );

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
