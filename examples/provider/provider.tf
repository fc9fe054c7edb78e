provider "sagemaker" {
  region = "eu-west-1"

  # Optional: one endpoint for every service (an emulator, LocalStack).
  # endpoint = "http://127.0.0.1:4566"

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/ml-platform-deployer"
    session_name = "terraform"
  }

  default_tags = {
    owner = "ml-platform"
  }
}
