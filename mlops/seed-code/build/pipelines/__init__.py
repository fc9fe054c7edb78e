"""The model build and train pipeline of a SageMaker project in a secure data-science environment."""
