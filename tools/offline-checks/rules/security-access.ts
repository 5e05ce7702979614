/** SEC rules on access: IAM statements, Lambda permissions, IoT policies, outputs. */
import type { RuleId } from "../catalog";
import { interpolations, referencesIn } from "../expressions";
import { blocks, collectStrings, str } from "../json";
import { Block, StackModel } from "../model";
import { PolicyDocument, Statement, resolvePolicy } from "../policy";
import { Outcome, RuleCheck, verdict } from "./rule";

/** Identity policies (`attribute` of `type`), and trust policies, the IAM rules read. */
const IDENTITY_POLICIES: readonly [string, string][] = [
  ["aws_iam_role_policy", "policy"],
  ["aws_iam_policy", "policy"],
  ["aws_iam_user_policy", "policy"],
  ["aws_iam_group_policy", "policy"],
  ["aws_iam_role", "inline_policy"],
];

/**
 * Actions AWS only authorizes on Resource "*" (no resource-level permissions),
 * so `*` is required for them. Keep this list short and sourced from the
 * service authorization reference.
 */
export const STAR_ONLY_ACTIONS = new Set(
  [
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    "logs:DescribeLogGroups",
    "sts:GetCallerIdentity",
    "iot:DescribeEndpoint",
    "kms:ListAliases",
    "kms:ListKeys",
    "ec2:DescribeNetworkInterfaces",
  ].map((a) => a.toLowerCase()),
);

interface Consumer {
  readonly block: Block;
  readonly policy: PolicyDocument;
  readonly trust: boolean;
}

function identityConsumers(stack: StackModel): Consumer[] {
  const out: Consumer[] = [];
  for (const [type, attribute] of IDENTITY_POLICIES) {
    for (const b of stack.ofType(type)) {
      const values = attribute === "inline_policy" ? blocks(b.config.inline_policy).map((p) => p.policy) : [b.config[attribute]];
      for (const v of values) {
        const policy = resolvePolicy(stack, v, b);
        if (policy) out.push({ block: b, policy, trust: false });
      }
    }
  }
  for (const b of stack.ofType("aws_iam_role")) {
    const policy = resolvePolicy(stack, b.config.assume_role_policy, b);
    if (policy) out.push({ block: b, policy, trust: true });
  }
  return out;
}

/** Whether an IAM action pattern (with * and ? wildcards) grants `action`. */
export function grants(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(action);
}

/** A rule over Allow statements of identity (and optionally trust) policies; findings land on the statement's source block. */
function statementRule(id: RuleId, includeTrust: boolean, check: (s: Statement) => string | undefined): RuleCheck {
  return {
    id,
    *run(stack): Iterable<Outcome> {
      const bySource = new Map<string, { block: Block; problems: Set<string> }>();
      for (const c of identityConsumers(stack)) {
        if (c.trust && !includeTrust) continue;
        for (const s of c.policy.statements) {
          const entry = bySource.get(s.source.address) ?? { block: s.source, problems: new Set<string>() };
          bySource.set(s.source.address, entry);
          const problem = s.effect === "Allow" ? check(s) : undefined;
          if (problem) entry.problems.add(s.source === c.block ? problem : `${problem} (used by ${c.block.address})`);
        }
      }
      for (const { block, problems } of bySource.values()) yield* verdict(block, [...problems]);
    },
  };
}

const wildcardAction = statementRule("SEC016", true, (s) => {
  const wild = s.actions.filter((a) => a === "*" || /^[\w-]+:\*$/.test(a));
  if (wild.length) return `Allow with wildcard action ${wild.map((a) => `"${a}"`).join(", ")}`;
  return s.notActions.length ? "Allow with NotAction grants every other action" : undefined;
});

const wildcardResource = statementRule("SEC017", false, (s) => {
  if (s.notResources.length) return "Allow with NotResource grants every other resource";
  if (!s.resources.includes("*")) return undefined;
  const scoped = s.actions.filter((a) => !STAR_ONLY_ACTIONS.has(a.toLowerCase()));
  return scoped.length ? `Allow on resource "*" for ${scoped.join(", ")}, which support resource-level permissions` : undefined;
});

const passRoleOnAll = statementRule("SEC018", false, (s) => {
  if (!s.actions.some((a) => grants(a, "iam:PassRole"))) return undefined;
  const broad = s.resources.filter((r) => r === "*" || /:role\/\*$/.test(r));
  return broad.length ? `iam:PassRole on ${broad.map((r) => `"${r}"`).join(", ")}` : undefined;
});

const lambdaPermissionSource: RuleCheck = {
  id: "SEC019",
  *run(stack) {
    for (const b of stack.ofType("aws_lambda_permission")) {
      const principal = str(b.config.principal) ?? "";
      const problems: string[] = [];
      if (principal === "*") problems.push('principal "*" lets any account invoke the function');
      if (principal.endsWith(".amazonaws.com")) {
        const missing = ["source_arn", "source_account"].filter((a) => !str(b.config[a]));
        if (missing.length) problems.push(`service principal ${principal} without ${missing.join(" and ")} (confused deputy)`);
      }
      yield* verdict(b, problems);
    }
  },
};

