# The same environment inside a VPC the network team already runs: the environment uses your VPC,
# private subnets and S3 gateway endpoint as they are, adds its security groups, interface
# endpoints, keys, buckets, roles and flow logs, and never changes or deletes what you brought.

terraform {
  required_version = ">= 1.5"
  required_providers {
    sagemaker = {
      source = "secure-mlops/sagemaker"
    }
  }
}

provider "sagemaker" {}

resource "sagemaker_secure_ds_environment" "team" {
  name  = var.team
  stage = var.stage

  network {
    vpc_id                      = var.vpc_id
    availability_zones          = var.availability_zones
    existing_private_subnet_ids = var.private_subnet_ids
    existing_s3_endpoint_id     = var.s3_endpoint_id
    # Only the endpoints your VPC lacks; the default is the full set of 17.
    interface_endpoints = var.interface_endpoints
  }

  iam {
    # Roles your identity team owns: used as they are, no role is created for these personas.
    data_scientist_role_arn = var.data_scientist_role_arn
  }

  storage {
    force_destroy = true
  }
}

output "sagemaker_security_group_id" {
  value = sagemaker_secure_ds_environment.team.sagemaker_security_group_id
}

output "role_arns" {
  value = sagemaker_secure_ds_environment.team.role_arns
}
