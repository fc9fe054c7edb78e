# The id is the environment's id; the next apply adopts the templates' children by their tags.
terraform import sagemaker_mlops_project_templates.team team-a-dev
