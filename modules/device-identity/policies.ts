/**
 * IoT policy documents. Everything is scoped by the thing-name policy
 * variable (already escaped as `$${...}` for Terraform); no `iot:*` action and
 * no bare `*` resource anywhere.
 */
import { THING_NAME_POLICY_VARIABLE } from "../../lib/iot-template";
import { CLAIM_CLIENT_ID_PREFIX } from "./hook-contract";
import { ClaimCertificateApi } from "./types";

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** Topics a device publishes to (requests to the Shadow service). */
export const SHADOW_REQUEST_TOPICS = ["update", "get", "delete"] as const;

/** Topics the Shadow service answers on; a device subscribes to and receives these. */
export const SHADOW_REPLY_TOPICS = [
  "update/accepted",
  "update/rejected",
  "update/delta",
  "update/documents",
  "get/accepted",
  "get/rejected",
  "delete/accepted",
  "delete/rejected",
] as const;

export interface ShadowScope {
  readonly classic: boolean;
  /** "all" becomes the policy wildcard `name/*`, still inside the device's own namespace. */
  readonly named: "all" | readonly string[];
}

/** Shadow topic stems of the connected thing, e.g. `$aws/things/$${...}/shadow/name/config`. */
export function shadowTopicStems(scope: ShadowScope): string[] {
  const base = `$aws/things/${THING_NAME_POLICY_VARIABLE}/shadow`;
  const named = scope.named === "all" ? ["*"] : scope.named;
  return [...(scope.classic ? [base] : []), ...named.map((n) => `${base}/name/${n}`)];
}

/**
 * Least-privilege device policy: connect only as its own thing name (with the
 * certificate attached to that thing), publish shadow requests, subscribe to
 * and receive shadow replies. `topicfilter` is the resource type of Subscribe,
 * `topic` of Publish and Receive.
 */
export function devicePolicyDocument(iotArnPrefix: string, scope: ShadowScope): PolicyDocument {
  const stems = shadowTopicStems(scope);
  const topics = (type: "topic" | "topicfilter", suffixes: readonly string[]) =>
    stems.flatMap((stem) => suffixes.map((s) => `${iotArnPrefix}:${type}/${stem}/${s}`));
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ConnectAsOwnThing",
        Effect: "Allow",
        Action: ["iot:Connect"],
        Resource: [`${iotArnPrefix}:client/${THING_NAME_POLICY_VARIABLE}`],
        Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
      },
      { Sid: "PublishShadowRequests", Effect: "Allow", Action: ["iot:Publish"], Resource: topics("topic", SHADOW_REQUEST_TOPICS) },
      { Sid: "SubscribeShadowReplies", Effect: "Allow", Action: ["iot:Subscribe"], Resource: topics("topicfilter", SHADOW_REPLY_TOPICS) },
      { Sid: "ReceiveShadowReplies", Effect: "Allow", Action: ["iot:Receive"], Resource: topics("topic", SHADOW_REPLY_TOPICS) },
    ],
  };
}

/** Topic stem of each claim-certificate MQTT API. */
const CERTIFICATE_API_TOPIC: Record<ClaimCertificateApi, string> = {
  "create-keys-and-certificate": "$aws/certificates/create",
  "create-from-csr": "$aws/certificates/create-from-csr",
};

/**
 * Claim-certificate policy: a shared credential, so it may only reach the
 * certificate API and this template's provision topics, connecting only with
 * a client id of its own space (`provision-<uuid>`): never a thing name, so a
 * claim connection cannot knock a device off by taking its client id.
 */
export function claimPolicyDocument(iotArnPrefix: string, templateName: string, api: ClaimCertificateApi): PolicyDocument {
  const stems = [`${CERTIFICATE_API_TOPIC[api]}/*`, `$aws/provisioning-templates/${templateName}/provision/*`];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ConnectForProvisioning", Effect: "Allow", Action: ["iot:Connect"], Resource: [`${iotArnPrefix}:client/${CLAIM_CLIENT_ID_PREFIX}*`] },
      { Sid: "PublishReceiveProvisioning", Effect: "Allow", Action: ["iot:Publish", "iot:Receive"], Resource: stems.map((s) => `${iotArnPrefix}:topic/${s}`) },
      { Sid: "SubscribeProvisioning", Effect: "Allow", Action: ["iot:Subscribe"], Resource: stems.map((s) => `${iotArnPrefix}:topicfilter/${s}`) },
    ],
  };
}
