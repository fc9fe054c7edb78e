//! Writes every policy document the engine writes for two quickstart environments (Studio on, two
//! users of each persona) as JSON files, for the security tools in `tests/security/`.
//!
//! ```text
//! cargo run -p secure-mlops-core --example dump_policies -- <dir>
//! ```
//!
//! Built only from the pure builders of `secure_mlops_core::policy`, with fixed facts (account
//! `123456789012`, `eu-west-1`, environments `team-a-dev` and `team-b-dev`), so the output is the
//! same on every machine and needs no AWS. `<dir>/manifest.json` lists each document with what it
//! is: `identity` (attached to `principals`), `trust`, `bucket`/`key` (resource policies of
//! `resource`), `endpoint` (a VPC endpoint policy: the S3 gateway endpoint's, `endpoint_id`, or
//! one interface endpoint policy and the `services` whose endpoints carry it) or `boundary`.

use std::path::{Path, PathBuf};

use secure_mlops_core::ids::{KeyPurpose, MlopsRoleKind, Persona};
use secure_mlops_core::policy::environment::boundary::boundary_policy;
use secure_mlops_core::policy::environment::endpoint::{
    interface_endpoint_scope, InterfaceEndpointScope,
};
use secure_mlops_core::policy::environment::flow_logs::{
    flow_logs_delivery_policy, flow_logs_trust_policy,
};
use secure_mlops_core::policy::environment::kms::key_users;
use secure_mlops_core::policy::environment::mlops::{
    mlops_permissions_policy, mlops_role_name, mlops_trust_policy, MlopsRoleInput,
};
use secure_mlops_core::policy::environment::packages::{domain_policy, PackageRepositoryNames};
use secure_mlops_core::policy::environment::roles::{
    environment_role_arn, persona_permissions_policy, persona_role_name, studio_scope_policy,
    trust_policy, SignInSources,
};
use secure_mlops_core::policy::environment::{
    bucket_policy, guardrail_policy, interface_endpoint_policy, key_policy, s3_endpoint_policy,
    BucketPolicyInput, EnvironmentFacts, GuardrailScope,
};
use secure_mlops_core::policy::projects_roles::{LAUNCH_ROLE, USE_ROLE};
use secure_mlops_core::policy::security_response::{
    function_policy, function_trust_policy, queue_policy, ResponseFacts, ROLE_PATH,
};
use secure_mlops_core::spec::{
    GuardrailSpec, SourceKind, SourceSpec, DEFAULT_INTERFACE_ENDPOINTS, PACKAGE_ENDPOINTS,
};
use serde_json::{json, Value};

/// The account both environments live in.
const ACCOUNT: &str = "123456789012";
/// Their region.
const REGION: &str = "eu-west-1";
/// The engine's own role (the custom-resource Lambda's, or a Terraform user's).
const ENGINE_ROLE: &str = "arn:aws:iam::123456789012:role/secure-mlops-engine";

/// One environment's fixed facts and the ids its children got.
struct Env {
    facts: EnvironmentFacts,
    s3_endpoint_id: &'static str,
}

impl Env {
    fn id(&self) -> String {
        format!("{}-{}", self.facts.name, self.facts.stage)
    }

    fn bucket(&self, purpose: &str) -> String {
        format!("{}-{REGION}-{ACCOUNT}-{purpose}", self.id())
    }

    /// The environment's letter (`a`, `b`), for its fixed ids.
    fn letter(&self) -> &str {
        &self.facts.name[self.facts.name.len() - 1..]
    }

    /// The role's ARN as IAM reports it, with the path the environment creates roles under.
    fn role_arn(&self, persona: Persona) -> String {
        environment_role_arn("aws", ACCOUNT, &persona_role_name(&self.id(), persona))
    }
}

fn environments() -> Vec<Env> {
    let facts = |name: &str| EnvironmentFacts {
        partition: "aws".into(),
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        name: name.into(),
        stage: "dev".into(),
        trusted_principal_arns: Vec::new(),
    };
    vec![
        Env {
            facts: facts("team-a"),
            s3_endpoint_id: "vpce-0a0000000000000a1",
        },
        Env {
            facts: facts("team-b"),
            s3_endpoint_id: "vpce-0b0000000000000b1",
        },
    ]
}

/// Collects documents and their manifest entries.
struct Dump {
    dir: PathBuf,
    manifest: Vec<Value>,
}

impl Dump {
    fn write(&mut self, relative: &str, document: &Value, entry: Value) -> std::io::Result<()> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, serde_json::to_string_pretty(document)? + "\n")?;
        let mut entry = entry;
        entry["path"] = json!(relative);
        self.manifest.push(entry);
        Ok(())
    }
}

