# A locked-down SageMaker environment for one team: a new VPC over two zones with no internet
# path, VPC endpoints, the team's KMS keys, TLS-only and endpoint-only buckets, persona roles
# with guardrails, and flow logs. Runs as-is against the project's emulator (`make demo`), or
# against a real account with your usual AWS credentials.

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

resource "sagemaker_secure_ds_environment" "team" {
  name  = var.team
  stage = var.stage

  tags = {
    cost-center = var.cost_center
  }

  network {
    availability_zones = var.availability_zones
    # create_nat_gateways = false (default): no internet gateway at all.
    flow_logs {
      traffic_type   = "REJECT"
      retention_days = 30
    }
  }

  storage {
    # Lets `terraform destroy` remove the buckets with their objects; keep false in production.
    force_destroy = var.stage != "prod"
  }

  guardrails {
    allowed_instance_types = var.allowed_instance_types
  }
}
