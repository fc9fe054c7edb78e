//! The storage and IAM children of a team environment against the emulator: persona roles, the
//! guardrail policy, KMS keys and buckets. Each is ensured twice (same ids, no duplicates),
//! adopted after a simulated crash, read back with the plain SDK, drifted from outside and
//! repaired, refused when a resource of its name is not its own, and deleted (twice) until the
//! emulator holds nothing of it. Each test starts its own emulator and ends with it holding
//! what it held before.

use std::collections::BTreeMap;

use acceptance::{assert_drift_names, assert_no_drift, ok, EngineFixture};
use aws_sdk_kms::types::KeyState;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, ObjectOwnership, ServerSideEncryption};
use secure_mlops_core::children::ec2_tags::Owner;
use secure_mlops_core::children::error::ChildError;
use secure_mlops_core::children::tags::child_tags;
use secure_mlops_core::children::{bucket, guardrail_policy, kms_key, role};
use secure_mlops_core::engine::Record;
use secure_mlops_core::ids::{KeyPurpose, LogicalId, Persona};
use secure_mlops_core::policy::environment::bucket::{
    SID_DENY_INSECURE_TRANSPORT, SID_DENY_OUTSIDE_VPC_ENDPOINT,
};
use secure_mlops_core::policy::environment::roles::SignInSources;
use secure_mlops_core::policy::environment::{
    bucket_policy, guardrail_policy as guardrail_document, key_policy, policies_equivalent,
    BucketPolicyInput, EnvironmentFacts, GuardrailScope,
};
use secure_mlops_core::spec::GuardrailSpec;
use serde_json::Value;

const ENV_ID: &str = "team-a-dev";

/// The values the guardrails compare requests with; the policy's text only needs them to be
/// fixed (nothing here starts compute).
fn guardrail_scope() -> GuardrailScope {
    GuardrailScope {
        subnet_ids: vec!["subnet-0a00000000000001".into()],
        security_group_ids: vec!["sg-0a000000000000001".into()],
        volume_kms_key_arns: vec!["arn:aws:kms:us-east-1:000000000000:key/ebs".into()],
        output_kms_key_arns: vec!["arn:aws:kms:us-east-1:000000000000:key/data".into()],
    }
}
const KINDS: &[&str] = &[
    "iam:role",
    "iam:policy",
    "kms:key",
    "kms:alias",
    "s3:bucket",
];
const VPC_ENDPOINT: &str = "vpce-0123456789abcdef0";
const GUARDRAILS_ID: &str = "policy-guardrails";
/// The permissions boundary the roles carry (the emulator's account; the deployer's boundary
/// of `examples/iam/`).
const BOUNDARY: &str =
    "arn:aws:iam::123456789012:policy/secure-mlops/secure-mlops-boundary-us-east-1";

/// Team A's environment before anything of it exists: the emulator's counts then, the facts its
/// policies need and the names its two buckets (data, models) take.
struct Team {
    f: EngineFixture,
    facts: EnvironmentFacts,
    bucket_names: Vec<String>,
    baseline: BTreeMap<String, usize>,
}

/// The guardrail policy as ensured on the roles it guards.
struct Guardrails {
    record: Record,
    document: Value,
    guarded: Vec<String>,
}

/// The three keys and the principals their policies let use them.
struct Keys {
    records: Vec<(KeyPurpose, Record)>,
    users: Vec<String>,
}

impl Keys {
    fn of(&self, purpose: KeyPurpose) -> Record {
        self.records
            .iter()
            .find(|(p, _)| *p == purpose)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("no {purpose:?} key"))
    }

    fn data_arn(&self) -> String {
        self.of(KeyPurpose::Data)
            .arn
            .unwrap_or_else(|| panic!("no data key ARN"))
    }
}

/// The data and models buckets with the policies they were ensured with.
struct Buckets {
    records: Vec<Record>,
    policies: Vec<Value>,
}

/// What a test made, deleted at its end.
#[derive(Default)]
struct Made {
    roles: Vec<(Persona, Record)>,
    guardrails: Option<Guardrails>,
    keys: Option<Keys>,
    buckets: Option<Buckets>,
}

impl Team {
    async fn start() -> Self {
        let f = EngineFixture::start("team-a", "dev", &[("team", "a")]).await;
        assert_eq!(f.env_id, ENV_ID);
        let facts = f.facts();
        let account = f.clients.account_id.clone();
        Team {
            bucket_names: vec![
                format!("{ENV_ID}-data-{account}"),
                format!("{ENV_ID}-models-{account}"),
            ],
            baseline: f.counts(KINDS),
            facts,
            f,
        }
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        self.f.counts(KINDS)
    }

