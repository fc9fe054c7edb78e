//! The storage and IAM children of a team environment against the emulator: persona roles, the
//! guardrail policy, KMS keys and buckets. Each is ensured twice (same ids, no duplicates),
//! adopted after a simulated crash, read back with the plain SDK, drifted from outside and
//! repaired, refused when a resource of its name is not its own, and deleted (twice) until the
//! emulator holds nothing of it.

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};

use acceptance::Emulator;
use aws_sdk_kms::types::KeyState;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, ObjectOwnership, ServerSideEncryption};
use secure_mlops_core::aws::AwsClients;
use secure_mlops_core::children::ec2_tags::Owner;
use secure_mlops_core::children::error::ChildError;
use secure_mlops_core::children::tags::child_tags;
use secure_mlops_core::children::{bucket, guardrail_policy, kms_key, role};
use secure_mlops_core::engine::Record;
use secure_mlops_core::ids::{KeyPurpose, LogicalId, Persona};
use secure_mlops_core::policy::environment::bucket::{
    SID_DENY_INSECURE_TRANSPORT, SID_DENY_OUTSIDE_VPC_ENDPOINT,
};
use secure_mlops_core::policy::environment::{
    bucket_policy, guardrail_policy as guardrail_document, key_policy, policies_equivalent,
    BucketPolicyInput, EnvironmentFacts,
};
use secure_mlops_core::spec::GuardrailSpec;
use serde_json::Value;

const ENV_ID: &str = "team-a-dev";
const KINDS: &[&str] = &[
    "iam:role",
    "iam:policy",
    "kms:key",
    "kms:alias",
    "s3:bucket",
];
const VPC_ENDPOINT: &str = "vpce-0123456789abcdef0";

fn ok<T, E: Display + Debug>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}\n{e:?}"))
}

fn owner(logical_id: &str) -> Owner<'_> {
    Owner {
        env_id: ENV_ID,
        logical_id,
    }
}

fn user_tags() -> BTreeMap<String, String> {
    BTreeMap::from([("team".to_string(), "a".to_string())])
}

fn assert_no_drift(what: &str, drift: Vec<String>) {
    assert!(drift.is_empty(), "{what} drifted: {drift:#?}");
}

