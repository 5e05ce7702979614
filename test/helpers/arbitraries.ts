/**
 * fast-check arbitraries for the reliability properties: `update/documents`
 * events as the topic rule delivers them (valid ones within the AWS limits, and
 * single-field mutations of them that must be rejected), and environment
 * configs (valid ones, and single-field corruptions).
 *
 * Runs per property: FC_RUNS (default 1000); seed: FC_SEED (default fixed, so
 * CI is deterministic; a failure prints the seed and path to replay it).
 */
import fc from "fast-check";
import { LOG_RETENTION_DAYS } from "../../lib/aws-names";
import type { EnvironmentConfigInput } from "../../lib/config-schema";
import { testCsr, testCsrFile } from "../../tools/test-csr";

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return n;
}

/** Generated cases per property (`FC_RUNS=20000 npx jest test/reliability-processor.test.ts` for a larger run). */
export const FC_RUNS = positiveIntFromEnv("FC_RUNS", 1000);
export const FC_SEED = positiveIntFromEnv("FC_SEED", 20251123);

/** fc.assert parameters: `runs` cases from the fixed seed. */
export function fcParams(runs = FC_RUNS): { numRuns: number; seed: number } {
  return { numRuns: runs, seed: FC_SEED };
}

// ---------------------------------------------------------------------------
// update/documents events
// ---------------------------------------------------------------------------

/** Device Shadow limits the valid events stay within (and the mutations break). */
export const SHADOW_LIMITS = { stateBytes: 8 * 1024, depth: 6, clientTokenBytes: 64, thingName: 128, shadowNameBytes: 64 } as const;

const NAME_CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-"];
const nameChar = fc.constantFrom(...NAME_CHARS);

/** Names matching `[a-zA-Z0-9:_-]+`, biased to the length edges (1 and `max`) and to the punctuation. */
export function awsNameArb(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: nameChar, minLength: 1, maxLength: max }) },
    { weight: 2, arbitrary: fc.string({ unit: nameChar, minLength: max, maxLength: max }) },
    { weight: 1, arbitrary: fc.string({ unit: nameChar, minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(":", "_", "-"), minLength: 1, maxLength: 8 }) },
  );
}

export const thingNameArb = awsNameArb(SHADOW_LIMITS.thingName);
export const shadowNameArb = awsNameArb(SHADOW_LIMITS.shadowNameBytes);

/**
 * State field names: plain, Unicode, JSON-Pointer and JavaScript-special ones, long ones.
 * Never empty (DynamoDB names are ≥ 1 character) and never "__proto__" (rejected by design; see the mutations).
 */
export const fieldNameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "constructor", "prototype", "toString", "hasOwnProperty", "valueOf",
      "a.b", "a/b", "~", "~1", "#", ":x", "$aws", " ", "null", "0", "007", "-1", "été", "温度", "🌡️",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 100, maxLength: 255 }) },
  // fast-check itself favours "__proto__" among generated strings.
).filter((k) => k !== "__proto__");

/** Numbers DynamoDB can store: magnitude 0 or within [1e-130, 1e126). */
const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -9.99999999999999e125, max: 9.99999999999999e125 }).filter((n) => n === 0 || Math.abs(n) >= 1e-130),
  fc.constantFrom(0, -1, 1e-130, -1e-130, 9.99999999999999e125, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, 0.1 + 0.2, -273.15),
);

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: numberArb },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.boolean() },
  // null inside a state document: a deletion marker as sent in an update.
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A value occupying at most `levels` nesting levels (0: a leaf). */
function valueArb(levels: number): fc.Arbitrary<unknown> {
  if (levels === 0) return leafArb;
  const inner = valueArb(levels - 1);
  return fc.oneof(
    { weight: 4, arbitrary: leafArb },
    { weight: 2, arbitrary: fc.dictionary(fieldNameArb, inner, { maxKeys: 4, noNullPrototype: true }) },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: 4 }) },
  );
}

/** A chain exactly `levels` deep (objects and arrays mixed), ending in a leaf. */
const chainArb = (levels: number): fc.Arbitrary<unknown> =>
  fc.tuple(fc.array(fc.tuple(fc.boolean(), fieldNameArb), { minLength: levels, maxLength: levels }), leafArb).map(([steps, leaf]) =>
    steps.reduceRight<unknown>((inner, [asArray, key]) => (asArray ? [inner] : { [key]: inner }), leaf),
  );

/** A desired/reported section (itself level 1) at most 6 levels deep. */
const sectionArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fieldNameArb, valueArb(SHADOW_LIMITS.depth - 1), { maxKeys: 6, noNullPrototype: true }) },
  { weight: 1, arbitrary: fc.tuple(fieldNameArb, chainArb(SHADOW_LIMITS.depth - 1)).map(([k, v]) => ({ [k]: v })) },
);

export interface WireState {
  desired?: Record<string, unknown> | null;
  reported?: Record<string, unknown> | null;
}

export function stateBytes(state: WireState): number {
  return Buffer.byteLength(JSON.stringify({ desired: state.desired ?? undefined, reported: state.reported ?? undefined }), "utf8");
}

const PAD_KEY = "pad";