    async fn ensure_roles(&self) -> Vec<(Persona, Record)> {
        let mut out = Vec::new();
        for persona in Persona::ALL {
            let id = LogicalId::Role(persona).to_string();
            let record = role::ensure(
                &self.f.clients,
                self.f.owner(&id),
                &self.f.tags,
                persona,
                &self.facts,
                &self.bucket_names,
                Some(BOUNDARY),
                &SignInSources::default(),
                None,
            )
            .await;
            out.push((persona, ok("role ensure", record)));
        }
        out
    }

    /// The guardrail policy with the default document on every role but the launch role's.
    async fn guardrails(&self, roles: &[(Persona, Record)]) -> Guardrails {
        let document = guardrail_document(&GuardrailSpec::default(), &guardrail_scope())
            .unwrap_or_else(|| panic!("default guardrails are not empty"));
        let guarded: Vec<String> = roles
            .iter()
            .filter(|(p, _)| *p != Persona::ScLaunch)
            .map(|(_, r)| r.physical_id.clone())
            .collect();
        let record = ok(
            "guardrail ensure",
            guardrail_policy::ensure(
                &self.f.clients,
                self.f.owner(GUARDRAILS_ID),
                &self.f.tags,
                &document,
                &guarded,
            )
            .await,
        );
        Guardrails {
            record,
            document,
            guarded,
        }
    }

    /// The roles' ARNs and the caller's: who may use the keys.
    fn key_users(&self, roles: &[(Persona, Record)]) -> Vec<String> {
        let mut users: Vec<String> = roles.iter().filter_map(|(_, r)| r.arn.clone()).collect();
        users.push(self.f.clients.caller_arn.clone());
        users
    }

    async fn ensure_keys(&self, users: &[String]) -> Vec<(KeyPurpose, Record)> {
        let mut out = Vec::new();
        for purpose in KeyPurpose::ALL {
            let id = LogicalId::KmsKey(purpose).to_string();
            let record = kms_key::ensure(
                &self.f.clients,
                self.f.owner(&id),
                &self.f.tags,
                purpose,
                &key_policy(&self.facts, purpose, users),
            )
            .await;
            out.push((purpose, ok("kms ensure", record)));
        }
        out
    }

    async fn keys(&self, roles: &[(Persona, Record)]) -> Keys {
        let users = self.key_users(roles);
        Keys {
            records: self.ensure_keys(&users).await,
            users,
        }
    }

    /// A key tagged as child `logical_id` of this environment, made outside the engine.
    async fn create_tagged_key(
        &self,
        what: &str,
        logical_id: &str,
        policy: Option<Value>,
    ) -> String {
        let tags = child_tags(self.f.owner(logical_id), &self.f.tags)
            .into_iter()
            .map(|(k, v)| {
                aws_sdk_kms::types::Tag::builder()
                    .tag_key(k)
                    .tag_value(v)
                    .build()
                    .unwrap_or_else(|e| panic!("tag: {e}"))
            })
            .collect();
        let out = ok(
            what,
            self.f
                .clients
                .kms
                .create_key()
                .set_policy(policy.map(|p| p.to_string()))
                .set_tags(Some(tags))
                .send()
                .await,
        );
        out.key_metadata()
            .map(|m| m.key_id().to_string())
            .unwrap_or_else(|| panic!("no key id"))
    }

    fn bucket_policies(&self, data_key_arn: &str) -> Vec<Value> {
        self.bucket_names
            .iter()
            .map(|name| {
                bucket_policy(
                    &self.facts,
                    &BucketPolicyInput {
                        bucket_name: name.clone(),
                        vpc_endpoint_id: VPC_ENDPOINT.into(),
                        service_role_arns: vec![self.f.clients.caller_arn.clone()],
                        kms_key_arn: data_key_arn.to_string(),
                    },
                )
            })
            .collect()
    }

    async fn ensure_buckets(&self, key_arn: &str, policies: &[Value]) -> Vec<Record> {
        let mut out = Vec::new();
        let ids = ["bucket-data", "bucket-models"];
        for ((id, name), policy) in ids.iter().zip(&self.bucket_names).zip(policies) {
            let record = bucket::ensure(
                &self.f.clients,
                self.f.owner(id),
                &self.f.tags,
                name,
                key_arn,
                policy,
            )
            .await;
            out.push(ok("bucket ensure", record));
        }
        out
    }

    /// Roles, keys and both buckets, the data bucket adopted from a crashed run and holding
    /// objects.
    async fn storage(&self) -> Made {
        let roles = self.ensure_roles().await;
        let keys = self.keys(&roles).await;
        self.crash_after_create_bucket().await;
        let policies = self.bucket_policies(&keys.data_arn());
        let records = self.ensure_buckets(&keys.data_arn(), &policies).await;
        Made {
            roles,
            keys: Some(keys),
            buckets: Some(Buckets { records, policies }),
            ..Made::default()
        }
    }

