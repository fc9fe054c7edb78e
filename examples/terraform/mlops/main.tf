# MLOps for one team: its locked-down environment, the environment's SageMaker project templates
# (Service Catalog products its data scientists see in Studio), a project made from the
# model-build-train template, whose CodePipeline and CodeBuild run inside the environment's
# network with its keys, and a project made from the model-deploy template, which deploys the
# versions a team admin approves in the first project's model package group to a staging, then
# (after a person's approval in CodePipeline) a production endpoint in the environment's VPC. Runs as-is against the project's emulator (`make demo`), or against a
# real account with your usual AWS credentials (see project_principal_arns).

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

  network {
    availability_zones = var.availability_zones
  }

  storage {
    # Lets `terraform destroy` remove the buckets with their objects; keep false in production.
    force_destroy = var.stage != "prod"
  }

  studio {
    # Outside prod, destroy removes the users' home file system too.
    efs_retention = var.stage == "prod" ? "Retain" : "Delete"

    user_profile "alice" {
      persona = "data_scientist"
    }
  }
}

# The templates Studio lists under Projects, Create project, Organization templates: a
# portfolio shared with the environment's data_scientist and team_admin roles, launched as a
# dedicated role whose only IAM action is passing the build role. Seed code comes from the
# environment's MLOps bucket (no repository needed); see `source` for GitHub or GitLab through
# a CodeConnections connection.
resource "sagemaker_mlops_project_templates" "team" {
  environment_id = sagemaker_secure_ds_environment.team.id

  # A project is launched for its caller: whoever applies sagemaker_project below must be able
  # to launch the templates. On AWS, add the role Terraform runs as.
  additional_principal_arns = var.project_principal_arns
}

# A project as a data scientist would make it in Studio: SageMaker launches the template, whose
# pipeline builds the seed code and runs the SageMaker Pipeline inside the environment,
# registering models pending a team admin's approval.
resource "sagemaker_project" "churn" {
  name        = var.project
  description = "Churn model: build, train, evaluate, register"
  product_id  = sagemaker_mlops_project_templates.team.product_ids["model-build-train"]

  # Destroy deletes the model versions and the data the project's pipelines wrote.
  force_destroy = var.stage != "prod"
}

# Its deployment: an approval in the project above starts this project's pipeline (EventBridge),
# which deploys the approved version to staging, tests it, and waits for a person before
# production. Destroy deletes the endpoint stacks it made, then the project.
resource "sagemaker_project" "churn_deploy" {
  name        = "${var.project}-deploy"
  description = "Churn model: deploy approved versions to staging, then production"
  product_id  = sagemaker_mlops_project_templates.team.product_ids["model-deploy"]
  parameters = {
    SourceModelPackageGroupName = sagemaker_project.churn.outputs["ModelPackageGroupName"]
  }
}
