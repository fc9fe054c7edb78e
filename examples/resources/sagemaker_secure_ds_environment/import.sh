# The id is <name>-<stage>. The next apply adopts the environment's children by their
# secure-mlops:environment and secure-mlops:component tags; nothing is created twice.
terraform import sagemaker_secure_ds_environment.fraud fraud-models-prod
