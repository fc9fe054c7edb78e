"""Deployment of a project's approved model (the model-deploy template's seed code)."""
