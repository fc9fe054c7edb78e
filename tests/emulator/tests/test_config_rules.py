"""extensions/config_rules.py: PutConfigRule needs a configuration recorder, as on AWS."""

import pytest
from botocore.exceptions import ClientError

RULE = {
    "ConfigRuleName": "secure-mlops-team-a-dev-vpc-flow-logs-enabled",
    "Source": {"Owner": "AWS", "SourceIdentifier": "VPC_FLOW_LOGS_ENABLED"},
}


def test_a_rule_without_a_recorder_is_refused_and_with_one_is_kept(emulator, region):
    # A region of its own: recorders are per account and region.
    config = emulator.client("config", region)
    with pytest.raises(ClientError) as refused:
        config.put_config_rule(ConfigRule=RULE)
    assert refused.value.response["Error"]["Code"] == "NoAvailableConfigurationRecorderException"
    assert config.describe_config_rules()["ConfigRules"] == []
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True},
        }
    )
    config.put_config_rule(ConfigRule=RULE, Tags=[{"Key": "secure-mlops:environment", "Value": "team-a-dev"}])
    rules = config.describe_config_rules()["ConfigRules"]
    assert [r["ConfigRuleName"] for r in rules] == [RULE["ConfigRuleName"]]
    tags = config.list_tags_for_resource(ResourceArn=rules[0]["ConfigRuleArn"])["Tags"]
    assert {"Key": "secure-mlops:environment", "Value": "team-a-dev"} in tags
    config.delete_config_rule(ConfigRuleName=RULE["ConfigRuleName"])
    assert config.describe_config_rules()["ConfigRules"] == []
