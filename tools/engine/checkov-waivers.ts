/**
 * The one list of checkov findings we accept, each per (check id, resource address)
 * with the reason. `npm run check:checkov` fails on any failure not listed here and
 * warns about entries that match nothing (delete them).
 */
export interface CheckovWaiver {
  readonly check: string;
  /** Resource addresses `<type>.<name>` as in the synthesized stack. */
  readonly addresses: readonly string[];
  /** Stack name patterns (`*` wildcard); all stacks when absent. */
  readonly stacks?: readonly string[];
  readonly reason: string;
}

const PROCESSORS = ["aws_lambda_function.processor_function_D7E0E582", "aws_lambda_function.processor_filter-alerts_function_A05100DD"];
const PROVISIONING_HOOK = "aws_lambda_function.device_identity_fleet-provisioning_hook-function_2919B109";
const SHADOW_API = "aws_lambda_function.shadow_api_function_306A7389";
const FUNCTIONS = [...PROCESSORS, PROVISIONING_HOOK, SHADOW_API];
const STATE_BUCKET = ["aws_s3_bucket.state_bucket"];

export const CHECKOV_WAIVERS: readonly CheckovWaiver[] = [
  {
    check: "CKV_AWS_117",
    addresses: FUNCTIONS,
    reason:
      "The functions talk only to AWS APIs (DynamoDB, CloudWatch, SQS, the IoT registry) over TLS with IAM auth; a VPC would add NAT or endpoints cost and cold-start latency and protects nothing they reach. Put them in a VPC with `vpcConfig` if your account policy requires it.",
  },
  {
    check: "CKV_AWS_272",
    addresses: FUNCTIONS,
    reason:
      "Bundles are built by CI from the reviewed commit and deployed by the deploy role only (see CI access); AWS Signer code signing would need a signing step in CI and is left to the adopting team.",
  },
  {
    check: "CKV_AWS_115",
    addresses: [...PROCESSORS, SHADOW_API],
    stacks: ["*-dev-platform"],
    reason:
      "dev leaves reserved concurrency unset so a small dev account's unreserved pool (AWS minimum 100) is never exhausted by reservations; staging and prod reserve it from config.",
  },
  {
    check: "CKV_AWS_338",
    addresses: [
      "aws_cloudwatch_log_group.processor_log_group_E7B06ECA",
      "aws_cloudwatch_log_group.processor_filter-alerts_log_group_A1F78ADE",
      "aws_cloudwatch_log_group.shadow_rules_error-log-group_EC1197BA",
      // The shadow API's function log and access log (caller ARNs, source IPs): the processor's retention.
      "aws_cloudwatch_log_group.shadow_api_log_group_8F3F0E76",
      "aws_cloudwatch_log_group.shadow_api_access_log_group_96E121BA",
    ],
    stacks: ["*-dev-platform", "*-staging-platform"],
    reason:
      "Processor logs and rule error payloads carry device data; dev and staging keep them for weeks on purpose (data minimisation, security review item 11). prod keeps 365 days: this check is not waived there.",
  },
  {
    check: "CKV_AWS_116",
    addresses: [PROVISIONING_HOOK, SHADOW_API],
    reason:
      "AWS IoT invokes the pre-provisioning hook synchronously and refuses the RegisterThing request when it fails; there is no asynchronous event a dead-letter queue could keep. Reserved concurrency bounds it instead. The same holds for the shadow API's function: API Gateway invokes it synchronously and the caller gets the failure (500, logged); stage throttling bounds it.",
  },
  {
    check: "CKV_AWS_274",
    addresses: ["aws_iam_role_policy_attachment.ci_access_deployer_administratoraccess_BE735AD4"],
    reason:
      "iot-platform-deployer applies every stack (IAM roles, KMS keys, IoT, Lambda, S3), so it needs broad rights; it is assumable only by the CI deploy roles (environment:<env> from main) and is denied iam:* on the CI roles, the break-glass role and itself (modules/ci-access). A narrower deployer policy is the adopting team's choice.",
  },
  {
    check: "CKV_AWS_18",
    addresses: STATE_BUCKET,
    reason:
      "The state bucket is read and written only by the CI roles; object-level audit comes from CloudTrail data events on the account trail (a user decision), not from S3 server access logs, which would need a second, unlogged bucket.",
  },
  {
    check: "CKV_AWS_144",
    addresses: STATE_BUCKET,
    reason:
      "State is versioned with a retention rule; cross-region replication is a disaster-recovery choice with its own cost and a second region's key, left to the adopting team (README: state bucket).",
  },
  {
    check: "CKV2_AWS_62",
    addresses: STATE_BUCKET,
    reason: "Nothing consumes state-bucket events; the lock file and state writes come only from Terraform runs.",
  },
];
