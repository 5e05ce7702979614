"""
Lambda fidelity gap of moto 5.2.5 that makes our stacks drift, mended in-process (no fork).

  DeadLetterConfig  moto accepts it on CreateFunction/UpdateFunctionConfiguration but never returns
                    it, so every function with a dead-letter queue (staging and prod processors)
                    is planned for an update on every re-plan.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

PATCHED = ("CreateFunction/UpdateFunctionConfiguration/GetFunction: DeadLetterConfig",)


def install() -> list[str]:
    """Wraps the moto methods (idempotent). Returns what was mended."""
    if getattr(LambdaFunction, "_local_aws_installed", False):
        return list(PATCHED)
    for name in ("__init__", "get_configuration", "update_configuration"):
        if not callable(getattr(LambdaFunction, name, None)):
            raise RuntimeError(f"moto's LambdaFunction.{name} is gone: check tools/local-aws/lambda_extension.py against the installed moto")
    init, get_configuration, update_configuration = LambdaFunction.__init__, LambdaFunction.get_configuration, LambdaFunction.update_configuration

    def __init__(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        init(self, account_id, spec, *args, **kwargs)
        self._local_aws_dead_letter_config = spec.get("DeadLetterConfig") or None  # type: ignore[attr-defined]

    def get_config(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = get_configuration(self, *args, **kwargs)
        dlq = getattr(self, "_local_aws_dead_letter_config", None)
        if dlq and dlq.get("TargetArn"):
            config["DeadLetterConfig"] = {"TargetArn": dlq["TargetArn"]}
        return config

    def update_config(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            self._local_aws_dead_letter_config = config_updates["DeadLetterConfig"] or None  # type: ignore[attr-defined]
        return update_configuration(self, config_updates)

    LambdaFunction.__init__ = __init__  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_config  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_config  # type: ignore[method-assign]
    LambdaFunction._local_aws_installed = True  # type: ignore[attr-defined]
    return list(PATCHED)