/** Pads `reported` with an ASCII string so the state is exactly `bytes` long (when it fits). */
export function padStateTo(state: WireState, bytes: number): WireState {
  const reported = { ...(state.reported ?? {}), [PAD_KEY]: "" };
  const base = stateBytes({ ...state, reported });
  return base > bytes ? state : { ...state, reported: { ...reported, [PAD_KEY]: "x".repeat(bytes - base) } };
}

/** A state within 8 KB; a sixth is padded to exactly 8 KB. A deleted section is null. */
const stateArb: fc.Arbitrary<WireState> = fc
  .tuple(
    fc.option(fc.oneof({ weight: 5, arbitrary: sectionArb }, { weight: 1, arbitrary: fc.constant(null) }), { nil: undefined }),
    fc.option(fc.oneof({ weight: 5, arbitrary: sectionArb }, { weight: 1, arbitrary: fc.constant(null) }), { nil: undefined }),
    fc.nat({ max: 5 }),
  )
  .map(([desired, reported, pad]) => {
    const state: WireState = {};
    if (desired !== undefined) state.desired = desired;
    if (reported !== undefined) state.reported = reported;
    return pad === 0 ? padStateTo(state, SHADOW_LIMITS.stateBytes) : state;
  })
  .filter((s) => stateBytes(s) <= SHADOW_LIMITS.stateBytes);

const clientTokenArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 64 }).filter((s) => Buffer.byteLength(s, "utf8") <= SHADOW_LIMITS.clientTokenBytes),
  // Exactly 64 bytes, in 1-, 2-, 3- and 4-byte characters.
  fc.constantFrom("a".repeat(64), "é".repeat(32), `${"€".repeat(21)}a`, "🙂".repeat(16)),
);

const versionArb = fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat(), fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER));
const timestampArb = fc.oneof(fc.nat({ max: 99_999_999_999 }), fc.constantFrom(0, 1_700_000_000, 99_999_999_999));

/** What the topic rule delivers, after JSON (the payload Lambda receives). */
export interface WireEvent {
  thingName: string;
  shadowName?: string;
  previous?: { state: WireState; metadata: object; version: number } | null;
  current: { state: WireState; metadata: object; version: number };
  timestamp: number;
  clientToken?: string;
}

/** JSON round trip: what Lambda hands the handler (no -0, no undefined, plain prototypes). */
export function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A valid `update/documents` event: classic or named, first update (previous null) or not, optional clientToken. */
export const validEventArb: fc.Arbitrary<WireEvent> = fc
  .record({
    thingName: thingNameArb,
    shadowName: fc.option(shadowNameArb, { nil: undefined }),
    version: versionArb,
    previous: fc.constantFrom("snapshot", "null", "absent"),
    currentState: stateArb,
    previousState: stateArb,
    timestamp: timestampArb,
    clientToken: fc.option(clientTokenArb, { nil: undefined }),
  })
  .map((r) => {
    const event: WireEvent = {
      thingName: r.thingName,
      current: { state: r.currentState, metadata: { reported: { seen: { timestamp: r.timestamp } } }, version: r.version },
      timestamp: r.timestamp,
    };
    if (r.shadowName !== undefined) event.shadowName = r.shadowName;
    if (r.previous === "null" || (r.previous === "snapshot" && r.version === 0)) event.previous = null;
    else if (r.previous === "snapshot") event.previous = { state: r.previousState, metadata: {}, version: r.version - 1 };
    if (r.clientToken !== undefined) event.clientToken = r.clientToken;
    return wire(event);
  });

/** One way to break one field of a valid event; `field` is what the rejection must name. */
export interface EventMutation {
  readonly name: string;
  readonly field: string;
  readonly event: unknown;
}

const nonObject = fc.constantFrom<unknown>("text", 42, true, [], [1]);
const nonString = fc.constantFrom<unknown>(42, true, {}, ["a"], 0);
const badNumber = fc.constantFrom<unknown>("1", true, null, 1.5, -1, 2 ** 53, {}, []);

const badThingName = fc.oneof(
  fc.constantFrom("", "my thing", "a/b", "#", "+", "été", "$aws", "t".repeat(129)),
  fc.tuple(thingNameArb, fc.constantFrom(" ", "/", "#", "+", "é", ".")).map(([n, c]) => `${n.slice(0, 127)}${c}`),
);
const badShadowName = fc.oneof(
  fc.constantFrom("", "$classic", "a/b", "my shadow", "s".repeat(65), "é".repeat(33)),
  // "$" is allowed in shadow names ($package); "$classic" above is refused only as the classic shadow's pseudo-name.
  fc.tuple(shadowNameArb, fc.constantFrom(" ", "/", "#", "+", ".")).map(([n, c]) => `${n.slice(0, 63)}${c}`),
);
const unstorableNumber = fc.constantFrom(1e126, -1e126, 1e200, 1e-131, -5e-324, Infinity, -Infinity);
const longToken = fc.constantFrom("a".repeat(65), "é".repeat(33), "€".repeat(22), "🙂".repeat(17), "x".repeat(1000));

type Mutator = (e: WireEvent) => fc.Arbitrary<EventMutation>;

