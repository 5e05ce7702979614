"""
Tests of the S3, SQS, CloudWatch and DescribeEndpoint mends (s3_extension.py, sqs_extension.py, cloudwatch_cbor.py, iot_extension.py) against a real moto
server on 127.0.0.1 (a free port), through boto3 and raw Smithy RPC v2 CBOR requests as the AWS
provider sends them. Run with the tool virtualenv's python:
    $IOT_TOOLS_VENV/bin/python -m unittest tools/local-aws/test_extensions.py
test/engine/local-aws.test.ts runs it in `npm run test:engine`.
"""

from __future__ import annotations

import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

import boto3  # noqa: E402
import cbor2  # noqa: E402
import cloudwatch_cbor  # noqa: E402
import iot_extension  # noqa: E402
import s3_extension  # noqa: E402
import sqs_extension  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402

REGION = "eu-west-1"
AUTH = "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20261201/eu-west-1/monitoring/aws4_request, SignedHeaders=host, Signature=0"


class ExtensionsTest(unittest.TestCase):
    server: ThreadedMotoServer
    endpoint: str

    @classmethod
    def setUpClass(cls) -> None:
        s3_extension.install()
        cloudwatch_cbor.install()
        sqs_extension.install()
        iot_extension.install()
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        assert host == "127.0.0.1"
        cls.endpoint = f"http://{host}:{port}"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def client(self, service: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id="AKIDLOCALTEST", aws_secret_access_key="x")

    def cbor(self, operation: str, params: dict) -> tuple[int, dict, dict]:
        req = urllib.request.Request(
            f"{self.endpoint}{cloudwatch_cbor.PREFIX}{operation}",
            data=cbor2.dumps(params),
            method="POST",
            headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor", "Authorization": AUTH},
        )
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, dict(r.headers), cbor2.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), cbor2.loads(e.read())

    def test_lifecycle_keeps_newer_noncurrent_versions(self) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket="lifecycle-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        rule = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 3}}
        s3.put_bucket_lifecycle_configuration(Bucket="lifecycle-bucket", LifecycleConfiguration={"Rules": [rule]})
        got = s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-bucket")["Rules"][0]["NoncurrentVersionExpiration"]
        self.assertEqual(got, {"NoncurrentDays": 1, "NewerNoncurrentVersions": 3})

    def test_create_bucket_tags_are_kept(self) -> None:
        s3 = self.client("s3")
        # The body as the provider sends it (this botocore does not know CreateBucketConfiguration.Tags yet).
        def add_tags(request, **_):  # type: ignore[no-untyped-def]
            request.data = request.data.replace(b"</CreateBucketConfiguration>", b"<Tags><Tag><Key>project</Key><Value>iot</Value></Tag></Tags></CreateBucketConfiguration>")

        s3.meta.events.register("before-sign.s3.CreateBucket", add_tags)
        s3.create_bucket(Bucket="tagged-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.meta.events.unregister("before-sign.s3.CreateBucket", add_tags)
        self.assertEqual(s3.get_bucket_tagging(Bucket="tagged-bucket")["TagSet"], [{"Key": "project", "Value": "iot"}])
        s3.create_bucket(Bucket="untagged-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        with self.assertRaises(Exception):
            s3.get_bucket_tagging(Bucket="untagged-bucket")

    def test_conditional_deny_no_longer_blocks_objects_but_an_unconditional_one_does(self) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket="policy-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        arn = "arn:aws:s3:::policy-bucket"
        conditional = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        s3.put_bucket_policy(Bucket="policy-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [conditional]}))
        s3.put_object(Bucket="policy-bucket", Key="state", Body=b"{}")
        self.assertEqual(s3.get_object(Bucket="policy-bucket", Key="state")["Body"].read(), b"{}")
        plain = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/*"}
        s3.put_bucket_policy(Bucket="policy-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [conditional, plain]}))
        with self.assertRaises(Exception):
            s3.get_object(Bucket="policy-bucket", Key="state")

    def test_redrive_allow_policy_is_returned(self) -> None:
        sqs = self.client("sqs")
        policy = '{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:eu-west-1:123456789012:src"]}'
        url = sqs.create_queue(QueueName="dlq-allow", Attributes={"RedriveAllowPolicy": policy})["QueueUrl"]
        self.assertEqual(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["RedriveAllowPolicy"], policy)
        self.assertEqual(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy", "QueueArn"])["Attributes"]["RedriveAllowPolicy"], policy)
        source = sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:dlq-allow", "maxReceiveCount": 5})})["QueueUrl"]
        self.assertEqual(
            sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"],
            '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:dlq-allow","maxReceiveCount":5}',
        )
        plain = sqs.create_queue(QueueName="no-allow")["QueueUrl"]
        self.assertNotIn("RedriveAllowPolicy", sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["All"])["Attributes"])

    def test_describe_endpoint_is_stable(self) -> None:
        iot = self.client("iot")
        first = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
        self.assertEqual(iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"], first)
        self.assertRegex(first, r"-ats\.iot\.eu-west-1\.amazonaws\.com$")

    def test_first_requests_at_once_share_one_extension_store(self) -> None:
        # A slow store constructor holds the race window open: without the lock, each of the
        # first requests builds its own store and all but one are dropped with their state
        # (an endpoint answered from a dropped store then changed on the next call).
        class FakeResponse:
            iot_backend = type("Backend", (), {})()

        original_init = iot_extension._Store.__init__

        def slow_init(store: iot_extension._Store) -> None:
            time.sleep(0.05)
            original_init(store)

        iot_extension._Store.__init__ = slow_init  # type: ignore[method-assign]
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                stores = list(pool.map(lambda _: iot_extension._store(FakeResponse()), range(8)))  # type: ignore[arg-type]
        finally:
            iot_extension._Store.__init__ = original_init  # type: ignore[method-assign]
        self.assertEqual(len({id(store) for store in stores}), 1)
        self.assertIs(stores[0], iot_extension._store(FakeResponse()))  # type: ignore[arg-type]

    def test_cloudwatch_over_cbor_round_trips_alarms_dashboards_and_errors(self) -> None:
        alarm = {
            "AlarmName": "cbor-alarm",
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Tags": [{"Key": "project", "Value": "iot"}],
        }
        status, headers, body = self.cbor("PutMetricAlarm", alarm)
        self.assertEqual((status, headers.get("smithy-protocol"), headers.get("Content-Type")), (200, "rpc-v2-cbor", "application/cbor"))
        status, _, body = self.cbor("DescribeAlarms", {"AlarmNames": ["cbor-alarm"]})
        self.assertEqual(status, 200)
        [described] = body["MetricAlarms"]
        self.assertEqual((described["Threshold"], described["Period"], described["ComparisonOperator"]), (1.0, 60, "GreaterThanOrEqualToThreshold"))
        # What was written through CBOR is what the query API (boto3) sees, in the same account.
        self.assertEqual(self.client("cloudwatch").describe_alarms(AlarmNames=["cbor-alarm"])["MetricAlarms"][0]["AlarmArn"], described["AlarmArn"])
        status, _, body = self.cbor("ListTagsForResource", {"ResourceARN": described["AlarmArn"]})
        self.assertEqual(body["Tags"], [{"Key": "project", "Value": "iot"}])
        self.assertEqual(self.cbor("PutDashboard", {"DashboardName": "d", "DashboardBody": json.dumps({"widgets": []})})[0], 200)
        self.assertEqual(json.loads(self.cbor("GetDashboard", {"DashboardName": "d"})[2]["DashboardBody"]), {"widgets": []})
        status, _, body = self.cbor("GetDashboard", {"DashboardName": "missing"})
        self.assertEqual((status, body["__type"]), (404, "ResourceNotFound"))
        self.assertEqual(self.cbor("NoSuchOperation", {})[2]["__type"], "UnknownOperationException")


if __name__ == "__main__":
    unittest.main()