fn dump_environment(out: &mut Dump, env: &Env) -> std::io::Result<()> {
    let id = env.id();
    let facts = &env.facts;
    let buckets = vec![env.bucket("data"), env.bucket("models")];
    // The quickstart's package repository (studio.packages is on by default).
    let packages = PackageRepositoryNames {
        domain: id.clone(),
        repository: "pypi".into(),
    };

    for persona in Persona::ALL {
        let role = env.role_arn(persona);
        out.write(
            &format!("{id}/roles/{}.trust.json", persona.key()),
            &trust_policy(facts, persona),
            json!({ "type": "trust", "env": id, "resource": role }),
        )?;
        out.write(
            &format!("{id}/roles/{}.permissions.json", persona.key()),
            &persona_permissions_policy(
                facts,
                persona,
                &buckets,
                &SignInSources::default(),
                Some(&packages),
            ),
            json!({ "type": "identity", "env": id, "principals": [role] }),
        )?;
    }

    // The MLOps project templates' roles (sagemaker_mlops_project_templates): team-a builds from
    // a CodeConnections repository with its package repository, team-b from seed code in S3.
    let source = if env.letter() == "a" {
        SourceSpec {
            kind: SourceKind::CodeConnections,
            connection_arn: Some(format!(
                "arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
            )),
            repository: Some("team-a/churn-model".into()),
            branch: "main".into(),
        }
    } else {
        SourceSpec::default()
    };
    let mlops_input = MlopsRoleInput {
        subnet_ids: vec![
            format!("subnet-0{}00000000000001", env.letter()),
            format!("subnet-0{}00000000000002", env.letter()),
        ],
        data_key_arn: key_arn(env, KeyPurpose::Data),
        ebs_key_arn: key_arn(env, KeyPurpose::Ebs),
        models_bucket: env.bucket("models"),
        execution_role_arn: env.role_arn(Persona::Execution),
        packages: (env.letter() == "a").then(|| packages.clone()),
        source,
    };
    let mut mlops_roles = Vec::new();
    for kind in MlopsRoleKind::ALL {
        let role = environment_role_arn("aws", ACCOUNT, &mlops_role_name(&id, kind));
        out.write(
            &format!("{id}/roles/mlops-{}.trust.json", kind.key()),
            &mlops_trust_policy(facts, kind),
            json!({ "type": "trust", "env": id, "resource": role }),
        )?;
        out.write(
            &format!("{id}/roles/mlops-{}.permissions.json", kind.key()),
            &mlops_permissions_policy(facts, kind, &mlops_input),
            json!({ "type": "identity", "env": id, "principals": [role] }),
        )?;
        mlops_roles.push(role);
    }

    // The boundary the environment creates when none is given; every role it creates carries it.
    let mut bounded: Vec<String> = Persona::ALL.iter().map(|p| env.role_arn(*p)).collect();
    bounded.extend(mlops_roles);
    out.write(
        &format!("{id}/boundary.json"),
        &boundary_policy(facts),
        json!({ "type": "boundary", "env": id, "principals": bounded }),
    )?;

    let scope = GuardrailScope {
        subnet_ids: vec![
            format!("subnet-0{}00000000000001", env.letter()),
            format!("subnet-0{}00000000000002", env.letter()),
        ],
        security_group_ids: vec![format!("sg-0{}000000000000001", env.letter())],
        volume_kms_key_arns: vec![key_arn(env, KeyPurpose::Ebs)],
        output_kms_key_arns: vec![key_arn(env, KeyPurpose::Data)],
    };
    // team-b asks for network isolation, inter-container encryption and instance types as well.
    let guard = if env.letter() == "b" {
        GuardrailSpec {
            require_network_isolation: true,
            require_inter_container_encryption: true,
            allowed_instance_types: vec!["ml.m5.xlarge".into(), "ml.t3.medium".into()],
            managed_config_rules: false,
            ..GuardrailSpec::default()
        }
    } else {
        GuardrailSpec::default()
    };
    if let Some(guardrails) = guardrail_policy(&guard, &scope) {
        // Attached to every role the environment creates.
        let attached: Vec<String> = Persona::ALL.iter().map(|p| env.role_arn(*p)).collect();
        out.write(
            &format!("{id}/guardrails.json"),
            &guardrails,
            json!({ "type": "identity", "env": id, "principals": attached }),
        )?;
    }

    // The studio scope, once the domain exists (fixed id d-<letter x 12>), on the people and
    // execution roles.
    let domain_id = format!("d-{}", env.letter().repeat(12));
    let scoped: Vec<String> = [
        Persona::DataScientist,
        Persona::TeamAdmin,
        Persona::Execution,
    ]
    .iter()
    .map(|p| env.role_arn(*p))
    .collect();
    out.write(
        &format!("{id}/studio-scope.json"),
        &studio_scope_policy(facts, &domain_id),
        json!({ "type": "identity", "env": id, "principals": scoped }),
    )?;

    for purpose in KeyPurpose::ALL {
        let mut users: Vec<String> = key_users(purpose)
            .iter()
            .map(|p| env.role_arn(*p))
            .collect();
        users.push(ENGINE_ROLE.to_string());
        let key_arn = key_arn(env, purpose);
        out.write(
            &format!("{id}/keys/{}.json", purpose.key()),
            &key_policy(facts, purpose, &users),
            json!({ "type": "key", "env": id, "resource": key_arn }),
        )?;
    }

    for (purpose, name) in ["data", "models"].iter().zip(&buckets) {
        let policy = bucket_policy(
            facts,
            &BucketPolicyInput {
                bucket_name: name.clone(),
                vpc_endpoint_id: env.s3_endpoint_id.to_string(),
                service_role_arns: vec![ENGINE_ROLE.to_string()],
                kms_key_arn: key_arn(env, KeyPurpose::Data),
            },
        );
        out.write(
            &format!("{id}/buckets/{purpose}.json"),
            &policy,
            json!({ "type": "bucket", "env": id, "resource": format!("arn:aws:s3:::{name}") }),
        )?;
    }

    out.write(
        &format!("{id}/endpoints/s3.json"),
        &s3_endpoint_policy(facts, &buckets),
        json!({ "type": "endpoint", "env": id, "service": "s3", "endpoint_id": env.s3_endpoint_id }),
    )?;

    // The interface endpoints' policies depend only on the service's scope, so each distinct
    // document is written once, listing the services it is set on.
    let mut interface: Vec<(String, Value, Vec<&str>)> = Vec::new();
    for service in DEFAULT_INTERFACE_ENDPOINTS.iter().chain(PACKAGE_ENDPOINTS) {
        let Some(policy) = interface_endpoint_policy(facts, service) else {
            continue;
        };
        let scope = match interface_endpoint_scope(service) {
            InterfaceEndpointScope::OwnAccount => "own-account",
            _ => "own-principals",
        };
        match interface.iter_mut().find(|(_, doc, _)| *doc == policy) {
            Some((_, _, services)) => services.push(service),
            None => interface.push((scope.to_string(), policy, vec![service])),
        }
    }
    for (scope, policy, services) in interface {
        out.write(
            &format!("{id}/endpoints/interface-{scope}.json"),
            &policy,
            json!({ "type": "endpoint", "env": id, "services": services }),
        )?;
    }

    out.write(
        &format!("{id}/packages/domain.json"),
        &domain_policy(facts, &packages.domain),
        json!({ "type": "codeartifact-domain", "env": id, "resource": packages.domain_arn(facts) }),
    )?;

    let flow_logs_role = format!("arn:aws:iam::{ACCOUNT}:role/{id}-vpc-flow-logs");
    out.write(
        &format!("{id}/roles/vpc_flow_logs.trust.json"),
        &flow_logs_trust_policy(facts),
        json!({ "type": "trust", "env": id, "resource": flow_logs_role }),
    )?;
    out.write(
        &format!("{id}/roles/vpc_flow_logs.permissions.json"),
        &flow_logs_delivery_policy(facts),
        json!({ "type": "identity", "env": id, "principals": [flow_logs_role] }),
    )?;
    Ok(())
}