const copy = (e: WireEvent): WireEvent => structuredClone(e);
const m = (name: string, field: string, event: unknown): EventMutation => ({ name, field, event });

/** A 7-level chain added to a section: one level past the Device Shadow limit. */
function tooDeep(e: WireEvent, section: "desired" | "reported"): fc.Arbitrary<EventMutation> {
  return chainArb(SHADOW_LIMITS.depth).map((deep) => {
    const c = copy(e);
    c.current.state = { ...c.current.state, [section]: { ...(c.current.state[section] ?? {}), deep } };
    return m(`current.state.${section} nested 7 levels`, `current.state.${section}`, c);
  });
}

const MUTATORS: readonly Mutator[] = [
  () => fc.constantFrom<unknown>("text", 42, true, null, [], [{}]).map((v) => m("event retyped", "(event)", v)),
  (e) => fc.constant(m("thingName removed", "thingName", { ...copy(e), thingName: undefined })),
  (e) => nonString.map((v) => m("thingName retyped", "thingName", { ...copy(e), thingName: v })),
  (e) => badThingName.map((v) => m("thingName off-pattern or oversized", "thingName", { ...copy(e), thingName: v })),
  (e) => nonString.map((v) => m("shadowName retyped", "shadowName", { ...copy(e), shadowName: v })),
  (e) => badShadowName.map((v) => m("shadowName off-pattern or oversized", "shadowName", { ...copy(e), shadowName: v })),
  (e) => fc.constantFrom(undefined, null).map((v) => m("current removed", "current", { ...copy(e), current: v })),
  (e) => nonObject.map((v) => m("current retyped", "current", { ...copy(e), current: v })),
  (e) => badNumber.map((v) => m("current.version retyped", "current.version", { ...copy(e), current: { ...copy(e).current, version: v } })),
  (e) => fc.constant(m("current.version removed", "current.version", { ...copy(e), current: { ...copy(e).current, version: undefined } })),
  (e) => nonObject.map((v) => m("current.state retyped", "current.state", { ...copy(e), current: { ...copy(e).current, state: v } })),
  (e) =>
    fc.tuple(fc.constantFrom("desired" as const, "reported" as const), nonObject).map(([s, v]) =>
      m(`current.state.${s} retyped`, `current.state.${s}`, { ...copy(e), current: { ...copy(e).current, state: { ...copy(e).current.state, [s]: v } } }),
    ),
  (e) => fc.constantFrom("desired" as const, "reported" as const).chain((s) => tooDeep(e, s)),
  (e) =>
    unstorableNumber.map((v) => {
      const c = copy(e);
      c.current.state = { ...c.current.state, reported: { ...(c.current.state.reported ?? {}), unstorable: v } };
      return m("number DynamoDB cannot store", "current.state.reported.unstorable", c);
    }),
  (e) =>
    fc.constantFrom("desired" as const, "reported" as const).map((s) => {
      const c = copy(e);
      // A computed key makes "__proto__" an own field, as JSON.parse does.
      c.current.state = { ...c.current.state, [s]: { ...(c.current.state[s] ?? {}), ["__proto__"]: 1 } };
      return m("state field named __proto__", `current.state.${s}.__proto__`, c);
    }),
  (e) =>
    fc.integer({ min: 1, max: 4096 }).map((extra) => {
      const c = copy(e);
      c.current.state = padStateTo({ ...c.current.state, reported: { ...(c.current.state.reported ?? {}) } }, SHADOW_LIMITS.stateBytes + extra);
      return m("current.state over 8 KB", "current.state", c);
    }),
  (e) => nonObject.map((v) => m("previous retyped", "previous", { ...copy(e), previous: v })),
  (e) =>
    badNumber.map((v) => m("previous.version retyped", "previous.version", { ...copy(e), previous: { state: {}, metadata: {}, ...(copy(e).previous ?? {}), version: v } })),
  (e) =>
    fc.integer({ min: 1, max: 4096 }).map((extra) => {
      const c = copy(e);
      const previous = c.previous ?? { state: {}, metadata: {}, version: Math.max(0, c.current.version - 1) };
      c.previous = { ...previous, state: padStateTo({ ...previous.state, reported: { ...(previous.state.reported ?? {}) } }, SHADOW_LIMITS.stateBytes + extra) };
      return m("previous.state over 8 KB", "previous.state", c);
    }),
  (e) => fc.constant(m("timestamp removed", "timestamp", { ...copy(e), timestamp: undefined })),
  (e) => badNumber.map((v) => m("timestamp retyped", "timestamp", { ...copy(e), timestamp: v })),
  (e) => fc.constantFrom(1e11, 1_700_000_000_000, Date.UTC(2030, 0)).map((v) => m("timestamp in milliseconds", "timestamp", { ...copy(e), timestamp: v })),
  (e) => nonString.map((v) => m("clientToken retyped", "clientToken", { ...copy(e), clientToken: v })),
  (e) => longToken.map((v) => m("clientToken over 64 bytes", "clientToken", { ...copy(e), clientToken: v })),
];

/**
 * An invalid event: a valid one with exactly one field removed, retyped or
 * oversized. Applied after the JSON step (Infinity is what JSON.parse makes of 1e400).
 */
