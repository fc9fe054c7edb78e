# The environment's project templates, shown in Studio to its data scientists and team admins,
# and to the role that applies sagemaker_project.
resource "sagemaker_mlops_project_templates" "team" {
  environment_id            = sagemaker_secure_ds_environment.team.id
  additional_principal_arns = ["arn:aws:iam::111122223333:role/terraform-deployer"]
}
