# Enables SageMaker Projects (MLOps project templates) in this account and region and lets two
# Studio roles launch them. Runs as-is against the project's emulator (`make demo`), or against
# a real account with your usual AWS credentials.

terraform {
  required_version = ">= 1.5"
  required_providers {
    sagemaker = {
      source = "secure-mlops/sagemaker"
    }
  }
}

provider "sagemaker" {
  # region, endpoint and credentials come from the standard AWS environment
  # (AWS_REGION, AWS_ENDPOINT_URL, AWS_PROFILE, ...) unless set here.
  default_tags = {
    owner = "ml-platform"
  }
}

resource "sagemaker_projects_enablement" "this" {
  principal_arns = var.studio_role_arns

  # Keep SageMaker Projects enabled for other teams when this configuration is destroyed.
  disable_on_destroy = false

  timeouts {
    create = "20m"
  }
}