fn assert_drift_names(what: &str, drift: &[String], needles: &[&str]) {
    assert!(
        drift.iter().any(|d| needles.iter().all(|n| d.contains(n))),
        "{what}: no drift message naming {needles:?} in {drift:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn storage_and_iam_children_apply_adopt_drift_and_destroy() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let baseline = emulator.counts(KINDS);
    let facts = EnvironmentFacts {
        partition: clients.partition.clone(),
        account_id: clients.account_id.clone(),
        region: clients.region.clone(),
        name: "team-a".into(),
        stage: "dev".into(),
    };
    let tags = user_tags();
    let bucket_names = vec![
        format!("{ENV_ID}-data-{}", clients.account_id),
        format!("{ENV_ID}-models-{}", clients.account_id),
    ];

    // --- Roles ---------------------------------------------------------------------------
    let roles = ensure_roles(&clients, &facts, &bucket_names).await;
    let again = ensure_roles(&clients, &facts, &bucket_names).await;
    assert_eq!(roles, again, "a second ensure must find the same roles");
    assert_eq!(emulator.counts(KINDS)["iam:role"], baseline["iam:role"] + 4);
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
        assert_no_drift(
            r.role_name(),
            ok(
                "role drift",
                role::drift(&clients, record, *persona, &facts, &bucket_names).await,
            ),
        );
    }
    let role_arns: Vec<String> = roles.iter().filter_map(|(_, r)| r.arn.clone()).collect();
    let guarded: Vec<String> = roles
        .iter()
        .filter(|(p, _)| *p != Persona::ScLaunch)
        .map(|(_, r)| r.physical_id.clone())
        .collect();

    // --- Guardrail policy ------------------------------------------------------------------
    let guardrails = guardrail_document(&GuardrailSpec::default())
        .unwrap_or_else(|| panic!("default guardrails are not empty"));
    let gp_owner = owner("policy-guardrails");
    let gp = ok(
        "guardrail ensure",
        guardrail_policy::ensure(&clients, gp_owner, &tags, &guardrails, &guarded).await,
    );
    let gp_again = ok(
        "guardrail ensure again",
        guardrail_policy::ensure(&clients, gp_owner, &tags, &guardrails, &guarded).await,
    );
    assert_eq!(gp, gp_again);
    assert_eq!(
        gp.physical_id,
        guardrail_policy::policy_arn(&clients, ENV_ID)
    );
    assert_eq!(
        emulator.counts(KINDS)["iam:policy"],
        baseline["iam:policy"] + 1
    );
    for (persona, record) in &roles {
        let attached = attached_policies(&clients, &record.physical_id).await;
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
        guardrail_policy::ensure(&clients, gp_owner, &tags, &guardrails, two).await,
    );
    assert!(!attached_policies(&clients, &guarded[2])
        .await
        .contains(&gp.physical_id));
    let narrower = guardrail_document(&GuardrailSpec {
        allowed_instance_types: vec!["ml.m5.large".into()],
        ..GuardrailSpec::default()
    })
    .unwrap_or_else(|| panic!("guardrails"));
    for round in 0..6 {
        let doc = if round % 2 == 0 {
            &narrower
        } else {
            &guardrails
        };
        ok(
            "guardrail ensure with a changed document",
            guardrail_policy::ensure(&clients, gp_owner, &tags, doc, &guarded).await,
        );
        assert_no_drift(
            "guardrail policy",
            ok(
                "guardrail drift",
                guardrail_policy::drift(&clients, &gp, doc, &guarded).await,
            ),
        );
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
    assert_no_drift(
        "guardrail policy",
        ok(
            "guardrail drift",
            guardrail_policy::drift(&clients, &gp, &guardrails, &guarded).await,
        ),
    );

    // --- KMS keys ----------------------------------------------------------------------------
    let mut key_users = role_arns.clone();
    key_users.push(clients.caller_arn.clone());
    // A run that died between CreateKey and CreateAlias left the studio key behind, tagged.
    let studio_id = LogicalId::KmsKey(KeyPurpose::Studio).to_string();
    let orphan = ok(
        "CreateKey (crash)",
        clients
            .kms
            .create_key()
            .policy(key_policy(&facts, KeyPurpose::Studio, &key_users).to_string())
            .set_tags(Some(
                child_tags(owner(&studio_id), &tags)
                    .into_iter()
                    .map(|(k, v)| {
                        aws_sdk_kms::types::Tag::builder()
                            .tag_key(k)
                            .tag_value(v)
                            .build()
                            .unwrap_or_else(|e| panic!("tag: {e}"))
                    })
                    .collect(),
            ))
            .send()
            .await,
    );
    let orphan_id = orphan
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .unwrap_or_else(|| panic!("no key id"));
    // A key of this component that is pending deletion is never adopted.
    let doomed = ok(
        "CreateKey (doomed)",
        clients
            .kms
            .create_key()
            .set_tags(Some(
                child_tags(
                    owner(&LogicalId::KmsKey(KeyPurpose::Ebs).to_string()),
                    &tags,
                )
                .into_iter()
                .map(|(k, v)| {
                    aws_sdk_kms::types::Tag::builder()
                        .tag_key(k)
                        .tag_value(v)
                        .build()
                        .unwrap_or_else(|e| panic!("tag: {e}"))
                })
                .collect(),
            ))
            .send()
            .await,
    );
    let doomed_id = doomed
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .unwrap_or_else(|| panic!("no key id"));
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
    let keys_before = emulator.counts(KINDS)["kms:key"];
    let keys = ensure_keys(&clients, &facts, &key_users).await;
    let keys_again = ensure_keys(&clients, &facts, &key_users).await;
    assert_eq!(keys, keys_again, "a second ensure must find the same keys");
    // Two new keys (data, ebs) and the orphan adopted: no second studio key.
    assert_eq!(emulator.counts(KINDS)["kms:key"], keys_before + 2);
    assert_eq!(
        emulator.counts(KINDS)["kms:alias"],
        baseline["kms:alias"] + 3
    );
    let studio = keys
        .iter()
        .find(|(p, _)| *p == KeyPurpose::Studio)
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| panic!("no studio key"));
    assert_eq!(studio.physical_id, orphan_id, "the orphan must be adopted");
    for (purpose, record) in &keys {
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
        let by_alias = ok(
            "DescribeKey by alias",
            clients
                .kms
                .describe_key()
                .key_id(kms_key::alias_name(ENV_ID, *purpose))
                .send()
                .await,
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
        assert!(policies_equivalent(
            &policy,
            &key_policy(&facts, *purpose, &key_users)
        ));
        assert_no_drift(
            "kms key",
            ok(
                "kms drift",
                kms_key::drift(&clients, record, &key_policy(&facts, *purpose, &key_users)).await,
            ),
        );
    }
    let data_key_arn = keys
        .iter()
        .find(|(p, _)| *p == KeyPurpose::Data)
        .and_then(|(_, r)| r.arn.clone())
        .unwrap_or_else(|| panic!("no data key ARN"));

    // --- Buckets ---------------------------------------------------------------------------
    // A run that died right after CreateBucket of the data bucket: it exists, tagged, and got
    // objects before any policy (the emulator applies the policy's denies unconditionally).
    let data_name = &bucket_names[0];
    ok(
        "CreateBucket (crash)",
        clients.s3.create_bucket().bucket(data_name).send().await,
    );
    ok(
        "PutBucketTagging (crash)",
        clients
            .s3
            .put_bucket_tagging()
            .bucket(data_name)
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .set_tag_set(Some(
                        child_tags(owner("bucket-data"), &tags)
                            .into_iter()
                            .map(|(k, v)| {
                                aws_sdk_s3::types::Tag::builder()
                                    .key(k)
                                    .value(v)
                                    .build()
                                    .unwrap_or_else(|e| panic!("tag: {e}"))
                            })
                            .collect(),
                    ))
                    .build()
                    .unwrap_or_else(|e| panic!("tagging: {e}")),
            )
            .send()
            .await,
    );
    ok(
        "PutBucketVersioning (crash)",
        clients
            .s3
            .put_bucket_versioning()
            .bucket(data_name)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await,
    );
    for body in ["v1", "v2"] {
        ok(
            "PutObject",
            clients
                .s3
                .put_object()
                .bucket(data_name)
                .key("datasets/train.csv")
                .body(ByteStream::from_static(body.as_bytes()))
                .send()
                .await,
        );
    }
    ok(
        "DeleteObject (a delete marker)",
        clients
            .s3
            .delete_object()
            .bucket(data_name)
            .key("datasets/train.csv")
            .send()
            .await,
    );
    ok(
        "PutObject",
        clients
            .s3
            .put_object()
            .bucket(data_name)
            .key("datasets/test.csv")
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
    );

    let policies: Vec<Value> = bucket_names
        .iter()
        .map(|name| {
            bucket_policy(
                &facts,
                &BucketPolicyInput {
                    bucket_name: name.clone(),
                    vpc_endpoint_id: VPC_ENDPOINT.into(),
                    service_role_arns: vec![clients.caller_arn.clone()],
                },
            )
        })
        .collect();
    let bucket_ids = ["bucket-data", "bucket-models"];
    let buckets_before = emulator.counts(KINDS)["s3:bucket"];
    let mut buckets = Vec::new();
    for round in 0..2 {
        let mut these = Vec::new();
        for ((id, name), policy) in bucket_ids.iter().zip(&bucket_names).zip(&policies) {
            these.push(ok(
                "bucket ensure",
                bucket::ensure(&clients, owner(id), &tags, name, &data_key_arn, policy).await,
            ));
        }
        if round == 1 {
            assert_eq!(buckets, these, "a second ensure must find the same buckets");
        }
        buckets = these;
    }
    // The crashed one adopted, the models bucket new.
    assert_eq!(emulator.counts(KINDS)["s3:bucket"], buckets_before + 1);
    for ((record, name), policy) in buckets.iter().zip(&bucket_names).zip(&policies) {
        assert_eq!(&record.physical_id, name);
        assert_eq!(
            record.arn.as_deref(),
            Some(format!("arn:aws:s3:::{name}").as_str())
        );
        check_bucket(&clients, name, &data_key_arn, policy).await;
        assert_no_drift(
            name,
            ok(
                "bucket drift",
                bucket::drift(&clients, record, &data_key_arn, policy).await,
            ),
        );
    }

    // --- Drift made outside, named, then repaired --------------------------------------------
    let data = &buckets[0];
    let mut loosened = policies[0].clone();
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
    ok(
        "PutBucketVersioning (suspended)",
        clients
            .s3
            .put_bucket_versioning()
            .bucket(data_name)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send()
            .await,
    );
    let drift = ok(
        "bucket drift",
        bucket::drift(&clients, data, &data_key_arn, &policies[0]).await,
    );
    assert_drift_names(
        "bucket",
        &drift,
        &[
            "bucket-data",
            data_name,
            SID_DENY_INSECURE_TRANSPORT,
            "missing",
        ],
    );
    assert_drift_names("bucket", &drift, &["versioning", "Suspended"]);
    assert_eq!(drift.len(), 2, "{drift:#?}");
    ok(
        "bucket repair",
        bucket::ensure(
            &clients,
            owner("bucket-data"),
            &tags,
            data_name,
            &data_key_arn,
            &policies[0],
        )
        .await,
    );
    assert_no_drift(
        "repaired bucket",
        ok(
            "bucket drift",
            bucket::drift(&clients, data, &data_key_arn, &policies[0]).await,
        ),
    );

    let data_key = keys
        .iter()
        .find(|(p, _)| *p == KeyPurpose::Data)
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| panic!("no data key"));
    let data_key_policy = key_policy(&facts, KeyPurpose::Data, &key_users);
    ok(
        "DisableKeyRotation",
        clients
            .kms
            .disable_key_rotation()
            .key_id(&data_key.physical_id)
            .send()
            .await,
    );
    ok(
        "DisableKey",
        clients
            .kms
            .disable_key()
            .key_id(&data_key.physical_id)
            .send()
            .await,
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
            .key_id(&data_key.physical_id)
            .policy_name("default")
            .policy(narrowed.to_string())
            .send()
            .await,
    );
    let drift = ok(
        "kms drift",
        kms_key::drift(&clients, &data_key, &data_key_policy).await,
    );
    assert_drift_names("kms key", &drift, &["rotation", "off"]);
    assert_drift_names("kms key", &drift, &["disabled"]);
    assert_drift_names(
        "kms key",
        &drift,
        &["AllowKeyUseByEnvironmentRoles", "missing"],
    );
    assert_eq!(drift.len(), 3, "{drift:#?}");
    ok(
        "kms repair",
        kms_key::ensure(
            &clients,
            owner(&LogicalId::KmsKey(KeyPurpose::Data).to_string()),
            &tags,
            KeyPurpose::Data,
            &data_key_policy,
        )
        .await,
    );
    assert_no_drift(
        "repaired key",
        ok(
            "kms drift",
            kms_key::drift(&clients, &data_key, &data_key_policy).await,
        ),
    );

    let (ds_persona, ds) = roles[0].clone();
    ok(
        "PutRolePolicy (extra)",
        clients
            .iam
            .put_role_policy()
            .role_name(&ds.physical_id)
            .policy_name("backdoor")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            )
            .send()
            .await,
    );
    ok(
        "UpdateAssumeRolePolicy (widened)",
        clients
            .iam
            .update_assume_role_policy()
            .role_name(&ds.physical_id)
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowAssumeRoleFromAccount","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await,
    );
    ok(
        "DetachRolePolicy (guardrails)",
        clients
            .iam
            .detach_role_policy()
            .role_name(&ds.physical_id)
            .policy_arn(&gp.physical_id)
            .send()
            .await,
    );
    let drift = ok(
        "role drift",
        role::drift(&clients, &ds, ds_persona, &facts, &bucket_names).await,
    );
    assert_drift_names("role", &drift, &["backdoor"]);
    assert_drift_names(
        "role",
        &drift,
        &["trust policy", "AllowAssumeRoleFromAccount"],
    );
    // The replacement trust document also lacks the SageMaker statement Studio needs.
    assert_drift_names("role", &drift, &["AllowAssumeRoleBySageMaker"]);
    assert_eq!(drift.len(), 3, "{drift:#?}");
    let drift = ok(
        "guardrail drift",
        guardrail_policy::drift(&clients, &gp, &guardrails, &guarded).await,
    );
    assert_drift_names("guardrails", &drift, &["not attached", &ds.physical_id]);
    ok(
        "role repair",
        role::ensure(
            &clients,
            owner(&LogicalId::Role(ds_persona).to_string()),
            &tags,
            ds_persona,
            &facts,
            &bucket_names,
        )
        .await,
    );
    ok(
        "guardrail repair",
        guardrail_policy::ensure(&clients, gp_owner, &tags, &guardrails, &guarded).await,
    );
    assert_no_drift(
        "repaired role",
        ok(
            "role drift",
            role::drift(&clients, &ds, ds_persona, &facts, &bucket_names).await,
        ),
    );
    assert_no_drift(
        "repaired guardrails",
        ok(
            "guardrail drift",
            guardrail_policy::drift(&clients, &gp, &guardrails, &guarded).await,
        ),
    );

    // --- Refusals: names taken by something that is not this child ----------------------------
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
    match bucket::ensure(
        &clients,
        owner("bucket-data"),
        &tags,
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
    match role::ensure(
        &clients,
        Owner {
            env_id: "team-b-dev",
            logical_id: "role-data-scientist",
        },
        &tags,
        Persona::DataScientist,
        &facts,
        &bucket_names,
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
        role::read_existing(&clients, "role-data-scientist", &foreign_arn).await,
    );
    assert_eq!(existing.kind, role::EXISTING_KIND);
    assert_eq!(existing.arn.as_deref(), Some(foreign_arn.as_str()));
    ok("delete existing", role::delete(&clients, &existing).await);
    ok(
        "GetRole after deleting an existing-role record",
        clients.iam.get_role().role_name(&foreign_role).send().await,
    );
    match role::read_existing(
        &clients,
        "role-execution",
        &format!("arn:aws:iam::{}:role/nobody", clients.account_id),
    )
    .await
    {
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

    // --- Delete --------------------------------------------------------------------------------
    match bucket::delete(&clients, data, false).await {
        Err(ChildError::Refused { child, reason }) => {
            assert_eq!(child, "bucket-data");
            assert!(reason.contains("storage.force_destroy"), "{reason}");
        }
        other => panic!("a bucket with objects must be refused without force, got {other:?}"),
    }
    ok(
        "delete data bucket",
        bucket::delete(&clients, data, true).await,
    );
    ok(
        "delete models bucket",
        bucket::delete(&clients, &buckets[1], false).await,
    );
    ok(
        "delete guardrails",
        guardrail_policy::delete(&clients, &gp).await,
    );
    for (_, record) in &keys {
        ok("delete key", kms_key::delete(&clients, record).await);
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
    for (_, record) in &roles {
        ok("delete role", role::delete(&clients, record).await);
    }
    // Deleting again is fine: not found (or pending deletion) counts as deleted.
    ok(
        "delete data bucket again",
        bucket::delete(&clients, data, true).await,
    );
    ok(
        "delete guardrails again",
        guardrail_policy::delete(&clients, &gp).await,
    );
    for (_, record) in &keys {
        ok("delete key again", kms_key::delete(&clients, record).await);
    }
    for (_, record) in &roles {
        ok("delete role again", role::delete(&clients, record).await);
    }
    // Gone is drift, not an error.
    let gone = ok(
        "drift of a deleted bucket",
        bucket::drift(&clients, data, &data_key_arn, &policies[0]).await,
    );
    assert_drift_names("deleted bucket", &gone, &["gone"]);
    let gone = ok(
        "drift of a deleted role",
        role::drift(&clients, &ds, ds_persona, &facts, &bucket_names).await,
    );
    assert_drift_names("deleted role", &gone, &["gone"]);
    let gone = ok(
        "drift of a deleted policy",
        guardrail_policy::drift(&clients, &gp, &guardrails, &guarded).await,
    );
    assert_drift_names("deleted guardrails", &gone, &["gone"]);
    let pending = ok(
        "drift of a deleted key",
        kms_key::drift(&clients, &data_key, &data_key_policy).await,
    );
    assert_drift_names("deleted key", &pending, &["pending deletion"]);

    // Keys pending deletion are not in the inventory, like on AWS they are on their way out.
    assert_eq!(
        emulator.counts(KINDS),
        baseline,
        "{:#}",
        emulator.inventory()
    );
}

async fn ensure_roles(
    clients: &AwsClients,
    facts: &EnvironmentFacts,
    bucket_names: &[String],
) -> Vec<(Persona, Record)> {
    let mut out = Vec::new();
    for persona in Persona::ALL {
        let id = LogicalId::Role(persona).to_string();
        out.push((
            persona,
            ok(
                "role ensure",
                role::ensure(
                    clients,
                    owner(&id),
                    &user_tags(),
                    persona,
                    facts,
                    bucket_names,
                )
                .await,
            ),
        ));
    }
    out
}

async fn ensure_keys(
    clients: &AwsClients,
    facts: &EnvironmentFacts,
    users: &[String],
) -> Vec<(KeyPurpose, Record)> {
    let mut out = Vec::new();
    for purpose in KeyPurpose::ALL {
        let id = LogicalId::KmsKey(purpose).to_string();
        out.push((
            purpose,
            ok(
                "kms ensure",
                kms_key::ensure(
                    clients,
                    owner(&id),
                    &user_tags(),
                    purpose,
                    &key_policy(facts, purpose, users),
                )
                .await,
            ),
        ));
    }
    out
}

async fn attached_policies(clients: &AwsClients, role: &str) -> Vec<String> {
    let out = ok(
        "ListAttachedRolePolicies",
        clients
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

async fn check_bucket(clients: &AwsClients, name: &str, key_arn: &str, policy: &Value) {
    let s3 = &clients.s3;
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
