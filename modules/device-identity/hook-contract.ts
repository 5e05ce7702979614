/**
 * The contract between the device-identity module and the pre-provisioning
 * hook function (functions/provisioning-hook): environment variable names,
 * the allowlist item shape and the reserved claim client-id space. Pure
 * constants and types, so the function bundle can import them without cdktf.
 */

/** Claim-certificate connections use client ids `provision-<uuid>`; no thing name may start with it. */
export const CLAIM_CLIENT_ID_PREFIX = "provision-";

/** AWS IoT waits this long for the hook's answer, then refuses the request. */
export const HOOK_TIME_LIMIT_MS = 5_000;

/** Environment the module sets on the hook function. */
export const HOOK_ENV = {
  /** The allowlist table. */
  allowlistTable: "ALLOWLIST_TABLE_NAME",
  /** Provisioned things are named `<prefix><SerialNumber>`. */
  thingNamePrefix: "THING_NAME_PREFIX",
  /** JSON array of thing names Terraform manages under that prefix; the hook refuses them. */
  reservedThingNames: "RESERVED_THING_NAMES",
} as const;

/** Partition key of the allowlist table: one item per serial number the manufacturing process allows. */
export const ALLOWLIST_KEY = "serialNumber";

/**
 * Attributes of an allowlist item. The manufacturing process writes
 * `serialNumber` (and may set `enabled: false` to revoke a serial); the hook
 * writes the claim attributes when it lets a request through.
 */
export const ALLOWLIST_ATTRIBUTES = {
  serialNumber: ALLOWLIST_KEY,
  /** Optional BOOL; false refuses the serial. */
  enabled: "enabled",
  /** Epoch milliseconds of the last allowed request. */
  claimedAt: "claimedAt",
  /** Certificate id of the last allowed request. */
  claimedByCertificateId: "claimedByCertificateId",
  /** Number of allowed requests. */
  claims: "claims",
} as const;

/**
 * After an allowed request, the same serial is refused for this long, so two
 * concurrent requests cannot both register it; a device whose registration
 * failed after the hook's answer can retry once it has passed.
 */
export const CLAIM_LEASE_MS = 5 * 60 * 1000;

/** Serial numbers: thing-name characters without ':'; the length is bounded by the thing name limit (128). */
export const SERIAL_NUMBER_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MAX_THING_NAME_LENGTH = 128;

/** What AWS IoT sends (payload version 2020-04-01). */
export interface PreProvisioningHookEvent {
  readonly claimCertificateId?: string;
  readonly certificateId?: string;
  readonly certificatePem?: string;
  readonly templateArn?: string;
  readonly clientId?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** What AWS IoT expects back; provisioning proceeds only with allowProvisioning true. */
export interface PreProvisioningHookResponse {
  readonly allowProvisioning: boolean;
  readonly parameterOverrides?: Readonly<Record<string, string>>;
}