export const invalidEventArb: fc.Arbitrary<EventMutation> = fc
  .tuple(validEventArb, fc.nat({ max: MUTATORS.length - 1 }))
  .chain(([event, i]) => MUTATORS[i](event));

// ---------------------------------------------------------------------------
// environment configs
// ---------------------------------------------------------------------------


const lower = [..."abcdefghijklmnopqrstuvwxyz"];
const lowerDigit = [..."abcdefghijklmnopqrstuvwxyz0123456789"];
/** `^[a-z][a-z0-9]{min-1,max-1}$`, with the length edges. */
const tokenArb = (min: number, max: number) =>
  fc
    .tuple(fc.constantFrom(...lower), fc.oneof(fc.string({ unit: fc.constantFrom(...lowerDigit), minLength: min - 1, maxLength: max - 1 }), fc.constantFrom("x".repeat(min - 1), "9".repeat(max - 1))))
    .map(([a, b]) => a + b);

const ATTR_KEY_CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,@/:#-"];
const ATTR_VALUE_CHARS = [...ATTR_KEY_CHARS, "=", "[", "]"];
const attrKeyArb = fc.oneof(fc.string({ unit: fc.constantFrom(...ATTR_KEY_CHARS), minLength: 1, maxLength: 12 }), fc.constant("k".repeat(128)));
const attrValueArb = fc.oneof(fc.string({ unit: fc.constantFrom(...ATTR_VALUE_CHARS), maxLength: 16 }), fc.constant("v".repeat(800)));
const attributesArb = fc.dictionary(attrKeyArb, attrValueArb, { maxKeys: 5, noNullPrototype: true });

const tagKeyArb = fc.oneof(fc.string({ unit: fc.constantFrom(...lowerDigit, "-", "_", ".", ":", "/", " "), minLength: 1, maxLength: 20 }).filter((k) => !k.startsWith("aws:")), fc.constant("t".repeat(128)));
const tagValueArb = fc.oneof(fc.string({ unit: fc.constantFrom(...lowerDigit, "-", "_", "@", "+", "="), maxLength: 20 }), fc.constant("v".repeat(256)));

const REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1"] as const;
const PROD_RETENTION = LOG_RETENTION_DAYS.filter((d) => d >= 365);

/**
 * Thing and group names become construct IDs, and constructs 10.x treats an ID
 * equal to an Object.prototype member ("toString", "constructor", ...) as taken:
 * synth fails. The schema does not reject them (see docs/reliability.md), so
 * the valid-config generator leaves them out.
 */
const constructSafeName = awsNameArb(128).filter((n) => !(n in Object.prototype));

/** A random valid environment config and the label it is synthesized under. */
export interface GeneratedEnvironment {
  readonly label: string;
  readonly config: EnvironmentConfigInput;
}

