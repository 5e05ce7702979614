"""
S3 fidelity gaps of moto 5.2.5 that stop our stacks from applying, mended in-process (no fork).

Each patch wraps one moto method and keeps the rest of moto's behaviour; install() refuses to run
against a moto whose methods no longer look as expected, so an upgrade cannot silently skip one.

  NewerNoncurrentVersions  moto keeps NoncurrentDays of a lifecycle rule's
                           NoncurrentVersionExpiration and drops NewerNoncurrentVersions, so the
                           provider's read-back never matches what it wrote and it waits 3 minutes
                           (aws_s3_bucket_lifecycle_configuration of the state bucket).
  CreateBucket tags        from provider 6.23 aws_s3_bucket sends its tags inside
                           CreateBucketConfiguration and reads them back through S3 Control; moto
                           drops them, so every re-plan shows tags_all drift on the bucket.
  Bucket policy conditions moto checks a bucket policy on object requests without any request
                           context (no aws:PrincipalArn, no aws:SecureTransport), and a condition it
                           cannot meet turns the statement into a deny for everyone. The state
                           bucket's policy denies all but the state roles by condition, so every
                           state read would fail. Statements with a Condition are left out of that
                           check, as moto already does for principals it cannot verify. The policy
                           itself is evaluated by test/state-bucket-access.test.ts, not here.
"""

from __future__ import annotations

from typing import Any

import json

import xmltodict
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response

PATCHED = (
    "PutBucketLifecycleConfiguration/GetBucketLifecycleConfiguration: NoncurrentVersionExpiration.NewerNoncurrentVersions",
    "CreateBucket: CreateBucketConfiguration.Tags",
    "bucket policy: statements with a Condition are not evaluated (no request context)",
)


def _unconditional_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy)
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    policy["Statement"] = [s for s in statements if "Condition" not in s]
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


def _creation_tags(body: bytes | str | None) -> dict[str, str]:
    """Tags of a CreateBucket request body, {} when it has none."""
    if not body:
        return {}
    try:
        config = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    except Exception:  # not XML: moto itself answers for the body
        return {}
    tags = (config.get("Tags") or {}).get("Tag") or []
    if isinstance(tags, dict):
        tags = [tags]
    return {t["Key"]: t.get("Value") or "" for t in tags}


def _record_creation_tags(original: Any) -> Any:
    def bucket_response_put(self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        result = original(self, request, bucket_name, querystring)
        tags = {} if querystring else _creation_tags(self.body)
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
        return result

    return bucket_response_put


def _keep_newer_noncurrent_versions(original: Any) -> Any:
    def set_lifecycle(self: FakeBucket, rules: list[dict[str, Any]]) -> None:
        original(self, rules)
        # moto builds one LifecycleRule per input rule, in order.
        for rule, stored in zip(rules, self.rules):
            expiration = rule.get("NoncurrentVersionExpiration") or {}
            stored.nve_newer_versions = expiration.get("NewerNoncurrentVersions")  # type: ignore[attr-defined]

    return set_lifecycle


def _report_newer_noncurrent_versions(original: Any) -> Any:
    def get_bucket_lifecycle(self: S3Response) -> Any:
        bucket = self.backend.get_bucket(self.bucket_name)
        serialized = self.serialized

        def with_newer_versions(result: Any) -> Any:
            for rule, out in zip(bucket.rules, result.result.get("Rules", [])):
                newer = getattr(rule, "nve_newer_versions", None)
                if newer is not None and "NoncurrentVersionExpiration" in out:
                    out["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] = newer
            return serialized(result)

        self.serialized = with_newer_versions  # type: ignore[method-assign]
        try:
            return original(self)
        finally:
            del self.serialized

    return get_bucket_lifecycle


def install() -> list[str]:
    """Wraps the moto methods (idempotent). Returns what was mended."""
    if getattr(S3Response, "_local_aws_s3_installed", False):
        return list(PATCHED)
    for cls, name in ((FakeBucket, "get_permission"), (FakeBucket, "set_lifecycle"), (S3Response, "get_bucket_lifecycle"), (S3Response, "serialized"), (S3Response, "_bucket_response_put")):
        if not callable(getattr(cls, name, None)):
            raise RuntimeError(f"moto's {cls.__name__}.{name} is gone: check tools/local-aws/s3_extension.py against the installed moto")
    FakeBucket.set_lifecycle = _keep_newer_noncurrent_versions(FakeBucket.set_lifecycle)  # type: ignore[method-assign]
    S3Response.get_bucket_lifecycle = _report_newer_noncurrent_versions(S3Response.get_bucket_lifecycle)  # type: ignore[method-assign]
    S3Response._bucket_response_put = _record_creation_tags(S3Response._bucket_response_put)  # type: ignore[method-assign]
    FakeBucket.get_permission = _unconditional_permission  # type: ignore[method-assign]
    S3Response._local_aws_s3_installed = True  # type: ignore[attr-defined]
    return list(PATCHED)