    /// Deletes what `made` holds (buckets with their objects), checks each key is pending
    /// deletion, and that the emulator holds what it held before the test.
    async fn finish(&self, made: &Made) {
        let clients = &self.f.clients;
        for record in made.buckets.iter().flat_map(|b| &b.records) {
            ok("delete bucket", bucket::delete(clients, record, true).await);
        }
        if let Some(g) = &made.guardrails {
            ok(
                "delete guardrails",
                guardrail_policy::delete(clients, &g.record).await,
            );
        }
        for (_, record) in made.keys.iter().flat_map(|k| &k.records) {
            ok("delete key", kms_key::delete(clients, record).await);
            let key = ok(
                "DescribeKey",
                clients
                    .kms
                    .describe_key()
                    .key_id(&record.physical_id)
                    .send()
                    .await,
            );
            assert_eq!(
                key.key_metadata().and_then(|m| m.key_state()),
                Some(&KeyState::PendingDeletion)
            );
        }
        for (_, record) in &made.roles {
            ok("delete role", role::delete(clients, record).await);
        }
        self.assert_nothing_left();
    }

    /// Keys pending deletion are not in the inventory, like on AWS they are on their way out.
    fn assert_nothing_left(&self) {
        assert_eq!(
            self.counts(),
            self.baseline,
            "{:#}",
            self.f.emulator.inventory()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn persona_roles_are_ensured_once_with_their_permissions_policy_and_no_drift() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let again = team.ensure_roles().await;
    assert_eq!(roles, again, "a second ensure must find the same roles");
    assert_eq!(team.counts()["iam:role"], team.baseline["iam:role"] + 4);
    for (persona, record) in &roles {
        let out = ok(
            "GetRole",
            clients
                .iam
                .get_role()
                .role_name(&record.physical_id)
                .send()
                .await,
        );
        let r = out.role().unwrap_or_else(|| panic!("no role"));
        assert_eq!(Some(r.arn()), record.arn.as_deref());
        assert_eq!(r.role_name(), role::role_name(ENV_ID, *persona));
        assert_eq!(r.path(), "/secure-mlops/");
        assert_eq!(
            r.arn(),
            format!(
                "arn:aws:iam::{}:role/secure-mlops/{}",
                clients.account_id,
                r.role_name()
            )
        );
        assert_eq!(
            r.permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn()),
            Some(BOUNDARY)
        );
        let inline = ok(
            "ListRolePolicies",
            clients
                .iam
                .list_role_policies()
                .role_name(r.role_name())
                .send()
                .await,
        );
        assert_eq!(inline.policy_names(), [role::PERMISSIONS_POLICY_NAME]);
        let drift = role::drift(
            clients,
            record,
            *persona,
            &team.facts,
            &team.bucket_names,
            Some(BOUNDARY),
            &SignInSources::default(),
            None,
        )
        .await;
        assert_no_drift(r.role_name(), &ok("role drift", drift));
    }
    team.finish(&Made {
        roles,
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guardrails_guard_every_persona_but_launch_and_follow_document_changes() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let g = team.guardrails(&roles).await;
    let (gp, guardrails, guarded) = (&g.record, &g.document, &g.guarded);
    let gp_owner = team.f.owner(GUARDRAILS_ID);
    let tags = &team.f.tags;
    let gp_again = ok(
        "guardrail ensure again",
        guardrail_policy::ensure(clients, gp_owner, tags, guardrails, guarded).await,
    );
    assert_eq!(gp, &gp_again);
    assert_eq!(
        gp.physical_id,
        guardrail_policy::policy_arn(clients, ENV_ID)
    );
    assert_eq!(team.counts()["iam:policy"], team.baseline["iam:policy"] + 1);
    for (persona, record) in &roles {
        let attached = attached_policies(&team, &record.physical_id).await;
        assert_eq!(
            attached.contains(&gp.physical_id),
            *persona != Persona::ScLaunch,
            "{persona:?}: {attached:?}"
        );
    }
    // A role that leaves the list is detached; a changed document becomes the default version,
    // even after more changes than IAM keeps versions.
    let two = &guarded[..2];
    ok(
        "guardrail ensure on two roles",
        guardrail_policy::ensure(clients, gp_owner, tags, guardrails, two).await,
    );
    assert!(!attached_policies(&team, &guarded[2])
        .await
        .contains(&gp.physical_id));
    let narrower = guardrail_document(
        &GuardrailSpec {
            allowed_instance_types: vec!["ml.m5.large".into()],
            managed_config_rules: false,
            ..GuardrailSpec::default()
        },
        &guardrail_scope(),
    )
    .unwrap_or_else(|| panic!("guardrails"));
    for round in 0..6 {
        let doc = if round % 2 == 0 {
            &narrower
        } else {
            guardrails
        };
        ok(
            "guardrail ensure with a changed document",
            guardrail_policy::ensure(clients, gp_owner, tags, doc, guarded).await,
        );
        let drift = guardrail_policy::drift(clients, gp, doc, guarded).await;
        assert_no_drift("guardrail policy", &ok("guardrail drift", drift));
    }
    let versions = ok(
        "ListPolicyVersions",
        clients
            .iam
            .list_policy_versions()
            .policy_arn(&gp.physical_id)
            .send()
            .await,
    );
    assert!(versions.versions().len() <= 5, "{versions:?}");
    // The last round left `guardrails` as the default.
    let drift = guardrail_policy::drift(clients, gp, guardrails, guarded).await;
    assert_no_drift("guardrail policy", &ok("guardrail drift", drift));
    team.finish(&Made {
        roles,
        guardrails: Some(g),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_keys_adopt_a_crashed_runs_key_never_one_pending_deletion_and_rotate() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let key_users = team.key_users(&roles);
    // A run that died between CreateKey and CreateAlias left the studio key behind, tagged.
    let studio_id = LogicalId::KmsKey(KeyPurpose::Studio).to_string();
    let studio_policy = key_policy(&team.facts, KeyPurpose::Studio, &key_users);
    let orphan_id = team
        .create_tagged_key("CreateKey (crash)", &studio_id, Some(studio_policy))
        .await;
    // A key of this component that is pending deletion is never adopted.
    let ebs_id = LogicalId::KmsKey(KeyPurpose::Ebs).to_string();
    let doomed_id = team
        .create_tagged_key("CreateKey (doomed)", &ebs_id, None)
        .await;
    ok(
        "ScheduleKeyDeletion (doomed)",
        clients
            .kms
            .schedule_key_deletion()
            .key_id(&doomed_id)
            .pending_window_in_days(7)
            .send()
            .await,
    );
    let keys_before = team.counts()["kms:key"];
    let keys = team.ensure_keys(&key_users).await;
    let keys_again = team.ensure_keys(&key_users).await;
    assert_eq!(keys, keys_again, "a second ensure must find the same keys");
    // Two new keys (data, ebs) and the orphan adopted: no second studio key.
    assert_eq!(team.counts()["kms:key"], keys_before + 2);
    assert_eq!(team.counts()["kms:alias"], team.baseline["kms:alias"] + 3);
    let keys = Keys {
        records: keys,
        users: key_users,
    };
    let studio = keys.of(KeyPurpose::Studio);
    assert_eq!(studio.physical_id, orphan_id, "the orphan must be adopted");
    for (purpose, record) in &keys.records {
        assert_ne!(record.physical_id, doomed_id);
        let rotation = ok(
            "GetKeyRotationStatus",
            clients
                .kms
                .get_key_rotation_status()
                .key_id(&record.physical_id)
                .send()
                .await,
        );
        assert!(rotation.key_rotation_enabled(), "{purpose:?}");
        let alias = kms_key::alias_name(ENV_ID, *purpose);
        let by_alias = ok(
            "DescribeKey by alias",
            clients.kms.describe_key().key_id(alias).send().await,
        );
        assert_eq!(
            by_alias.key_metadata().map(|m| m.key_id()),
            Some(record.physical_id.as_str())
        );
        let policy = ok(
            "GetKeyPolicy",
            clients
                .kms
                .get_key_policy()
                .key_id(&record.physical_id)
                .policy_name("default")
                .send()
                .await,
        );
        let policy: Value = ok(
            "key policy JSON",
            serde_json::from_str(policy.policy().unwrap_or_default()),
        );
        let expected = key_policy(&team.facts, *purpose, &keys.users);
        assert!(policies_equivalent(&policy, &expected));
        let drift = kms_key::drift(clients, record, &expected).await;
        assert_no_drift("kms key", &ok("kms drift", drift));
    }
    team.finish(&Made {
        roles,
        keys: Some(keys),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn buckets_adopt_a_crashed_runs_bucket_and_are_encrypted_private_versioned_and_vpc_only() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let keys = team.keys(&roles).await;
    let data_key_arn = keys.data_arn();
    team.crash_after_create_bucket().await;
    let policies = team.bucket_policies(&data_key_arn);
    let buckets_before = team.counts()["s3:bucket"];
    let buckets = team.ensure_buckets(&data_key_arn, &policies).await;
    let again = team.ensure_buckets(&data_key_arn, &policies).await;
    assert_eq!(buckets, again, "a second ensure must find the same buckets");
    // The crashed one adopted, the models bucket new.
    assert_eq!(team.counts()["s3:bucket"], buckets_before + 1);
    for ((record, name), policy) in buckets.iter().zip(&team.bucket_names).zip(&policies) {
        assert_eq!(&record.physical_id, name);
        assert_eq!(
            record.arn.as_deref(),
            Some(format!("arn:aws:s3:::{name}").as_str())
        );
        check_bucket(&team, name, &data_key_arn, policy).await;
        let drift = bucket::drift(clients, record, &data_key_arn, policy).await;
        assert_no_drift(name, &ok("bucket drift", drift));
    }
    team.finish(&Made {
        roles,
        keys: Some(keys),
        buckets: Some(Buckets {
            records: buckets,
            policies,
        }),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loosened_bucket_policy_and_suspended_versioning_are_named_and_repaired() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let made = team.storage().await;
    let data_key_arn = made.keys.as_ref().map(Keys::data_arn).unwrap_or_default();
    let b = made
        .buckets
        .as_ref()
        .unwrap_or_else(|| panic!("no buckets"));
    let (data, policy) = (&b.records[0], &b.policies[0]);
    let data_name = &team.bucket_names[0];
    let mut loosened = policy.clone();
    if let Some(list) = loosened["Statement"].as_array_mut() {
        list.retain(|s| s["Sid"] != SID_DENY_INSECURE_TRANSPORT);
    }
    ok(
        "PutBucketPolicy (loosened)",
        clients
            .s3
            .put_bucket_policy()
            .bucket(data_name)
            .policy(loosened.to_string())
            .send()
            .await,
    );
    team.set_versioning(data_name, BucketVersioningStatus::Suspended)
        .await;
    let drift = ok(
        "bucket drift",
        bucket::drift(clients, data, &data_key_arn, policy).await,
    );
    let needles = [
        "bucket-data",
        data_name,
        SID_DENY_INSECURE_TRANSPORT,
        "missing",
    ];
    assert_drift_names("bucket", &drift, &needles);
    assert_drift_names("bucket", &drift, &["versioning", "Suspended"]);
    assert_eq!(drift.len(), 2, "{drift:#?}");
    let owner = team.f.owner("bucket-data");
    let repaired = bucket::ensure(
        clients,
        owner,
        &team.f.tags,
        data_name,
        &data_key_arn,
        policy,
    )
    .await;
    ok("bucket repair", repaired);
    let drift = bucket::drift(clients, data, &data_key_arn, policy).await;
    assert_no_drift("repaired bucket", &ok("bucket drift", drift));
    team.finish(&made).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_unrotated_narrowed_key_is_named_and_repaired() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let keys = team.keys(&roles).await;
    let data_key = keys.of(KeyPurpose::Data);
    let data_key_policy = key_policy(&team.facts, KeyPurpose::Data, &keys.users);
    let key_id = &data_key.physical_id;
    ok(
        "DisableKeyRotation",
        clients
            .kms
            .disable_key_rotation()
            .key_id(key_id)
            .send()
            .await,
    );
    ok(
        "DisableKey",
        clients.kms.disable_key().key_id(key_id).send().await,
    );
    let mut narrowed = data_key_policy.clone();
    if let Some(list) = narrowed["Statement"].as_array_mut() {
        list.retain(|s| s["Sid"] != "AllowKeyUseByEnvironmentRoles");
    }
    ok(
        "PutKeyPolicy (narrowed)",
        clients
            .kms
            .put_key_policy()
            .key_id(key_id)
            .policy_name("default")
            .policy(narrowed.to_string())
            .send()
            .await,
    );
    let drift = ok(
        "kms drift",
        kms_key::drift(clients, &data_key, &data_key_policy).await,
    );
    assert_drift_names("kms key", &drift, &["rotation", "off"]);
    assert_drift_names("kms key", &drift, &["disabled"]);
    let needles = ["AllowKeyUseByEnvironmentRoles", "missing"];
    assert_drift_names("kms key", &drift, &needles);
    assert_eq!(drift.len(), 3, "{drift:#?}");
    let id = LogicalId::KmsKey(KeyPurpose::Data).to_string();
    let repaired = kms_key::ensure(
        clients,
        team.f.owner(&id),
        &team.f.tags,
        KeyPurpose::Data,
        &data_key_policy,
    )
    .await;
    ok("kms repair", repaired);
    let drift = kms_key::drift(clients, &data_key, &data_key_policy).await;
    assert_no_drift("repaired key", &ok("kms drift", drift));
    team.finish(&Made {
        roles,
        keys: Some(keys),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backdoored_widened_role_without_its_guardrails_is_named_and_repaired() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let g = team.guardrails(&roles).await;
    let (ds_persona, ds) = roles[0].clone();
    team.tamper_with_role(&ds.physical_id, &g.record.physical_id)
        .await;
    let (facts, bucket_names) = (&team.facts, &team.bucket_names);
    let drift = ok(
        "role drift",
        role::drift(
            clients,
            &ds,
            ds_persona,
            facts,
            bucket_names,
            Some(BOUNDARY),
            &SignInSources::default(),
            None,
        )
        .await,
    );
    assert_drift_names("role", &drift, &["backdoor"]);
    let needles = ["trust policy", "AllowAssumeRoleFromAccount"];
    assert_drift_names("role", &drift, &needles);
    // The replacement trust document also lacks the SageMaker statement Studio needs, and the
    // statements that hold a person to their own user tag and source identity.
    for sid in [
        "AllowAssumeRoleBySageMaker",
        "AllowTaggingSessionsWithOwnUser",
        "AllowSessionTagsOtherThanUser",
        "AllowOwnSourceIdentity",
    ] {
        assert_drift_names("role", &drift, &[sid, "missing"]);
    }
    assert_eq!(drift.len(), 6, "{drift:#?}");
    let drift = ok(
        "guardrail drift",
        guardrail_policy::drift(clients, &g.record, &g.document, &g.guarded).await,
    );
    assert_drift_names("guardrails", &drift, &["not attached", &ds.physical_id]);
    let id = LogicalId::Role(ds_persona).to_string();
    let repaired = role::ensure(
        clients,
        team.f.owner(&id),
        &team.f.tags,
        ds_persona,
        facts,
        bucket_names,
        Some(BOUNDARY),
        &SignInSources::default(),
        None,
    )
    .await;
    ok("role repair", repaired);
    let gp_owner = team.f.owner(GUARDRAILS_ID);
    let repaired =
        guardrail_policy::ensure(clients, gp_owner, &team.f.tags, &g.document, &g.guarded).await;
    ok("guardrail repair", repaired);
    let drift = role::drift(
        clients,
        &ds,
        ds_persona,
        facts,
        bucket_names,
        Some(BOUNDARY),
        &SignInSources::default(),
        None,
    )
    .await;
    assert_no_drift("repaired role", &ok("role drift", drift));
    let drift = guardrail_policy::drift(clients, &g.record, &g.document, &g.guarded).await;
    assert_no_drift("repaired guardrails", &ok("guardrail drift", drift));
    team.finish(&Made {
        roles,
        guardrails: Some(g),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn names_taken_by_others_are_refused_and_a_brought_role_is_never_deleted() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let roles = team.ensure_roles().await;
    let keys = team.keys(&roles).await;
    let policies = team.bucket_policies(&keys.data_arn());
    let foreign_bucket = format!("someone-elses-{}", clients.account_id);
    ok(
        "CreateBucket (foreign)",
        clients
            .s3
            .create_bucket()
            .bucket(&foreign_bucket)
            .send()
            .await,
    );
    let owner = team.f.owner("bucket-data");
    let data_key_arn = keys.data_arn();
    let tags = &team.f.tags;
    match bucket::ensure(
        clients,
        owner,
        tags,
        &foreign_bucket,
        &data_key_arn,
        &policies[0],
    )
    .await
    {
        Err(ChildError::Refused { child, reason }) => {
            assert_eq!(child, "bucket-data");
            assert!(reason.contains(&foreign_bucket), "{reason}");
            assert!(reason.contains("storage.data_bucket_name"), "{reason}");
        }
        other => panic!("a foreign bucket must be refused, got {other:?}"),
    }
    let foreign_role = role::role_name("team-b-dev", Persona::DataScientist);
    ok(
        "CreateRole (foreign)",
        clients
            .iam
            .create_role()
            .role_name(&foreign_role)
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await,
    );
    let team_b = Owner {
        env_id: "team-b-dev",
        logical_id: "role-data-scientist",
    };
    let (facts, bucket_names) = (&team.facts, &team.bucket_names);
    match role::ensure(
        clients,
        team_b,
        tags,
        Persona::DataScientist,
        facts,
        bucket_names,
        Some(BOUNDARY),
        &SignInSources::default(),
        None,
    )
    .await
    {
        Err(ChildError::Refused { reason, .. }) => {
            assert!(reason.contains(&foreign_role), "{reason}")
        }
        other => panic!("a foreign role must be refused, got {other:?}"),
    }
    // A role the user brings is read, never deleted.
    let foreign_arn = format!("arn:aws:iam::{}:role/{foreign_role}", clients.account_id);
    let existing = ok(
        "read_existing",
        role::read_existing(clients, "role-data-scientist", &foreign_arn).await,
    );
    assert_eq!(existing.kind, role::EXISTING_KIND);
    assert_eq!(existing.arn.as_deref(), Some(foreign_arn.as_str()));
    ok("delete existing", role::delete(clients, &existing).await);
    ok(
        "GetRole after deleting an existing-role record",
        clients.iam.get_role().role_name(&foreign_role).send().await,
    );
    let nobody = format!("arn:aws:iam::{}:role/nobody", clients.account_id);
    match role::read_existing(clients, "role-execution", &nobody).await {
        Err(ChildError::ExistingNotFound { child, .. }) => assert_eq!(child, "role-execution"),
        other => panic!("a missing role must be ExistingNotFound, got {other:?}"),
    }
    ok(
        "DeleteRole (foreign)",
        clients
            .iam
            .delete_role()
            .role_name(&foreign_role)
            .send()
            .await,
    );
    ok(
        "DeleteBucket (foreign)",
        clients
            .s3
            .delete_bucket()
            .bucket(&foreign_bucket)
            .send()
            .await,
    );
    team.finish(&Made {
        roles,
        keys: Some(keys),
        ..Made::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_with_objects_is_deleted_only_with_force_destroy() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let made = team.storage().await;
    let buckets = made
        .buckets
        .as_ref()
        .unwrap_or_else(|| panic!("no buckets"));
    let data = &buckets.records[0];
    match bucket::delete(clients, data, false).await {
        Err(ChildError::Refused { child, reason }) => {
            assert_eq!(child, "bucket-data");
            assert!(reason.contains("storage.force_destroy"), "{reason}");
        }
        other => panic!("a bucket with objects must be refused without force, got {other:?}"),
    }
    ok(
        "delete data bucket",
        bucket::delete(clients, data, true).await,
    );
    ok(
        "delete models bucket",
        bucket::delete(clients, &buckets.records[1], false).await,
    );
    team.finish(&made).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_twice_is_fine_and_what_was_deleted_reads_back_as_gone() {
    let team = Team::start().await;
    let clients = &team.f.clients;
    let mut made = team.storage().await;
    made.guardrails = Some(team.guardrails(&made.roles).await);
    team.finish(&made).await;
    // Deleting again is fine: not found (or pending deletion) counts as deleted.
    let (Some(buckets), Some(g), Some(keys)) = (&made.buckets, &made.guardrails, &made.keys) else {
        panic!("storage() makes buckets, keys and guardrails");
    };
    let data = &buckets.records[0];
    ok(
        "delete data bucket again",
        bucket::delete(clients, data, true).await,
    );
    ok(
        "delete guardrails again",
        guardrail_policy::delete(clients, &g.record).await,
    );
    for (_, record) in &keys.records {
        ok("delete key again", kms_key::delete(clients, record).await);
    }
    for (_, record) in &made.roles {
        ok("delete role again", role::delete(clients, record).await);
    }
    // Gone is drift, not an error.
    let data_key_arn = keys.data_arn();
    let gone = ok(
        "drift of a deleted bucket",
        bucket::drift(clients, data, &data_key_arn, &buckets.policies[0]).await,
    );
    assert_drift_names("deleted bucket", &gone, &["gone"]);
    let (ds_persona, ds) = &made.roles[0];
    let gone = ok(
        "drift of a deleted role",
        role::drift(
            clients,
            ds,
            *ds_persona,
            &team.facts,
            &team.bucket_names,
            Some(BOUNDARY),
            &SignInSources::default(),
            None,
        )
        .await,
    );
    assert_drift_names("deleted role", &gone, &["gone"]);
    let gone = ok(
        "drift of a deleted policy",
        guardrail_policy::drift(clients, &g.record, &g.document, &g.guarded).await,
    );
    assert_drift_names("deleted guardrails", &gone, &["gone"]);
    let data_key_policy = key_policy(&team.facts, KeyPurpose::Data, &keys.users);
    let pending = ok(
        "drift of a deleted key",
        kms_key::drift(clients, &keys.of(KeyPurpose::Data), &data_key_policy).await,
    );
    assert_drift_names("deleted key", &pending, &["pending deletion"]);
    team.assert_nothing_left();
}

impl Team {
    /// A run that died right after CreateBucket of the data bucket: it exists, tagged, and got
    /// objects before any policy (the emulator applies the policy's denies unconditionally).
    async fn crash_after_create_bucket(&self) {
        let s3 = &self.f.clients.s3;
        let data_name = &self.bucket_names[0];
        ok(
            "CreateBucket (crash)",
            s3.create_bucket().bucket(data_name).send().await,
        );
        let tags = child_tags(self.f.owner("bucket-data"), &self.f.tags)
            .into_iter()
            .map(|(k, v)| {
                aws_sdk_s3::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .unwrap_or_else(|e| panic!("tag: {e}"))
            })
            .collect();
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .set_tag_set(Some(tags))
            .build()
            .unwrap_or_else(|e| panic!("tagging: {e}"));
        ok(
            "PutBucketTagging (crash)",
            s3.put_bucket_tagging()
                .bucket(data_name)
                .tagging(tagging)
                .send()
                .await,
        );
        self.set_versioning(data_name, BucketVersioningStatus::Enabled)
            .await;
        for body in ["v1", "v2"] {
            self.put_object(data_name, "datasets/train.csv", body).await;
        }
        ok(
            "DeleteObject (a delete marker)",
            s3.delete_object()
                .bucket(data_name)
                .key("datasets/train.csv")
                .send()
                .await,
        );
        self.put_object(data_name, "datasets/test.csv", "x").await;
    }

    async fn put_object(&self, bucket: &str, key: &str, body: &'static str) {
        ok(
            "PutObject",
            self.f
                .clients
                .s3
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(ByteStream::from_static(body.as_bytes()))
                .send()
                .await,
        );
    }

    async fn set_versioning(&self, bucket: &str, status: BucketVersioningStatus) {
        let what = format!("PutBucketVersioning ({status:?})");
        let configuration = aws_sdk_s3::types::VersioningConfiguration::builder()
            .status(status)
            .build();
        ok(
            &what,
            self.f
                .clients
                .s3
                .put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(configuration)
                .send()
                .await,
        );
    }

    /// Made outside the engine: an extra inline policy, a trust policy open to anyone (and
    /// without the SageMaker statement), and the guardrails detached.
    async fn tamper_with_role(&self, role_name: &str, guardrails_arn: &str) {
        let iam = &self.f.clients.iam;
        ok(
            "PutRolePolicy (extra)",
            iam.put_role_policy()
                .role_name(role_name)
                .policy_name("backdoor")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                )
                .send()
                .await,
        );
        ok(
            "UpdateAssumeRolePolicy (widened)",
            iam.update_assume_role_policy()
                .role_name(role_name)
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowAssumeRoleFromAccount","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
                )
                .send()
                .await,
        );
        ok(
            "DetachRolePolicy (guardrails)",
            iam.detach_role_policy()
                .role_name(role_name)
                .policy_arn(guardrails_arn)
                .send()
                .await,
        );
    }
}

async fn attached_policies(team: &Team, role: &str) -> Vec<String> {
    let out = ok(
        "ListAttachedRolePolicies",
        team.f
            .clients
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .send()
            .await,
    );
    out.attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect()
}

async fn check_bucket(team: &Team, name: &str, key_arn: &str, policy: &Value) {
    let s3 = &team.f.clients.s3;
    let enc = ok(
        "GetBucketEncryption",
        s3.get_bucket_encryption().bucket(name).send().await,
    );
    let rule = enc
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .unwrap_or_else(|| panic!("{name}: no encryption rule"));
    let default = rule
        .apply_server_side_encryption_by_default()
        .unwrap_or_else(|| panic!("{name}: no default encryption"));
    assert_eq!(default.sse_algorithm(), &ServerSideEncryption::AwsKms);
    assert_eq!(default.kms_master_key_id(), Some(key_arn));
    assert_eq!(rule.bucket_key_enabled(), Some(true));

    let pab = ok(
        "GetPublicAccessBlock",
        s3.get_public_access_block().bucket(name).send().await,
    );
    let c = pab
        .public_access_block_configuration()
        .unwrap_or_else(|| panic!("{name}: no public access block"));
    assert_eq!(
        [
            c.block_public_acls(),
            c.ignore_public_acls(),
            c.block_public_policy(),
            c.restrict_public_buckets()
        ],
        [Some(true); 4]
    );

    let own = ok(
        "GetBucketOwnershipControls",
        s3.get_bucket_ownership_controls().bucket(name).send().await,
    );
    let rules = own
        .ownership_controls()
        .map(|c| c.rules().to_vec())
        .unwrap_or_default();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0].object_ownership(),
        &ObjectOwnership::BucketOwnerEnforced
    );

    let versioning = ok(
        "GetBucketVersioning",
        s3.get_bucket_versioning().bucket(name).send().await,
    );
    assert_eq!(versioning.status(), Some(&BucketVersioningStatus::Enabled));
    check_bucket_policy(s3, name, policy).await;
}

async fn check_bucket_policy(s3: &aws_sdk_s3::Client, name: &str, policy: &Value) {
    let got = ok(
        "GetBucketPolicy",
        s3.get_bucket_policy().bucket(name).send().await,
    );
    let got: Value = ok(
        "bucket policy JSON",
        serde_json::from_str(got.policy().unwrap_or_default()),
    );
    assert!(policies_equivalent(&got, policy), "{got:#}");
    let sids: Vec<&str> = got["Statement"]
        .as_array()
        .map(|l| l.iter().filter_map(|s| s["Sid"].as_str()).collect())
        .unwrap_or_default();
    assert!(sids.contains(&SID_DENY_INSECURE_TRANSPORT), "{sids:?}");
    assert!(sids.contains(&SID_DENY_OUTSIDE_VPC_ENDPOINT), "{sids:?}");
    let endpoint_deny = got["Statement"]
        .as_array()
        .and_then(|l| l.iter().find(|s| s["Sid"] == SID_DENY_OUTSIDE_VPC_ENDPOINT))
        .unwrap_or_else(|| panic!("no endpoint deny"));
    assert_eq!(
        endpoint_deny["Condition"]["StringNotEquals"]["aws:SourceVpce"],
        VPC_ENDPOINT
    );
}
