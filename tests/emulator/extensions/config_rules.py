"""AWS Config rules as AWS refuses them: moto 5.2.5 accepts PutConfigRule in a region without a
configuration recorder, where AWS answers NoAvailableConfigurationRecorderException ("the rule
would evaluate nothing"). The environment's managed_config_rules depend on that refusal being
real: the plan checks for a recorder first, and a test proves that without one nothing is put.

  PutConfigRule   NoAvailableConfigurationRecorderException when the account and region have no
                  configuration recorder (PutConfigurationRecorder makes one)

Everything else (DescribeConfigRules, DeleteConfigRule, tags) is moto's.
"""

from typing import Any


def install() -> None:
    from moto.config.models import ConfigBackend
    from moto.core.exceptions import JsonRESTError

    original = ConfigBackend.put_config_rule

    def put_config_rule(self: ConfigBackend, config_rule: dict[str, Any], tags: Any = None) -> str:
        if not self.recorders:
            raise JsonRESTError(
                "NoAvailableConfigurationRecorderException",
                "There are no configuration recorders available to provide the configuration items "
                "for the rule; create a configuration recorder (PutConfigurationRecorder) first.",
            )
        return original(self, config_rule, tags)

    ConfigBackend.put_config_rule = put_config_rule  # type: ignore[method-assign]
