resource "sagemaker_secure_ds_environment" "fraud" {
  name  = "fraud-models"
  stage = "prod"

  network {
    availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    vpc_cidr           = "10.42.0.0/16"
    flow_logs {
      traffic_type   = "ALL"
      retention_days = 365
    }
  }

  iam {
    # Owned by the identity team: used as is, no guardrail attached by this resource.
    team_admin_role_arn = "arn:aws:iam::123456789012:role/fraud-models-admin"
  }

  guardrails {
    allowed_instance_types = ["ml.m5.xlarge", "ml.g5.2xlarge"]
  }

  studio {
    auth_mode     = "SSO"
    efs_retention = "Retain"
    user_profile "maria" {
      persona = "data_scientist"
    }
    user_profile "lead" {
      persona = "team_admin"
    }
  }
}

# Studio and jobs run in the environment's private subnets with its security group and keys.
output "studio_network" {
  value = {
    subnet_ids        = sagemaker_secure_ds_environment.fraud.private_subnet_ids
    security_group_id = sagemaker_secure_ds_environment.fraud.sagemaker_security_group_id
    volume_kms_key    = sagemaker_secure_ds_environment.fraud.kms_key_arns["ebs"]
    studio_url        = sagemaker_secure_ds_environment.fraud.domain_url
  }
}
