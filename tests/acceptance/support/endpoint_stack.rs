//! What a model-deploy project's pipeline deploys at a stage (the emulator runs no pipeline
//! action): the seed code's `endpoint.yaml` as the stack the template names, with the
//! parameters the seed's build writes, created by CloudFormation as the MLOps deploy role.

use std::time::Duration;

use acceptance::repo_root;
use aws_sdk_cloudformation::types::Parameter;

/// The environment's parts an endpoint stack names.
pub(crate) struct EndpointEnvironment<'a> {
    pub(crate) subnets: &'a [String],
    pub(crate) security_group: &'a str,
    pub(crate) execution_role: &'a str,
    pub(crate) ebs_key: &'a str,
    pub(crate) data_key: &'a str,
    pub(crate) deploy_role: &'a str,
}

/// Creates `stack` for `stage` of project `project_id` deploying `model_package` (version 1),
/// capturing under `capture`, and waits for it; returns its final status.
pub(crate) async fn deploy(
    cfn: &aws_sdk_cloudformation::Client,
    env: &EndpointEnvironment<'_>,
    (stack, stage): (&str, &str),
    project_id: &str,
    model_package: &str,
    capture: &str,
) -> String {
    let template =
        std::fs::read_to_string(repo_root().join("mlops/seed-code/deploy/endpoint.yaml"))
            .unwrap_or_else(|e| panic!("endpoint.yaml: {e}"));
    let parameters = [
        ("SageMakerProjectId", project_id),
        ("StageName", stage),
        ("ModelPackageArn", model_package),
        ("ModelVersion", "1"),
        ("ModelExecutionRoleArn", env.execution_role),
        ("SubnetIds", &env.subnets.join(",")),
        ("SecurityGroupIds", env.security_group),
        ("EbsKmsKeyArn", env.ebs_key),
        ("DataKmsKeyArn", env.data_key),
        ("DataCaptureUri", capture),
    ]
    .iter()
    .map(|(k, v)| {
        Parameter::builder()
            .parameter_key(*k)
            .parameter_value(*v)
            .build()
    })
    .collect();
    cfn.create_stack()
        .stack_name(stack)
        .template_body(template)
        .role_arn(env.deploy_role)
        .set_parameters(Some(parameters))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStack: {e:?}"));
    let mut status = String::new();
    for _ in 0..100 {
        let described = cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeStacks: {e:?}"));
        status = described.stacks()[0]
            .stack_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if !status.ends_with("_IN_PROGRESS") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}
