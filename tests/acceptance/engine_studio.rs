//! The Studio children against the emulator, which makes Studio as AWS does: a domain comes with
//! an EFS file system, a mount target (and network interface) per subnet and two NFS security
//! groups that reference each other, and statuses change over time. The domain and its user
//! profiles are ensured twice (same ids), drifted from outside and repaired, and torn down with a
//! user's app still running, until the VPC, its subnets and its security group delete without a
//! dependency violation. Each test starts its own emulator and ends with the network deleted.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use acceptance::{assert_drift_names, cidr, ok, EngineFixture, REGION};
use aws_sdk_sagemaker::types::{
    AppNetworkAccessType, AppStatus, AppType, RetentionPolicy, RetentionType,
};
use secure_mlops_core::aws::AwsClients;
use secure_mlops_core::children::domain::{self, DomainSettings};
use secure_mlops_core::children::error::ChildError;
use secure_mlops_core::children::security_group::{self, Allow, Rules};
use secure_mlops_core::children::{studio_leftovers, subnet, user_profile, vpc};
use secure_mlops_core::engine::Record;
use secure_mlops_core::graph::environment::StudioPlatform;
use secure_mlops_core::spec::{AuthMode, EfsRetention, StudioSpec};
use secure_mlops_core::wait::Deadline;

const ENV_ID: &str = "team-a-dev";
const DOMAIN_ID: &str = "studio-domain";
/// What Studio leaves in an account, and what must be gone after a teardown.
const STUDIO_KINDS: &[&str] = &[
    "sagemaker:domain",
    "sagemaker:user_profile",
    "sagemaker:space",
    "sagemaker:app",
    "efs:file_system",
    "efs:mount_target",
    "ec2:security_group",
    "ec2:network_interface",
];
/// Long enough for every wait against the emulator; a test that needs it has a bug.
const BUDGET: Duration = Duration::from_secs(60);

fn deadline() -> Deadline {
    Deadline::after(BUDGET)
}

/// Runs `call`, failing the test if it takes longer than the budget (the network deletes retry
/// dependency violations for minutes).
async fn within<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(BUDGET, call)
        .await
        .unwrap_or_else(|_| panic!("{what}: still running after {BUDGET:?}"))
}

/// Everything the tests need besides Studio: a VPC with two subnets in two zones, the SageMaker
/// security group, a key and two roles.
struct World {
    f: EngineFixture,
    clients: AwsClients,
    vpc_id: String,
    subnet_ids: Vec<String>,
    group_id: String,
    key_arn: String,
    execution_role: String,
    data_scientist_role: String,
}

