"""
SQS fidelity gap of moto 5.2.5 that stops our stacks from applying, mended in-process (no fork).

  RedriveAllowPolicy  moto stores it on CreateQueue/SetQueueAttributes but never returns it (and
                      refuses it as an attribute name), so the provider's wait for the queue's
                      attributes to match never ends: a 3-minute timeout on every dead-letter queue
                      that names its source queues (the buffered ingestion DLQ).
  RedrivePolicy       moto returns it as Python's json.dumps writes it (`{"a": 1, "b": 2}`); AWS
                      returns compact JSON, which is what the provider compares with, so every
                      queue with a dead-letter queue drifted on every re-plan.
"""

from __future__ import annotations

import json
from typing import Any

from moto.sqs.models import Queue, SQSBackend

NAME = "RedriveAllowPolicy"
PATCHED = ("CreateQueue/SetQueueAttributes/GetQueueAttributes: RedriveAllowPolicy", "GetQueueAttributes: RedrivePolicy as compact JSON")


def install() -> list[str]:
    """Wraps the moto methods (idempotent). Returns what was mended."""
    if getattr(Queue, "_local_aws_installed", False):
        return list(PATCHED)
    if not isinstance(getattr(Queue, "attributes", None), property) or not callable(getattr(SQSBackend, "get_queue_attributes", None)):
        raise RuntimeError("moto's Queue.attributes / SQSBackend.get_queue_attributes changed: check tools/local-aws/sqs_extension.py against the installed moto")
    attributes = Queue.attributes.fget
    get_queue_attributes = SQSBackend.get_queue_attributes

    def with_redrive_allow_policy(self: Queue) -> dict[str, Any]:
        result = attributes(self)  # type: ignore[misc]
        if getattr(self, "redrive_policy", None):
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        value = getattr(self, "redrive_allow_policy", None)  # set by moto's _set_attributes
        if value:
            result[NAME] = value
        return result

    def get_attributes(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        others = [n for n in attribute_names if n != NAME]
        result = get_queue_attributes(self, queue_name, others) if others else {}
        if NAME in attribute_names:
            value = getattr(self.get_queue(queue_name), "redrive_allow_policy", None)
            if value:
                result[NAME] = value
        return result

    Queue.attributes = property(with_redrive_allow_policy)  # type: ignore[method-assign,assignment]
    SQSBackend.get_queue_attributes = get_attributes  # type: ignore[method-assign]
    Queue._local_aws_installed = True  # type: ignore[attr-defined]
    return list(PATCHED)