const THING_NAME_VARIABLE = "{iot:Connection.Thing.ThingName}";
const IOT_RESOURCE = /:(topic|topicfilter|client)\/(.*)$/;
const CLAIM_TOPICS = /^\$aws\/(certificates\/create|provisioning-templates\/)/;

function iotPolicies(stack: StackModel): { block: Block; policy?: PolicyDocument }[] {
  return stack.ofType("aws_iot_policy").map((b) => ({ block: b, policy: resolvePolicy(stack, b.config.policy, b) }));
}

const iotPolicyWildcards: RuleCheck = {
  id: "SEC020",
  *run(stack) {
    for (const { block, policy } of iotPolicies(stack)) {
      const problems = new Set<string>();
      for (const s of policy?.statements ?? []) {
        if (s.effect !== "Allow") continue;
        for (const a of s.actions) if (a === "*" || a.toLowerCase() === "iot:*") problems.add(`Allow with action "${a}"`);
        if (s.resources.includes("*")) problems.add(`Allow on resource "*" for ${s.actions.join(", ")}`);
      }
      yield* verdict(block, [...problems]);
    }
  },
};

/** Where in the resource path the thing-name variable starts (escaped or not), or -1. */
function variableAt(path: string): number {
  const i = path.indexOf(THING_NAME_VARIABLE);
  if (i < 0) return -1;
  return path[i - 2] === "$" ? i - 2 : i - 1;
}

const iotPolicyScope: RuleCheck = {
  id: "SEC021",
  *run(stack) {
    for (const { block, policy } of iotPolicies(stack)) {
      const allows = (policy?.statements ?? []).filter((s) => s.effect === "Allow");
      const scoped = allows.flatMap((s) =>
        s.resources.flatMap((arn) => {
          const m = IOT_RESOURCE.exec(arn);
          return m ? [{ arn, kind: m[1], path: m[2] }] : [];
        }),
      );
      const topics = scoped.filter((r) => r.kind !== "client");
      const claim = topics.length > 0 && topics.every((r) => CLAIM_TOPICS.test(r.path));
      const problems = new Set<string>();
      for (const r of claim ? [] : scoped) {
        const at = variableAt(r.path);
        if (at < 0) problems.add(`${r.kind} resource "${r.arn}" is not scoped by \${iot:Connection.Thing.ThingName}`);
        else if (/[*+#]/.test(r.path.slice(0, at))) problems.add(`${r.kind} resource "${r.arn}" has a wildcard before the thing name`);
      }
      const usesVariables = allows.some((s) => s.resources.some((r) => r.includes("{iot:")));
      if (usesVariables && policy?.version !== "2012-10-17") {
        problems.add(`policy variables need "Version": "2012-10-17" (found ${policy?.version ? `"${policy.version}"` : "none"}); otherwise they are not substituted`);
      }
      yield* verdict(block, [...problems]);
    }
  },
};

const SENSITIVE_ATTRIBUTE = /^(private_key\w*|secret|secret_string|secret_binary|ses_smtp_password_v4|password|encrypted_secret|key_material_base64)$/;
const KEY_RESOURCE_TYPES = new Set(["aws_iot_certificate", "tls_private_key", "aws_iam_access_key", "aws_secretsmanager_secret_version"]);
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Sensitive material reachable from `value`, following locals. */
function sensitiveIn(stack: StackModel, value: unknown, seen: Set<string>): string[] {
  const found: string[] = [];
  for (const { value: s } of collectStrings(value)) {
    if (PEM_PRIVATE_KEY.test(s)) found.push("a literal PEM private key");
    for (const interp of interpolations(s)) {
      for (const ref of referencesIn(interp.code)) {
        const [root, type] = ref.address.split(".");
        const resourceType = root === "data" ? type : root;
        const segments = ref.attribute.split(/[.[\]"]+/).filter(Boolean);
        if (segments.some((seg) => SENSITIVE_ATTRIBUTE.test(seg))) found.push(`${ref.address}.${ref.attribute}`);
        else if (KEY_RESOURCE_TYPES.has(resourceType) && segments.length === 0) found.push(`the whole ${ref.address} (it includes its key material)`);
        else if (resourceType === "aws_ssm_parameter" && segments[0] === "value") found.push(`${ref.address}.value`);
        else if (root === "local" && !seen.has(ref.address)) {
          seen.add(ref.address);
          found.push(...sensitiveIn(stack, stack.get(ref.address)?.config.value, seen).map((f) => `${f} via ${ref.address}`));
        }
      }
    }
  }
  return found;
}

const outputSecrets: RuleCheck = {
  id: "SEC022",
  *run(stack) {
    for (const o of stack.outputs) {
      yield* verdict(o, [...new Set(sensitiveIn(stack, o.config.value, new Set()))].map((f) => `output exposes ${f}`));
    }
  },
};

export const ACCESS_SECURITY_RULES: readonly RuleCheck[] = [
  wildcardAction,
  wildcardResource,
  passRoleOnAll,
  lambdaPermissionSource,
  iotPolicyWildcards,
  iotPolicyScope,
  outputSecrets,
];
