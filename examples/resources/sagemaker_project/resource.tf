# A project from the environment's model-build-train template, building code of its own.
resource "sagemaker_project" "churn" {
  name        = "churn"
  description = "Customer churn model"
  product_id  = sagemaker_mlops_project_templates.team.product_ids["model-build-train"]

  parameters = {
    SourceObjectKey = "projects/churn/code.zip"
  }

  # Destroy also deletes the model versions it registered and its pipelines' data.
  force_destroy = false
}
