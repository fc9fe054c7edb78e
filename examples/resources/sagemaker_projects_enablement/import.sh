# The id is <account-id>/<region> of the provider's credentials.
terraform import sagemaker_projects_enablement.this 123456789012/eu-west-1
