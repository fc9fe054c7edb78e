//! `sagemaker_projects_enablement` from a user's point of view: apply, empty re-plan, change the
//! principals, import, drift made outside Terraform, destroy, nothing left behind.

use std::collections::BTreeSet;

use acceptance::{role_arn, Emulator, Workdir, ACCOUNT_ID, REGION};

const ADDRESS: &str = "sagemaker_projects_enablement.this";

fn config(principals: &[String]) -> String {
    let list: Vec<String> = principals.iter().map(|p| format!("\"{p}\"")).collect();
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{
  default_tags = {{ team = "acceptance" }}
}}

resource "sagemaker_projects_enablement" "this" {{
  principal_arns = [{}]
  timeouts {{
    create = "2m"
  }}
}}

output "portfolio_id" {{
  value = sagemaker_projects_enablement.this.portfolio_id
}}
"#,
        list.join(", ")
    )
}

async fn associated(emulator: &Emulator, portfolio_id: &str) -> BTreeSet<String> {
    let client = aws_sdk_servicecatalog::Client::new(&emulator.sdk_config().await);
    let out = client
        .list_principals_for_portfolio()
        .portfolio_id(portfolio_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListPrincipalsForPortfolio failed: {e:?}"));
    out.principals()
        .iter()
        .filter_map(|p| p.principal_arn().map(str::to_string))
        .collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn enablement_lifecycle_from_apply_to_destroy_leaves_nothing_behind() {
    let emulator = Emulator::start();
    let (alice, bob, carol) = (
        role_arn("alice-studio"),
        role_arn("bob-studio"),
        role_arn("carol-studio"),
    );

    // Apply, then the plan is empty.
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&[alice.clone(), bob.clone()]));
    work.apply();
    work.assert_plan_empty("after the first apply");
    let values = work.resource_values(ADDRESS);
    let portfolio_id = values["portfolio_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        portfolio_id.starts_with("port-"),
        "portfolio id {portfolio_id:?}"
    );
    assert_eq!(values["id"], format!("{ACCOUNT_ID}/{REGION}"));
    assert_eq!(values["status"], "Enabled");
    assert_eq!(values["create_service_roles"], true);
    assert_eq!(values["disable_on_destroy"], false);
    assert_eq!(
        values["launch_role_arn"],
        format!("arn:aws:iam::{ACCOUNT_ID}:role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole")
    );
    assert_eq!(
        associated(&emulator, &portfolio_id).await,
        set(&[&alice, &bob])
    );
    let roles = emulator.inventory_of("iam:role");
    assert!(
        roles
            .iter()
            .any(|r| r.contains("AmazonSageMakerServiceCatalogProductsUseRole")),
        "the use role was created: {roles:?}"
    );
    assert_eq!(work.outputs()["portfolio_id"]["value"], portfolio_id);

    // Changing the principals adds and removes in place.
    work.write_config(&config(&[alice.clone(), carol.clone()]));
    let run = work.plan();
    assert_eq!(
        run.code,
        2,
        "a principal change must show in the plan:\n{}",
        run.text()
    );
    assert!(
        run.stdout.contains("updated in-place"),
        "in place, not replaced:\n{}",
        run.stdout
    );
    work.apply();
    work.assert_plan_empty("after changing the principals");
    assert_eq!(
        associated(&emulator, &portfolio_id).await,
        set(&[&alice, &carol])
    );

    // Import into an empty state: the plan shows no changes. `timeouts` is configuration, not
    // something AWS holds, so it cannot be imported: with a timeouts block the plan shows that
    // block alone, and applying it makes no AWS call.
    let imported = Workdir::new(&emulator.endpoint);
    imported.write_config(
        &config(&[alice.clone(), carol.clone()])
            .replace("timeouts {\n    create = \"2m\"\n  }", ""),
    );
    imported.import(ADDRESS, &format!("{ACCOUNT_ID}/{REGION}"));
    imported.assert_plan_empty("after import");
    imported.write_config(&config(&[alice.clone(), carol.clone()]));
    let run = imported.plan();
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stdout.contains("+ create = \"2m\"") && run.stdout.contains("1 to change"),
        "only the timeouts block differs after import:\n{}",
        run.stdout
    );
    let imported_values = imported.resource_values(ADDRESS);
    for key in [
        "id",
        "portfolio_id",
        "principal_arns",
        "status",
        "launch_role_arn",
        "use_role_arn",
    ] {
        assert_eq!(
            imported_values[key],
            work.resource_values(ADDRESS)[key],
            "imported {key}"
        );
    }
    // An id for another account is refused with a clear message.
    let run = imported.terraform(&[
        "import",
        "-no-color",
        "sagemaker_projects_enablement.other",
        "999999999999/us-east-1",
    ]);
    assert_ne!(run.code, 0);

    // A role disassociated outside Terraform shows as a diff, and apply repairs it.
    let client = aws_sdk_servicecatalog::Client::new(&emulator.sdk_config().await);
    client
        .disassociate_principal_from_portfolio()
        .portfolio_id(&portfolio_id)
        .principal_arn(&carol)
        .principal_type(aws_sdk_servicecatalog::types::PrincipalType::Iam)
        .send()
        .await
        .unwrap_or_else(|e| panic!("disassociate outside terraform failed: {e:?}"));
    let run = work.plan();
    assert_eq!(run.code, 2, "drift must show:\n{}", run.text());
    assert!(
        run.stdout.contains(&carol),
        "the plan names the missing role:\n{}",
        run.stdout
    );
    work.apply();
    assert_eq!(
        associated(&emulator, &portfolio_id).await,
        set(&[&alice, &carol])
    );

    // Destroy: no association is left; the account-wide service roles stay, as documented.
    work.destroy();
    assert_eq!(associated(&emulator, &portfolio_id).await, BTreeSet::new());
    let associations = emulator.inventory_of("servicecatalog:principal_association");
    assert!(
        associations.is_empty(),
        "associations left behind: {associations:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_principal_that_is_not_a_role_fails_at_plan_before_any_aws_call() {
    // Nothing listens on this endpoint: a call to AWS would fail with a connection error, so a
    // validation error proves that no call was made.
    let nowhere = format!("http://127.0.0.1:{}", acceptance::free_port());
    let work = Workdir::new(&nowhere);
    work.write_config(&config(&[
        role_arn("fine"),
        format!("arn:aws:iam::{ACCOUNT_ID}:user/not-a-role"),
    ]));
    let run = work.plan();
    assert_eq!(run.code, 1, "plan must fail:\n{}", run.text());
    let text = run.text();
    assert!(
        text.contains("principal_arns"),
        "the error names the attribute:\n{text}"
    );
    assert!(
        text.contains("user/not-a-role"),
        "the error names the value:\n{text}"
    );
    assert!(
        !text.contains("Cannot Connect"),
        "no AWS call was attempted:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn disable_on_destroy_disables_the_portfolio() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    let hcl = config(&[role_arn("dana-studio")]).replace(
        "principal_arns",
        "disable_on_destroy = true\n  principal_arns",
    );
    work.write_config(&hcl);
    work.apply();
    work.assert_plan_empty("after apply");
    work.destroy();
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    let status = sagemaker
        .get_sagemaker_servicecatalog_portfolio_status()
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetSagemakerServicecatalogPortfolioStatus failed: {e:?}"));
    assert_eq!(
        status.status(),
        Some(&aws_sdk_sagemaker::types::SagemakerServicecatalogStatus::Disabled)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn principals_known_only_at_apply_are_accepted_at_plan() {
    // `terraform_data.role.output` is unknown until apply; Terraform sends the ARN built from it
    // as a refined unknown (a known "arn:aws:iam::...:role/" prefix). Plan must accept it and
    // apply must associate the final value.
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    let hcl = config(&[role_arn("known")]).replace(
        &format!("\"{}\"]", role_arn("known")),
        &format!(
            "\"{}\", \"arn:aws:iam::{ACCOUNT_ID}:role/${{terraform_data.role.output}}-studio\"]",
            role_arn("known")
        ),
    ) + "\nresource \"terraform_data\" \"role\" {\n  input = \"late\"\n}\n";
    work.write_config(&hcl);
    let run = work.plan();
    assert_eq!(
        run.code,
        2,
        "plan with an unknown principal must succeed:\n{}",
        run.text()
    );
    work.apply();
    work.assert_plan_empty("after applying an unknown principal");
    let values = work.resource_values(ADDRESS);
    let portfolio_id = values["portfolio_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        associated(&emulator, &portfolio_id).await,
        set(&[&role_arn("known"), &role_arn("late-studio")])
    );
    work.destroy();
}

#[test]
fn terraform_init_works_offline_from_the_local_mirror() {
    // The demo's path: install the built provider into a filesystem mirror, then a plain
    // `terraform init` (no dev_overrides) must find it without asking any registry.
    let mirror = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
    acceptance::provider_dir();
    let out = std::process::Command::new(acceptance::repo_root().join("scripts/install-provider"))
        .arg(mirror.path())
        .env("INSTALL_PROVIDER_NO_BUILD", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run install-provider: {e}"));
    assert!(
        out.status.success(),
        "install-provider failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_config = String::from_utf8_lossy(&out.stdout).trim().to_string();

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
    std::fs::write(dir.path().join("main.tf"), config(&[role_arn("x")]))
        .unwrap_or_else(|e| panic!("cannot write main.tf: {e}"));
    let init = std::process::Command::new("terraform")
        .args(["init", "-no-color", "-input=false"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", &cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run terraform: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(
        init.status.success(),
        "terraform init failed offline:\n{text}"
    );
    assert!(text.contains("secure-mlops/sagemaker"), "{text}");
    assert!(
        dir.path().join(".terraform.lock.hcl").exists(),
        "init wrote no lock file"
    );
}