export const validEnvironmentArb: fc.Arbitrary<GeneratedEnvironment> = fc
  .record({
    environment: fc.constantFrom("dev" as const, "staging" as const, "prod" as const),
    namePrefix: tokenArb(2, 10),
    productLine: tokenArb(2, 16),
    accountId: fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 12, maxLength: 12 }),
    region: fc.constantFrom(...REGIONS),
    assumeRole: fc.boolean(),
    stateKms: fc.boolean(),
    tags: fc.dictionary(tagKeyArb, tagValueArb, { maxKeys: 5, noNullPrototype: true }),
    thingType: awsNameArb(128),
    /** Length of the thing-name prefix, cut from "<thingType>-" so fleet-provisioned names fit it too. */
    prefixLength: fc.integer({ min: 1, max: 64 }),
    searchable: fc.uniqueArray(attrKeyArb, { maxLength: 3 }),
    groupNames: fc.uniqueArray(constructSafeName, { maxLength: 4 }),
    groupParents: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    things: fc.uniqueArray(fc.record({ name: constructSafeName, attributes: attributesArb, groupPicks: fc.array(fc.nat(), { maxLength: 2 }), csrInline: fc.boolean() }), {
      maxLength: 6,
      selector: (t) => t.name,
    }),
    certificateMode: fc.constantFrom("csr" as const, "fleet-provisioning" as const, "generate" as const),
    fleetProvisioning: fc.boolean(),
    policyOnGroup: fc.boolean(),
    classic: fc.boolean(),
    named: fc.oneof({ weight: 1, arbitrary: fc.constant("all" as const) }, { weight: 4, arbitrary: fc.uniqueArray(shadowNameArb, { maxLength: 5 }) }),
    provisioned: fc.option(
      fc
        .record({ readCapacity: fc.integer({ min: 1, max: 1000 }), writeCapacity: fc.integer({ min: 1, max: 1000 }), maxCapacity: fc.integer({ min: 1, max: 40000 }) })
        // The module needs maxCapacity >= both capacities (the schema does not check it; see docs/reliability.md).
        .map((p) => ({ ...p, maxCapacity: Math.max(p.maxCapacity, p.readCapacity, p.writeCapacity) })),
      { nil: undefined },
    ),
    ttlDays: fc.option(fc.oneof(fc.integer({ min: 1, max: 3650 }), fc.constantFrom(1, 3650), fc.constant("none" as const)), { nil: undefined }),
    tableClass: fc.constantFrom("STANDARD" as const, "STANDARD_INFREQUENT_ACCESS" as const),
    deletionProtection: fc.option(fc.boolean(), { nil: undefined }),
    memoryMb: fc.oneof(fc.integer({ min: 128, max: 10240 }), fc.constantFrom(128, 10240)),
    timeoutSeconds: fc.oneof(fc.integer({ min: 1, max: 900 }), fc.constantFrom(1, 900)),
    reservedConcurrency: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    logRetentionDays: fc.option(fc.constantFrom(...LOG_RETENTION_DAYS), { nil: undefined }),
    prodRetention: fc.constantFrom(...PROD_RETENTION),
    maximumRetryAttempts: fc.integer({ min: 0, max: 2 }),
    maximumEventAgeSeconds: fc.oneof(fc.integer({ min: 60, max: 21600 }), fc.constantFrom(60, 21600)),
    rulesEnabled: fc.boolean(),
    errorAction: fc.constantFrom("sqs" as const, "cloudwatch-logs" as const),
    errorLogRetentionDays: fc.option(fc.constantFrom(...LOG_RETENTION_DAYS), { nil: undefined }),
    iotLogLevel: fc.option(fc.constantFrom("DEBUG" as const, "INFO" as const, "WARN" as const, "ERROR" as const, "DISABLED" as const), { nil: undefined }),
    driftMetrics: fc.boolean(),
    thresholds: fc.array(fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.001, max: 1000, noNaN: true })), { minLength: 5, maxLength: 5 }),
    noUpdatesMinutes: fc.option(fc.integer({ min: 5, max: 1440 }), { nil: undefined }),
    emails: fc.array(fc.constantFrom("oncall@example.com", "iot.team+alarms@example.org", "a@b.co"), { maxLength: 2 }),
    preventDestroy: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map((r): GeneratedEnvironment => {
    const isProd = r.environment === "prod";
    const certificateMode = r.certificateMode === "generate" && r.environment !== "dev" ? "csr" : r.certificateMode;
    const groups = r.groupNames.map((name, i) => ({
      name,
      description: `group ${i}`,
      // Parents point only at earlier groups, so there are no cycles.
      ...(i > 0 && r.groupParents[i] % 2 === 0 ? { parent: r.groupNames[r.groupParents[i] % i] } : {}),
    }));
    const fleet = r.fleetProvisioning || certificateMode === "fleet-provisioning";
    const policyGroup = r.policyOnGroup && groups.length ? groups[0].name : undefined;
    // Generated keys go to SSM parameters named after the thing, where ':' is not allowed (not checked by the schema).
    const noColon = (name: string) => (certificateMode === "generate" ? name.replace(/:/g, "_") : name);
    // Fleet provisioning names things "<thingType>-<serial>", so the type name must leave room (not checked by the schema; see docs/reliability.md).
    const thingTypeName = noColon(fleet ? r.thingType.slice(0, 100) : r.thingType);
    // The product line's thing-name space: a start of "<thingType>-", which fleet-provisioned names begin with.
    const thingNamePrefix = `${thingTypeName}-`.slice(0, Math.min(r.prefixLength, thingTypeName.length + 1));
    const safe = (name: string) => (name in Object.prototype ? `${name}_` : name);
    const thingName = (name: string) => safe(noColon(`${thingNamePrefix}${name}`.slice(0, 128)));
    const uniqueThings = [...new Map(r.things.map((t) => [thingName(t.name), t])).entries()];
    const things = uniqueThings.map(([name, t]) => ({
      name,
      attributes: t.attributes,
      // With the policy on a group, every thing must be in it (the schema does not check this; see docs/reliability.md).
      groups: groups.length ? [...new Set([...(policyGroup ? [policyGroup] : []), ...t.groupPicks.map((p) => groups[p % groups.length].name)])] : [],
      // The module checks that each CSR's subject CN is its thing name: one generated CSR per name.
      ...(certificateMode === "csr" ? (t.csrInline ? { csrPem: testCsr(name) } : { csrPath: testCsrFile(name) }) : {}),
    }));
    const [processorErrors, processorThrottles, deadLetterMessages, errorActionMessages, invalidEvents] = r.thresholds;
    const config: EnvironmentConfigInput = {
      environment: r.environment,
      namePrefix: r.namePrefix,
      productLine: r.productLine,
      thingNamePrefix,
      account: {
        id: r.accountId,
        region: r.region,
        ...(r.assumeRole ? { assumeRoleArn: `arn:aws:iam::${r.accountId}:role/iot-platform-deployer` } : {}),
      },
      state: {
        bucket: `tfstate-${r.namePrefix}-${r.accountId}`,
        region: r.region,
        ...(r.stateKms ? { kmsKeyArn: `arn:aws:kms:${r.region}:${r.accountId}:alias/iot-terraform-state` } : {}),
        breakGlassRoleArn: `arn:aws:iam::${r.accountId}:role/iot-state-break-glass`,
      },
      failureQueues: { operatorRoleArn: `arn:aws:iam::${r.accountId}:role/iot-platform-operator` },
      tags: r.tags,
      devices: {
        // Fleet provisioning names things "<thingType>-<serial>", so the type name must leave room (not checked by the schema; see docs/reliability.md).
        thingType: { name: thingTypeName, description: "generated", searchableAttributes: r.searchable },
        groups,
        things,
        certificateMode,
        policyAttachment: policyGroup ? "thing-group" : "certificate",
        ...(policyGroup ? { policyGroup } : {}),
        fleetProvisioning: { enabled: r.fleetProvisioning },
      },
      // A config must route at least one shadow.
      shadows: { classic: r.classic || (Array.isArray(r.named) && r.named.length === 0), named: r.named },
      history: {
        billingMode: r.provisioned ? "PROVISIONED" : "PAY_PER_REQUEST",
        ...(r.provisioned ? { provisioned: r.provisioned } : {}),
        // Prod must choose a retention; elsewhere it may be left out.
        ...(r.ttlDays !== undefined ? { ttlDays: r.ttlDays } : isProd ? { ttlDays: "none" as const } : {}),
        tableClass: r.tableClass,
        ...(r.deletionProtection !== undefined && !(isProd && !r.deletionProtection) ? { deletionProtection: r.deletionProtection } : {}),
      },
      processor: {
        memoryMb: r.memoryMb,
        timeoutSeconds: r.timeoutSeconds,
        ...(r.reservedConcurrency !== undefined ? { reservedConcurrency: r.reservedConcurrency } : {}),
        ...(r.logRetentionDays !== undefined ? { logRetentionDays: isProd && r.logRetentionDays < 365 ? r.prodRetention : r.logRetentionDays } : {}),
        maximumRetryAttempts: r.maximumRetryAttempts,
        maximumEventAgeSeconds: r.maximumEventAgeSeconds,
      },
      rules: {
        enabled: r.rulesEnabled,
        errorAction: r.errorAction,
        driftMetrics: r.driftMetrics,
        ...(r.errorLogRetentionDays !== undefined ? { errorLogRetentionDays: isProd && r.errorLogRetentionDays < 365 ? r.prodRetention : r.errorLogRetentionDays } : {}),
      },
      ...(r.iotLogLevel !== undefined ? { iotLogLevel: isProd && r.iotLogLevel === "DEBUG" ? "WARN" : r.iotLogLevel } : {}),
      alarms: {
        processorErrors,
        processorThrottles,
        deadLetterMessages,
        errorActionMessages,
        invalidEvents,
        ...(r.noUpdatesMinutes !== undefined ? { noUpdatesMinutes: r.noUpdatesMinutes } : {}),
        emailSubscriptions: [...new Set(r.emails)],
      },
      ...(r.preventDestroy !== undefined ? { preventDestroy: r.preventDestroy } : {}),
    };
    return { label: `${r.productLine}-${r.environment}`, config };
  });

