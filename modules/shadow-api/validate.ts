/** Constructor-time checks of ShadowApiProps: every message names the prop and the fix. */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Token } from "cdktf";
import { assertName, checkName, isLogRetentionDays } from "../../lib/aws-names";
import { shadowSelectionIssues } from "../../lib/shadow-selection";
import { assertAccountAndRegion, assertNameIfLiteral, isLiteral } from "../../lib/validate";
import type { ShadowApiProps } from "./index";

const LOG_LEVELS: readonly string[] = ["DEBUG", "INFO", "WARN", "ERROR"];
/** API Gateway waits at most 30 s for an integration; the function must answer before that. */
const MAX_TIMEOUT_SECONDS = 29;

function fail(field: string, problem: string): never {
  throw new Error(`ShadowApi ${field}: ${problem}`);
}

function assertInt(value: number | undefined, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `must be a whole number from ${min} to ${max}, got ${value}`);
}

function assertAuthorization(props: ShadowApiProps): void {
  const auth = props.authorization;
  if (auth === undefined) return;
  const kind: unknown = (auth as { kind?: unknown }).kind;
  // Plain JavaScript (or a cast) could ask for an open route: refuse it here, whatever the types say.
  if (kind !== "iam" && kind !== "jwt") {
    fail("authorization.kind", `${JSON.stringify(kind)} is not allowed: every route needs "iam" (SigV4, the default) or "jwt"; an unauthenticated shadow API is never created`);
  }
  if (auth.kind !== "jwt") return;
  if (isLiteral(auth.issuer) && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(auth.issuer)) fail("authorization.issuer", `"${auth.issuer}" must be an https:// issuer URL (the token's iss claim)`);
  if (!Array.isArray(auth.audience) || auth.audience.length === 0 || auth.audience.some((a) => typeof a !== "string" || a === "")) {
    fail("authorization.audience", "list at least one audience (the token's aud or client_id claim); an authorizer without one accepts no token");
  }
  for (const field of ["readScopes", "writeScopes"] as const) {
    const scopes = auth[field];
    if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== "string" || !/^\S+$/.test(s)))) fail(`authorization.${field}`, "must be scope names without spaces");
  }
}

export function validateShadowApiProps(props: ShadowApiProps): void {
  const name = props.name;
  assertName("lambdaFunction", name, "ShadowApi name");
  assertName("iamRole", `${name}-role`, "ShadowApi name (role name <name>-role; use at most 59 characters)");
  assertAccountAndRegion("ShadowApi", props);
  if (props.bundleDir !== undefined) {
    if (!isAbsolute(props.bundleDir)) fail("bundleDir", `"${props.bundleDir}" must be an absolute path (e.g. path.join(repoRoot, "dist/functions/shadow-api"))`);
    if (!existsSync(join(props.bundleDir, "index.js"))) fail("bundleDir", `"${props.bundleDir}" has no index.js; run \`npm run build\` first`);
  }
  const table = props.historyTable;
  if (table === undefined) fail("historyTable", "required: the API reads the history from it; pass HistoryStore.ref");
  assertNameIfLiteral("dynamodbTable", table.name, "ShadowApi historyTable.name");
  if (!Token.isUnresolved(props.thingNamePrefix)) {
    // The prefix starts every served thing name and scopes the IAM policy: it must be a thing-name start.
    const problem = checkName("iotThing", props.thingNamePrefix);
    if (problem) fail("thingNamePrefix", `${problem}; it must be the start of the environment's thing names, e.g. "Thermostat-"`);
  }
  if (props.shadows !== undefined) {
    const issues = shadowSelectionIssues(props.shadows);
    if (issues.length > 0) fail(`shadows${issues[0].path.length ? `.${issues[0].path.join(".")}` : ""}`, issues[0].message);
    if (props.shadows.named !== "all") props.shadows.named.forEach((n, i) => assertName("namedShadow", n, `ShadowApi shadows.named[${i}]`));
  }
  assertAuthorization(props);
  const t = props.throttling;
  if (t !== undefined) {
    if (typeof t.rateLimit !== "number" || !Number.isFinite(t.rateLimit) || t.rateLimit <= 0) fail("throttling.rateLimit", `${String(t.rateLimit)} must be a number of requests per second greater than 0`);
    assertInt(t.burstLimit, 1, 5000, "throttling.burstLimit");
  }
  if (props.logRetentionDays !== undefined && !isLogRetentionDays(props.logRetentionDays)) fail("logRetentionDays", `${props.logRetentionDays} is not a retention CloudWatch Logs accepts`);
  assertInt(props.memoryMb, 128, 10240, "memoryMb");
  assertInt(props.timeoutSeconds, 1, MAX_TIMEOUT_SECONDS, "timeoutSeconds (API Gateway waits at most 30 s)");
  assertInt(props.reservedConcurrency, 1, 100_000, "reservedConcurrency");
  if (props.logLevel !== undefined && !LOG_LEVELS.includes(props.logLevel)) fail("logLevel", `"${props.logLevel}" is not one of ${LOG_LEVELS.join(", ")}`);
}
