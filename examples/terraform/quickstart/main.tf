# A locked-down SageMaker environment for one team: a new VPC over two zones with no internet
# path, VPC endpoints, the team's KMS keys, TLS-only and endpoint-only buckets, persona roles
# with guardrails, flow logs, and a VPC-only Studio domain with a user profile per persona. Runs as-is against the project's emulator (`make demo`), or
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

  # A VPC-only Studio domain in the private subnets, encrypted with the studio key.
  studio {
    # Retain (default): destroy keeps the users' home file system and says so; its mount
    # targets and NFS security groups are removed so the VPC can go. Delete: it goes too.
    efs_retention = "Retain"

    # Idle JupyterLab and Code Editor apps stop after an hour (users may choose less for a
    # space, never more); the defaults, written out.
    idle_shutdown {
      enabled      = true
      idle_minutes = 60
    }

    # Spaces start with 5 GB and may grow to 100 GB.
    default_space {
      storage_gb     = 5
      max_storage_gb = 100
    }

    # Apps that cannot work without internet access stay out of the web portal; no Docker.
    hidden_apps   = ["Canvas", "RStudioServerPro"]
    docker_access = "DISABLED"

    # The team's own Service Catalog portfolio: data scientists launch notebook instances
    # inside the environment (its subnet, group, keys and allowed instance types), team admins
    # add people to the domain; both as the environment's launch role.
    team_portfolio = true

    # pip and uv install from a private CodeArtifact repository that reads through to PyPI
    # (the VPC has no internet path): its endpoints, permissions and a default start-up script
    # per app type come with it. The defaults, written out.
    packages {
      enabled  = true
      upstream = "pypi"
    }

    # A start-up script users may pick for JupyterLab (a new script is a new configuration,
    # swapped in place). `default = true` would run it instead of the packages setup.
    lifecycle_config "tools" {
      app_type = "JupyterLab"
      content  = <<-EOT
        #!/bin/bash
        set -eu
        pip install --quiet --user ruff
      EOT
    }

    # A team image from this account's ECR (push it first; SageMaker checks it):
    # custom_image "lab" {
    #   ecr_image_uri = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/lab:v1"
    #   app_type      = "JupyterLab"
    # }

    user_profile "ana" {
      persona = "data_scientist"
      # Long-running notebooks: ana's own apps stop after four idle hours.
      idle_minutes = 240
    }
    user_profile "tomas" {
      persona = "team_admin"
    }
  }
}

# The environment's SageMaker project templates (README "MLOps"): Studio lists them for its
# people; a project's build and pipeline run inside the environment. Seed code from the MLOps
# bucket by default; a repository through CodeConnections with `source { ... }`.
resource "sagemaker_mlops_project_templates" "team" {
  environment_id = sagemaker_secure_ds_environment.team.id
}
