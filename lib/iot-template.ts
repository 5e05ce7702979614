/**
 * IoT substitution templates (`${topic(3)}`) and policy variables
 * (`${iot:Connection.Thing.ThingName}`) look like Terraform interpolation.
 * They must reach the Terraform JSON as `$${...}` so Terraform leaves them
 * alone. A replacer function is used on purpose: in a replacement *string*
 * "$$" means one literal "$", so `s.replace(/\$\{/g, "$${")` would change nothing.
 */
export function escapeIotTemplate(text: string): string {
  return text.replace(/(?<!\$)\$\{/g, () => "$${");
}

/** `${expr}` as an IoT substitution template, already escaped for Terraform. */
export function iotSubstitution(expression: string): string {
  return escapeIotTemplate("${" + expression + "}");
}

/** The policy variable every device policy is scoped by. */
export const THING_NAME_POLICY_VARIABLE = escapeIotTemplate("${iot:Connection.Thing.ThingName}");
