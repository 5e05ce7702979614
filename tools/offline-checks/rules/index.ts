/** Every rule check, in catalog order. */
import { RULE_IDS } from "../catalog";
import { NAME_RULES } from "./names";
import { RuleCheck } from "./rule";
import { ACCESS_SECURITY_RULES } from "./security-access";
import { RESOURCE_SECURITY_RULES } from "./security-resources";
import { STRUCTURE_RULES } from "./structure";

export const ALL_RULES: readonly RuleCheck[] = [...NAME_RULES, ...STRUCTURE_RULES, ...RESOURCE_SECURITY_RULES, ...ACCESS_SECURITY_RULES].sort(
  (a, b) => RULE_IDS.indexOf(a.id) - RULE_IDS.indexOf(b.id),
);
