"""Our additions to moto, applied inside the server process by server.py.

Each module patches moto's classes (new response methods, wrapped backend
methods) when install() runs; nothing here changes moto's files on disk.
"""


def install() -> None:
    from . import cfn_custom, ec2_rules, endpoint_services, lambda_local, sagemaker, sc_provisioning, servicecatalog, studio

    sagemaker.install()
    studio.install()
    servicecatalog.install()
    sc_provisioning.install()  # builds on servicecatalog (imports it; no install-order dependency)
    ec2_rules.install()
    endpoint_services.install()  # wraps ec2_rules' CreateVpcEndpoint
    lambda_local.install()
    cfn_custom.install()