/** A corruption of one field: `field` is the path the EnvironmentConfigError must name. */
export interface ConfigCorruption {
  readonly name: string;
  readonly field: string;
  readonly apply: (config: MutableConfig) => void;
}

/** A deep copy of a config, editable by path. */
export type MutableConfig = { [key: string]: MutableValue };
type MutableValue = string | number | boolean | null | undefined | MutableValue[] | MutableConfig;

const obj = (c: MutableConfig, ...path: string[]): MutableConfig => path.reduce((o, k) => o[k] as MutableConfig, c);
const list = (c: MutableConfig, ...path: string[]): MutableConfig[] => path.reduce<MutableValue>((o, k) => (o as MutableConfig)[k], c) as MutableConfig[];

type CorruptionFactory = (c: EnvironmentConfigInput) => fc.Arbitrary<ConfigCorruption> | undefined;

const corrupt = (name: string, field: string, apply: (c: MutableConfig) => void): ConfigCorruption => ({ name, field, apply });
const set = (path: string[], value: MutableValue) => (c: MutableConfig) => {
  obj(c, ...path.slice(0, -1))[path[path.length - 1]] = value;
};
const remove = (path: string[]) => (c: MutableConfig) => {
  delete obj(c, ...path.slice(0, -1))[path[path.length - 1]];
};
/** Each bad value of `values` set at `path`; the error must name `path`. */
const badValues = (path: string[], values: readonly MutableValue[], label = "out of range or retyped"): fc.Arbitrary<ConfigCorruption> =>
  fc.constantFrom(...values).map((v) => corrupt(`${path.join(".")} ${label}: ${JSON.stringify(v)}`, path.join("."), set(path, v)));

