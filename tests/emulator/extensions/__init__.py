"""Our additions to moto, applied inside the server process by server.py.

Each module patches moto's classes (new response methods, wrapped backend
methods) when install() runs; nothing here changes moto's files on disk.
"""


def install() -> None:
    from . import (
        cfn_custom,
        cfn_mlops,
        cfn_sagemaker,
        cfn_settle,
        cloudtrail,
        cloudtrail_events,
        config_rules,
        ec2_rules,
        ec2_settle,
        efs_settle,
        endpoint_services,
        events_lambda,
        faults,
        iam_fixes,
        iam_propagation,
        lambda_local,
        latency_profile,
        mlops_events,
        s3_policy,
        sagemaker,
        sagemaker_model_packages,
        sagemaker_models,
        sagemaker_notebooks,
        sagemaker_projects,
        sagemaker_tags,
        sagemaker_workloads,
        sc_products,
        sc_provisioning,
        servicecatalog,
        studio,
        studio_images,
        studio_lifecycle,
        studio_settings,
        studio_tag_propagation,
    )

    latency_profile.install()  # config keys first: a bad EMULATOR_LATENCY_* fails the start
    faults.install()
    sagemaker.install()
    studio.install()
    studio_lifecycle.install()
    studio_images.install()  # registers its settle with studio's
    studio_settings.install()  # wraps sagemaker's and studio's handlers (validation first)
    studio_tag_propagation.install()  # wraps studio's (and studio_settings') CreateSpace/CreateApp
    sagemaker_workloads.install()
    sagemaker_notebooks.install()
    sagemaker_models.install()
    sagemaker_model_packages.install()
    servicecatalog.install()
    sc_provisioning.install()  # builds on servicecatalog (imports it; no install-order dependency)
    sc_products.install()  # after sc_provisioning: wraps its handlers (versions' Active and Guidance)
    ec2_rules.install()
    endpoint_services.install()  # wraps ec2_rules' CreateVpcEndpoint
    ec2_settle.install()  # wraps both: pending states on top of their checks
    efs_settle.install()
    iam_fixes.install()
    iam_propagation.install()
    lambda_local.install()
    cfn_custom.install()
    cfn_sagemaker.install()  # SageMaker resource types, through the handlers installed above
    cfn_mlops.install()  # model package groups, CodeBuild projects, pipelines (cfn_sagemaker's table)
    sagemaker_projects.install()  # CreateProject & co. through sc_provisioning's handlers
    cfn_settle.install()
    config_rules.install()
    sagemaker_tags.install()  # after every module that wraps SageMaker's ARN lookup
    cloudtrail.install()
    events_lambda.install()  # EventBridge -> Lambda (runs functions with lambda_local)
    mlops_events.install()  # model approvals on EventBridge, rules -> CodePipeline, group policies
    cloudtrail_events.install()  # wraps SageMakerResponse.call_action: calls -> trails -> EventBridge
    s3_policy.install()  # bucket policies evaluated with the request's condition keys
