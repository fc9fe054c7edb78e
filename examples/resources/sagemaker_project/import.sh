# The id is the project's name.
terraform import sagemaker_project.churn churn
