/** Small, typed helpers over synthesized Terraform JSON (cdk.tf.json). */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** cdktf writes single blocks as an object and repeatable blocks as an array: read both the same way. */
export function blocks(value: unknown): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** The first block of a (possibly single) block attribute. */
export function block(value: unknown): JsonObject | undefined {
  return blocks(value)[0];
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A string list attribute; a single string counts as a one-element list (IAM JSON allows both). */
export function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** True when Terraform sees the string as-is: no interpolation and no escaped IoT template. */
export function isLiteral(value: string): boolean {
  return !value.includes("${");
}

/** Whether an attribute was given (cdktf omits unset attributes; null and "" count as missing). */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The value as a number, or undefined when it is a Terraform expression or absent. */
export function num(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** True for `true` / "true"; expressions are unknown (undefined). */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  return undefined;
}

export interface StringVisit {
  readonly value: string;
  /** JSON path inside the block, e.g. "lambda[0].function_arn". */
  readonly path: string;
}

/** Every string value under `value` (keys excluded), skipping cdktf's "//" metadata. */
export function collectStrings(value: unknown, path = ""): StringVisit[] {
  const out: StringVisit[] = [];
  const visit = (v: unknown, p: string): void => {
    if (typeof v === "string") out.push({ value: v, path: p });
    else if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${p}[${i}]`));
    else if (isObject(v)) {
      for (const [k, child] of Object.entries(v)) if (k !== "//") visit(child, p ? `${p}.${k}` : k);
    }
  };
  visit(value, path);
  return out;
}
