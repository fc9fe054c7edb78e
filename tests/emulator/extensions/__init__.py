"""Our additions to moto, applied inside the server process by server.py.

Each module patches moto's classes (new response methods, wrapped backend
methods) when install() runs; nothing here changes moto's files on disk.
"""


def install() -> None:
    from . import cfn_custom, ec2_rules, lambda_local, sagemaker, servicecatalog, studio

    sagemaker.install()
    studio.install()
    servicecatalog.install()
    ec2_rules.install()
    lambda_local.install()
    cfn_custom.install()