const CORRUPTIONS: readonly CorruptionFactory[] = [
  () => badValues(["environment"], ["qa", "Dev", 1, null]),
  () => fc.constant(corrupt("environment removed", "environment", remove(["environment"]))),
  () => badValues(["namePrefix"], ["", "a", "A1", "1abc", "abcdefghijk", "io-t", 7]),
  () => badValues(["productLine"], ["x", "Thermostat", "a".repeat(17), "line_1"]),
  () => badValues(["account", "id"], ["12345", "1234567890123", 111111111111, "abcdefghijkl"]),
  () => badValues(["account", "region"], ["europe-1", "EU-WEST-1", "eu-west", ""]),
  () => badValues(["account", "assumeRoleArn"], ["deployer", "arn:aws:iam::1:role/x", "arn:aws:s3:::bucket"]),
  () => fc.constant(corrupt("account removed", "account", remove(["account"]))),
  () => badValues(["state", "bucket"], ["My_Bucket", "ab", "b".repeat(64), "-bucket", "192.168.1.1", "xn--bucket"]),
  () => badValues(["state", "region"], ["mars-1", 1]),
  () => badValues(["state", "kmsKeyArn"], ["not-an-arn", "arn:aws:kms:eu-west-1:1:key/x"]),
  () => fc.constantFrom("aws:owner", "bad!key", "k".repeat(129)).map((k) => corrupt(`tag key ${k.slice(0, 20)}`, `tags.${k}`, (c) => (obj(c, "tags")[k] = "x"))),
  () => fc.constantFrom("bad!value", "v".repeat(257)).map((v) => corrupt("tag value off-pattern", "tags.broken-tag", (c) => (obj(c, "tags")["broken-tag"] = v))),
  () => fc.constant(corrupt("47 tags", "tags", (c) => Object.assign(obj(c, "tags"), Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`extra-${i}`, "x"]))))),
  () => badValues(["devices", "thingType", "name"], ["", "bad name", "t".repeat(129), "a/b", 5]),
  () => badValues(["devices", "thingType", "searchableAttributes"], [["a", "b", "c", "d"], "model"]),
  () => badValues(["devices", "certificateMode"], ["pem", "CSR", true]),
  () => badValues(["devices", "policyAttachment"], ["group", 1]),
  (c) =>
    c.devices.things?.length
      ? fc.tuple(fc.nat({ max: c.devices.things.length - 1 }), fc.constantFrom<MutableValue>("", "my thing", "t".repeat(129), "a/b", "#", 42, null)).map(([i, v]) =>
          corrupt(`thing name ${JSON.stringify(v)}`, `devices.things[${i}].name`, (m) => (list(m, "devices", "things")[i].name = v)),
        )
      : undefined,
  (c) =>
    c.devices.things?.length
      ? fc.tuple(fc.nat({ max: c.devices.things.length - 1 }), fc.constantFrom("bad!", "a b", "é")).map(([i, k]) =>
          corrupt(`attribute key ${k}`, `devices.things[${i}].attributes.${k}`, (m) => (obj(list(m, "devices", "things")[i], "attributes")[k] = "x")),
        )
      : undefined,
  (c) =>
    c.devices.things?.length
      ? fc.tuple(fc.nat({ max: c.devices.things.length - 1 }), fc.constantFrom("a b", "v".repeat(801), "x!")).map(([i, v]) =>
          corrupt("attribute value off-pattern", `devices.things[${i}].attributes.broken`, (m) => (obj(list(m, "devices", "things")[i], "attributes").broken = v)),
        )
      : undefined,
  (c) =>
    c.devices.things?.length
      ? fc.nat({ max: c.devices.things.length - 1 }).map((i) =>
          corrupt("51 attributes", `devices.things[${i}].attributes`, (m) => {
            list(m, "devices", "things")[i].attributes = Object.fromEntries(Array.from({ length: 51 }, (_, j) => [`attr${j}`, "x"]));
          }),
        )
      : undefined,
  (c) =>
    c.devices.things?.length
      ? fc.nat({ max: c.devices.things.length - 1 }).map((i) =>
          corrupt("undefined group", `devices.things[${i}].groups[0]`, (m) => (list(m, "devices", "things")[i].groups = ["no-such-group"])),
        )
      : undefined,
  (c) =>
    (c.devices.things?.length ?? 0) >= 2
      ? fc.nat({ max: c.devices.things!.length - 2 }).map((i) =>
          corrupt("duplicate thing name", `devices.things[${i + 1}].name`, (m) => {
            const things = list(m, "devices", "things");
            things[i + 1].name = things[0].name;
          }),
        )
      : undefined,
  (c) =>
    c.devices.things?.length && c.devices.certificateMode === "csr"
      ? fc.nat({ max: c.devices.things.length - 1 }).map((i) =>
          corrupt("CSR missing in csr mode", `devices.things[${i}]`, (m) => {
            delete list(m, "devices", "things")[i].csrPath;
            delete list(m, "devices", "things")[i].csrPem;
          }),
        )
      : undefined,
  (c) =>
    c.devices.groups?.length
      ? fc.nat({ max: c.devices.groups.length - 1 }).map((i) => corrupt("undefined parent group", `devices.groups[${i}].parent`, (m) => (list(m, "devices", "groups")[i].parent = "no-such-parent")))
      : undefined,
  (c) => (c.environment !== "dev" ? fc.constant(corrupt("key generation outside dev", "devices.certificateMode", set(["devices", "certificateMode"], "generate"))) : undefined),
  () =>
    fc.constant(
      corrupt("thing-group attachment without policyGroup", "devices.policyGroup", (m) => {
        obj(m, "devices").policyAttachment = "thing-group";
        delete obj(m, "devices").policyGroup;
      }),
    ),
  () =>
    fc.constantFrom("bad/shadow", "s".repeat(65), "é".repeat(33), "", "$classic").map((v) =>
      corrupt(`shadow name ${JSON.stringify(v.slice(0, 10))}`, "shadows.named[0]", set(["shadows", "named"], [v])),
    ),
  () => fc.constant(corrupt("duplicate shadow name", "shadows.named[1]", set(["shadows", "named"], ["config", "config"]))),
  () => badValues(["shadows", "named"], [5, "some", null]),
  () => fc.constant(corrupt("no shadow routed", "shadows", set(["shadows"], { classic: false, named: [] }))),
  () => badValues(["history", "ttlDays"], [0, 3651, 1.5, "30", -7, "never"]),
  (c) => (c.environment === "prod" ? fc.constant(corrupt("prod without a history retention choice", "history.ttlDays", remove(["history", "ttlDays"]))) : undefined),
  () => badValues(["thingNamePrefix"], ["", "Th'x", "a b", "T".repeat(128), 5]),
  (c) =>
    c.devices.things?.length
      ? fc.nat({ max: c.devices.things.length - 1 }).map((i) => corrupt("thing outside the prefix", `devices.things[${i}].name`, (m) => (list(m, "devices", "things")[i].name = `${c.thingNamePrefix.startsWith("Q") ? "R" : "Q"}-outside-${i}`)))
      : undefined,
  () => badValues(["failureQueues", "operatorRoleArn"], ["ops", "arn:aws:iam::123:role/x", "arn:aws:iam::999999999999:user/ops"]),
  (c) => fc.constant(corrupt("break-glass role of another account", "state.breakGlassRoleArn", set(["state", "breakGlassRoleArn"], `arn:aws:iam::${c.account.id === "999999999999" ? "888888888888" : "999999999999"}:role/admin`))),
  () => fc.constant(corrupt("break-glass role removed", "state.breakGlassRoleArn", remove(["state", "breakGlassRoleArn"]))),
  (c) => fc.constant(corrupt("operator role of another account", "failureQueues.operatorRoleArn", set(["failureQueues", "operatorRoleArn"], `arn:aws:iam::${c.account.id === "999999999999" ? "888888888888" : "999999999999"}:role/ops`))),
  () => badValues(["rules", "errorLogRetentionDays"], [31, 0, "14"]),
  (c) => (c.environment === "prod" ? badValues(["rules", "errorLogRetentionDays"], [14, 90], "below a year in prod") : undefined),
  () => badValues(["iotLogLevel"], ["TRACE", "warn", 1]),
  () => badValues(["history", "billingMode"], ["ON_DEMAND", "provisioned"]),
  () =>
    fc.constant(
      corrupt("PROVISIONED without capacities", "history.provisioned", (m) => {
        obj(m, "history").billingMode = "PROVISIONED";
        delete obj(m, "history").provisioned;
      }),
    ),
  () => badValues(["history", "tableClass"], ["GLACIER"]),
  (c) => (c.environment === "prod" ? fc.constant(corrupt("deletion protection off in prod", "history.deletionProtection", set(["history", "deletionProtection"], false))) : badValues(["history", "deletionProtection"], ["yes", 1])),
  () => badValues(["processor", "memoryMb"], [127, 10241, 256.5, "256", 0]),
  () => badValues(["processor", "timeoutSeconds"], [0, 901, 1.5, "30"]),
  () => badValues(["processor", "reservedConcurrency"], [0, -1, 2.5]),
  (c) => (c.environment === "prod" ? badValues(["processor", "logRetentionDays"], [30, 180, 31]) : badValues(["processor", "logRetentionDays"], [31, 0, 366, 10000])),
  () => badValues(["processor", "maximumRetryAttempts"], [3, -1, 1.5]),
  () => badValues(["processor", "maximumEventAgeSeconds"], [59, 21601, 0]),
  () => badValues(["rules", "errorAction"], ["sns", "lambda", null]),
  () => badValues(["rules", "enabled"], ["yes", 1]),
  () =>
    fc
      .constantFrom("processorErrors", "processorThrottles", "deadLetterMessages", "errorActionMessages", "invalidEvents")
      .chain((k) => badValues(["alarms", k], [0, -1, "1"])),
  () => badValues(["alarms", "noUpdatesMinutes"], [4, 1441, 7.5]),
  () => fc.constantFrom("not-an-email", "a@", "@example.com").map((v) => corrupt("bad e-mail", "alarms.emailSubscriptions[0]", set(["alarms", "emailSubscriptions"], [v]))),
  () => badValues(["preventDestroy"], ["true", 0]),
  () => fc.constant(corrupt("unknown field (typo)", "(root)", set(["proccessor"], {}))),
];

/** A valid config with exactly one field corrupted. */
export interface CorruptedEnvironment extends GeneratedEnvironment {
  readonly corruption: ConfigCorruption;
}

export const corruptedEnvironmentArb: fc.Arbitrary<CorruptedEnvironment> = validEnvironmentArb.chain((env) => {
  const options = CORRUPTIONS.map((f) => f(env.config)).filter((a): a is fc.Arbitrary<ConfigCorruption> => a !== undefined);
  return fc.oneof(...options).map((corruption) => {
    const mutable = structuredClone(env.config) as unknown as MutableConfig;
    corruption.apply(mutable);
    return { label: env.label, config: mutable as unknown as EnvironmentConfigInput, corruption };
  });
});