/// A fixed key ARN per environment and purpose (the real ones are random).
fn key_arn(env: &Env, purpose: KeyPurpose) -> String {
    let index = KeyPurpose::ALL
        .iter()
        .position(|p| *p == purpose)
        .unwrap_or(0);
    let letter = env.letter();
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{letter}{letter}{letter}{letter}000{index}-0000-4000-8000-000000000000")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: dump_policies <output directory>")?;
    let dir = Path::new(&dir).to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let mut out = Dump {
        dir: dir.clone(),
        manifest: Vec::new(),
    };
    for env in environments() {
        dump_environment(&mut out, &env)?;
    }
    for role in [LAUNCH_ROLE, USE_ROLE] {
        out.write(
            &format!("account/{}.trust.json", role.name),
            &role.trust_policy(),
            json!({ "type": "trust", "env": null, "resource": role.arn("aws", ACCOUNT) }),
        )?;
    }
    // The security response (one per account and region), notifying with team-a's data key.
    let response = ResponseFacts {
        partition: "aws".into(),
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        name: "secure-mlops-response".into(),
        topic_arn: Some(format!(
            "arn:aws:sns:{REGION}:{ACCOUNT}:secure-mlops-response"
        )),
        kms_key_arn: Some(format!(
            "arn:aws:kms:{REGION}:{ACCOUNT}:key/aaaa0001-0000-4000-8000-000000000000"
        )),
    };
    let response_role = format!("arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}secure-mlops-response");
    out.write(
        "account/security-response/function.trust.json",
        &function_trust_policy(&response),
        json!({ "type": "trust", "env": null, "resource": response_role }),
    )?;
    out.write(
        "account/security-response/function.permissions.json",
        &function_policy(&response),
        json!({ "type": "identity", "env": null, "principals": [response_role] }),
    )?;
    out.write(
        "account/security-response/queue.json",
        &queue_policy(&response),
        json!({ "type": "queue", "env": null, "resource": response.queue_arn() }),
    )?;
    let manifest = json!({
        "account": ACCOUNT,
        "region": REGION,
        "engine_role": ENGINE_ROLE,
        "documents": out.manifest,
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    eprintln!(
        "dump_policies: {} documents in {}",
        manifest["documents"].as_array().map_or(0, Vec::len),
        dir.display()
    );
    Ok(())
}
