resource "sagemaker_projects_enablement" "this" {
  principal_arns = [
    aws_iam_role.studio_execution.arn,
    "arn:aws:iam::123456789012:role/team-a-data-scientist",
  ]

  # Default true: create the two account-wide service roles when they are missing.
  create_service_roles = true

  # Default false: leave SageMaker Projects enabled for other teams on destroy.
  disable_on_destroy = false

  timeouts {
    create = "20m"
    delete = "20m"
  }
}