impl World {
    async fn new() -> Self {
        let f = EngineFixture::start("team-a", "dev", &[("team", "a")]).await;
        assert_eq!(f.env_id, ENV_ID);
        f.emulator.set_config(r#"{"studio_delay_seconds": 0.05}"#);
        let (clients, tags) = (f.clients.clone(), &f.tags);
        let vpc = ok(
            "vpc",
            vpc::ensure(&clients, f.owner("vpc"), tags, cidr("10.0.0.0/16")).await,
        );
        let mut subnet_ids = Vec::new();
        for (i, zone) in ["a", "b"].iter().enumerate() {
            let logical = format!("subnet-private-{i}");
            let s = ok(
                "subnet",
                subnet::ensure(
                    &clients,
                    f.owner(&logical),
                    tags,
                    &vpc.physical_id,
                    &format!("{REGION}{zone}"),
                    cidr(&format!("10.0.{i}.0/24")),
                )
                .await,
            );
            subnet_ids.push(s.physical_id);
        }
        let group = ok(
            "security group",
            security_group::ensure(
                &clients,
                f.owner("sg-sagemaker"),
                tags,
                &vpc.physical_id,
                "Studio apps",
                &Rules {
                    ingress: vec![Allow::AllWithSelf],
                    egress: vec![Allow::AllWithSelf],
                },
            )
            .await,
        );
        let key = ok(
            "CreateKey",
            clients
                .kms
                .create_key()
                .description("studio test key")
                .send()
                .await,
        );
        let key_arn = key
            .key_metadata()
            .and_then(|k| k.arn())
            .unwrap_or_else(|| panic!("CreateKey answered without an ARN"))
            .to_string();
        let execution_role = role(&clients, "team-a-dev-execution").await;
        let data_scientist_role = role(&clients, "team-a-dev-data-scientist").await;
        World {
            f,
            clients,
            vpc_id: vpc.physical_id,
            subnet_ids,
            group_id: group.physical_id,
            key_arn,
            execution_role,
            data_scientist_role,
        }
    }

    fn settings(&self) -> DomainSettings {
        DomainSettings {
            name: ENV_ID.to_string(),
            auth_mode: AuthMode::Iam,
            vpc_id: self.vpc_id.clone(),
            subnet_ids: self.subnet_ids.clone(),
            kms_key_arn: self.key_arn.clone(),
            execution_role_arn: self.execution_role.clone(),
            security_group_id: self.group_id.clone(),
            platform: StudioPlatform::of(&StudioSpec::default()),
            account_id: self.clients.account_id.clone(),
            additions: Default::default(),
        }
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        self.f.counts(STUDIO_KINDS)
    }

    /// One domain ensure as child `logical_id` with `settings`. Boxed: the domain's futures
    /// are large, and the test thread's stack is not.
    async fn domain_ensure(
        &self,
        logical_id: &str,
        settings: &DomainSettings,
    ) -> Result<Record, ChildError> {
        let owner = self.f.owner(logical_id);
        Box::pin(domain::ensure(
            &self.clients,
            owner,
            &self.f.tags,
            settings,
            deadline(),
        ))
        .await
    }

    async fn ensure_domain(&self) -> Record {
        ok(
            "domain ensure",
            self.domain_ensure(DOMAIN_ID, &self.settings()).await,
        )
    }

    async fn domain_drift(&self, d: &Record) -> Vec<String> {
        let drift = Box::pin(domain::drift(&self.clients, d, &self.settings())).await;
        ok("domain drift", drift)
    }

    /// Deletes the domain (boxed, as [`World::domain_ensure`]), returning the kept file system.
    async fn delete_domain(&self, d: &Record, retention: EfsRetention) -> Option<String> {
        let delete = domain::delete_returning_kept_efs(&self.clients, d, retention, deadline());
        ok("domain delete", Box::pin(delete).await)
    }

    async fn ensure_profile(&self, domain_id: &str, name: &str) -> Record {
        let logical = format!("user-profile-{name}");
        ok(
            "user profile ensure",
            Box::pin(user_profile::ensure(
                &self.clients,
                self.f.owner(&logical),
                &self.f.tags,
                name,
                &self.profile_settings(domain_id),
                deadline(),
            ))
            .await,
        )
    }

    async fn profile_drift(&self, record: &Record) -> Result<Vec<String>, ChildError> {
        let domain_id = record.attributes["domain_id"].clone();
        user_profile::drift(&self.clients, record, &self.profile_settings(&domain_id)).await
    }

    fn profile_settings(&self, domain_id: &str) -> user_profile::ProfileSettings {
        user_profile::ProfileSettings {
            domain_id: domain_id.to_string(),
            role_arn: self.data_scientist_role.clone(),
            security_group_id: self.group_id.clone(),
            sso_user_name: None,
            idle_minutes: Some(60),
            default_lifecycle_config: None,
        }
    }

    /// Starts the default Jupyter server of `profile`, as a user opening Studio does.
    async fn start_app(&self, domain_id: &str, profile: &str) {
        ok(
            "CreateApp",
            self.clients
                .sagemaker
                .create_app()
                .domain_id(domain_id)
                .user_profile_name(profile)
                .app_type(AppType::JupyterServer)
                .app_name("default")
                .send()
                .await,
        );
        for _ in 0..100 {
            let app = ok(
                "DescribeApp",
                self.clients
                    .sagemaker
                    .describe_app()
                    .domain_id(domain_id)
                    .user_profile_name(profile)
                    .app_type(AppType::JupyterServer)
                    .app_name("default")
                    .send()
                    .await,
            );
            if app.status() == Some(&AppStatus::InService) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the app of {profile} never came into service");
    }

    /// Deletes the network, each call failing the test if AWS (the emulator) still sees
    /// dependents for longer than the budget.
    async fn delete_network(&self) {
        ok(
            "security group delete",
            within(
                "security group delete",
                security_group::delete(&self.clients, &self.group_id),
            )
            .await,
        );
        for s in &self.subnet_ids {
            ok(
                "subnet delete",
                within("subnet delete", subnet::delete(&self.clients, s)).await,
            );
        }
        ok(
            "vpc delete",
            within("vpc delete", vpc::delete(&self.clients, &self.vpc_id)).await,
        );
        let inventory = self.f.emulator.inventory();
        for kind in [
            "ec2:vpc",
            "ec2:subnet",
            "ec2:security_group",
            "ec2:network_interface",
        ] {
            assert_eq!(
                inventory[kind].as_array().map_or(0, Vec::len),
                0,
                "{kind} left: {inventory:#}"
            );
        }
    }

    /// The names of the security groups left in the VPC.
    async fn group_names(&self) -> Vec<String> {
        let out = ok(
            "DescribeSecurityGroups",
            self.clients
                .ec2
                .describe_security_groups()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(&self.vpc_id)
                        .build(),
                )
                .send()
                .await,
        );
        let mut names: Vec<String> = out
            .security_groups()
            .iter()
            .filter_map(|g| g.group_name().map(str::to_string))
            .filter(|n| n != "default")
            .collect();
        names.sort();
        names
    }
}

async fn role(clients: &AwsClients, name: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let out = ok(
        "CreateRole",
        clients
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await,
    );
    out.role()
        .map(|r| r.arn().to_string())
        .unwrap_or_else(|| panic!("CreateRole answered without a role"))
}

/// Waits until DescribeDomain no longer knows the domain.
async fn wait_domain_gone(clients: &AwsClients, domain_id: &str) {
    for _ in 0..200 {
        match clients
            .sagemaker
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
        {
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found()) =>
            {
                return
            }
            Err(e) => panic!("DescribeDomain: {e:?}"),
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("domain {domain_id} is still there");
}

impl World {
    /// Deletes `profiles` and the domain with its home file system, checks that nothing of
    /// Studio is left (the VPC's own security group aside), then deletes the network.
    async fn teardown(&self, before: &BTreeMap<String, usize>, d: &Record, profiles: &[&Record]) {
        for p in profiles {
            let delete = user_profile::delete(&self.clients, p, deadline());
            ok("profile delete", Box::pin(delete).await);
        }
        assert_eq!(self.delete_domain(d, EfsRetention::Delete).await, None);
        let after = self.counts();
        for kind in STUDIO_KINDS.iter().filter(|k| **k != "ec2:security_group") {
            assert_eq!(after[*kind], 0, "{kind}: {after:?}");
        }
        assert_eq!(after["ec2:security_group"], before["ec2:security_group"]);
        self.delete_network().await;
    }

    /// Alice's and Bob's profiles in domain `d`.
    async fn alice_and_bob(&self, d: &Record) -> (Record, Record) {
        let alice = self.ensure_profile(&d.physical_id, "alice").await;
        let bob = self.ensure_profile(&d.physical_id, "bob").await;
        (alice, bob)
    }

    /// Bob's profile deleted outside the engine.
    async fn delete_bob_outside(&self, d: &Record) {
        ok(
            "DeleteUserProfile (outside)",
            self.clients
                .sagemaker
                .delete_user_profile()
                .domain_id(&d.physical_id)
                .user_profile_name("bob")
                .send()
                .await,
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_domain_is_vpc_only_with_its_home_file_system_and_found_again_by_name() {
    let w = World::new().await;
    let before = w.counts();
    assert_eq!(w.group_names().await, ["team-a-dev-sg-sagemaker"]);
    // Created, then found again by name with nothing recorded.
    let d = w.ensure_domain().await;
    assert_eq!(d.kind, domain::KIND);
    assert!(d.physical_id.starts_with("d-"), "{d:?}");
    let efs_id = d
        .attributes
        .get(domain::EFS_ATTRIBUTE)
        .cloned()
        .unwrap_or_else(|| panic!("no home file system in {d:?}"));
    assert!(efs_id.starts_with("fs-"), "{d:?}");
    assert!(
        d.attributes[domain::URL_ATTRIBUTE].contains(&d.physical_id),
        "{d:?}"
    );
    assert_eq!(d.attributes[domain::VPC_ATTRIBUTE], w.vpc_id);
    let created = w.counts();
    assert_eq!(created["sagemaker:domain"], before["sagemaker:domain"] + 1);
    assert_eq!(created["efs:file_system"], 1, "{created:?}");
    assert_eq!(
        created["efs:mount_target"], 2,
        "one per subnet: {created:?}"
    );
    assert_eq!(created["ec2:network_interface"], 2, "{created:?}");
    assert_eq!(
        created["ec2:security_group"],
        before["ec2:security_group"] + 2,
        "the NFS groups: {created:?}"
    );
    let described = ok(
        "DescribeDomain",
        w.clients
            .sagemaker
            .describe_domain()
            .domain_id(&d.physical_id)
            .send()
            .await,
    );
    assert_eq!(
        described.app_network_access_type(),
        Some(&AppNetworkAccessType::VpcOnly)
    );
    assert_eq!(
        described
            .default_user_settings()
            .and_then(|s| s.execution_role()),
        Some(w.execution_role.as_str())
    );
    let again = w.ensure_domain().await;
    assert_eq!(again, d, "a second ensure must adopt the same domain");
    assert_eq!(w.counts(), created);
    w.teardown(&before, &d, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_domain_not_its_own_or_moved_to_other_subnets_is_refused() {
    let w = World::new().await;
    let before = w.counts();
    let d = w.ensure_domain().await;
    // A same-named domain that is not this child's is refused, not taken over.
    let refused = w.domain_ensure("another-domain", &w.settings()).await;
    assert!(
        matches!(&refused, Err(ChildError::Refused { reason, .. }) if reason.contains("not tagged")),
        "{refused:?}"
    );
    // What AWS cannot change in place is refused with the way out.
    let mut moved = w.settings();
    moved.subnet_ids.pop();
    let refused = w.domain_ensure(DOMAIN_ID, &moved).await;
    assert!(
        matches!(&refused, Err(ChildError::Refused { reason, .. }) if reason.contains("must be replaced")),
        "{refused:?}"
    );
    w.teardown(&before, &d, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn user_profiles_are_ensured_once_and_one_deleted_outside_is_drift() {
    let w = World::new().await;
    let before = w.counts();
    let d = w.ensure_domain().await;
    let (alice, bob) = w.alice_and_bob(&d).await;
    assert_eq!(alice.kind, user_profile::KIND);
    assert_eq!(alice.physical_id, "alice");
    assert_eq!(alice.attributes["domain_id"], d.physical_id);
    assert!(
        alice.arn.as_deref().is_some_and(|a| a.ends_with("/alice")),
        "{alice:?}"
    );
    assert_eq!(w.ensure_profile(&d.physical_id, "alice").await, alice);
    assert_eq!(w.counts()["sagemaker:user_profile"], 2);
    assert_eq!(
        ok("profile drift", w.profile_drift(&alice).await),
        Vec::<String>::new()
    );
    // A profile deleted outside is drift, not an error.
    w.delete_bob_outside(&d).await;
    let drift = ok("profile drift", w.profile_drift(&bob).await);
    assert_drift_names("profile", &drift, &["bob", "outside the engine"]);
    assert_eq!(drift.len(), 1, "{drift:#?}");
    w.teardown(&before, &d, &[&alice, &bob]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_domain_opened_to_the_internet_is_named_and_repaired() {
    let w = World::new().await;
    let before = w.counts();
    let d = w.ensure_domain().await;
    assert_eq!(w.domain_drift(&d).await, Vec::<String>::new());
    ok(
        "UpdateDomain (outside)",
        w.clients
            .sagemaker
            .update_domain()
            .domain_id(&d.physical_id)
            .app_network_access_type(AppNetworkAccessType::PublicInternetOnly)
            .send()
            .await,
    );
    let drift = w.domain_drift(&d).await;
    assert_drift_names(
        "domain",
        &drift,
        &[&d.physical_id, "PublicInternetOnly", "VpcOnly"],
    );
    assert_eq!(drift.len(), 1, "{drift:#?}");
    assert_eq!(w.ensure_domain().await, d);
    assert_eq!(w.domain_drift(&d).await, Vec::<String>::new());
    w.teardown(&before, &d, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn teardown_with_a_running_app_keeps_only_the_home_file_system_and_frees_the_network() {
    let w = World::new().await;
    let before = w.counts();
    let baseline_groups = w.group_names().await;
    let d = w.ensure_domain().await;
    let efs_id = d.attributes[domain::EFS_ATTRIBUTE].clone();
    let (alice, bob) = w.alice_and_bob(&d).await;
    // A user opens Studio: a running app, which blocks deleting the profile and the domain.
    w.start_app(&d.physical_id, "alice").await;
    assert_eq!(w.counts()["sagemaker:app"], 1);
    w.delete_bob_outside(&d).await;

    // In the executor's order: profiles (one already gone), then the domain.
    for p in [&alice, &bob] {
        let delete = user_profile::delete(&w.clients, p, deadline());
        ok("profile delete", Box::pin(delete).await);
    }
    let delete = user_profile::delete(&w.clients, &alice, deadline());
    ok("profile delete again", Box::pin(delete).await);
    let kept = w.delete_domain(&d, EfsRetention::Retain).await;
    assert_eq!(kept.as_deref(), Some(efs_id.as_str()));
    let after = w.counts();
    for kind in [
        "sagemaker:domain",
        "sagemaker:user_profile",
        "sagemaker:space",
        "sagemaker:app",
        "efs:mount_target",
        "ec2:network_interface",
    ] {
        assert_eq!(after[kind], 0, "{kind}: {after:?}");
    }
    assert_eq!(
        w.f.emulator.inventory_of("efs:file_system"),
        std::slice::from_ref(&efs_id),
        "only the kept home file system stays"
    );
    assert_eq!(
        w.group_names().await,
        baseline_groups,
        "the NFS groups must be gone"
    );
    assert_eq!(after["ec2:security_group"], before["ec2:security_group"]);

    // Running it all again changes nothing and still names the kept file system.
    let delete = domain::delete(&w.clients, &d, EfsRetention::Retain, deadline());
    ok("domain delete again", Box::pin(delete).await);
    let cleanup = studio_leftovers::after_domain_deleted(
        &w.clients,
        d.arn.as_deref().unwrap_or_default(),
        &w.vpc_id,
        Some(&efs_id),
        EfsRetention::Retain,
        deadline(),
    );
    let kept_again = ok("cleanup again", Box::pin(cleanup).await);
    assert_eq!(kept_again.as_deref(), Some(efs_id.as_str()));
    assert_eq!(w.counts(), after);

    // The domain's leftovers no longer hold the network.
    w.delete_network().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn studio_teardown_deleting_the_home_file_system_finishes_an_interrupted_run() {
    let w = World::new().await;
    let before = w.counts();
    let d = w.ensure_domain().await;
    // A profile with a running app that nothing deleted first: the domain's delete clears it.
    let carol = w.ensure_profile(&d.physical_id, "carol").await;
    w.start_app(&d.physical_id, "carol").await;
    assert_eq!(w.counts()["sagemaker:app"], 1);

    // A run whose time is up part way (as when killed) fails with a timeout ...
    let interrupted = Box::pin(domain::delete(
        &w.clients,
        &d,
        EfsRetention::Delete,
        Deadline::after(Duration::ZERO),
    ))
    .await;
    assert!(
        matches!(&interrupted, Err(ChildError::Wait(_))),
        "{interrupted:?}"
    );
    // ... and the next run finishes the job.
    let kept = w.delete_domain(&d, EfsRetention::Delete).await;
    assert_eq!(kept, None);
    let after = w.counts();
    for kind in STUDIO_KINDS.iter().filter(|k| **k != "ec2:security_group") {
        assert_eq!(after[*kind], 0, "{kind}: {after:?}");
    }
    assert_eq!(after["ec2:security_group"], before["ec2:security_group"]);
    let delete = domain::delete(&w.clients, &d, EfsRetention::Delete, deadline());
    ok("domain delete again", Box::pin(delete).await);
    let delete = user_profile::delete(&w.clients, &carol, deadline());
    ok("profile delete after its domain", Box::pin(delete).await);
    assert_eq!(w.counts(), after);
    w.delete_network().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn studio_cleanup_runs_when_the_domain_was_already_deleted() {
    let w = World::new().await;
    let d = w.ensure_domain().await;
    // A run killed right after DeleteDomain: the domain goes, SageMaker's leftovers stay.
    ok(
        "DeleteDomain (outside)",
        w.clients
            .sagemaker
            .delete_domain()
            .domain_id(&d.physical_id)
            .retention_policy(
                RetentionPolicy::builder()
                    .home_efs_file_system(RetentionType::Retain)
                    .build(),
            )
            .send()
            .await,
    );
    wait_domain_gone(&w.clients, &d.physical_id).await;
    let left = w.counts();
    assert_eq!(left["sagemaker:domain"], 0, "{left:?}");
    assert_eq!(left["efs:mount_target"], 2, "{left:?}");
    assert_eq!(w.group_names().await.len(), 3, "the NFS groups stay");

    // The record alone (ARN, file system, VPC) is enough to finish.
    let kept = w.delete_domain(&d, EfsRetention::Delete).await;
    assert_eq!(kept, None);
    let after = w.counts();
    for kind in [
        "efs:file_system",
        "efs:mount_target",
        "ec2:network_interface",
    ] {
        assert_eq!(after[kind], 0, "{kind}: {after:?}");
    }
    assert_eq!(w.group_names().await, ["team-a-dev-sg-sagemaker"]);
    w.delete_network().await;
}
