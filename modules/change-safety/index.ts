/**
 * Change safety: `lifecycle.prevent_destroy` on the stateful resources of a scope,
 * decided once per stack from the environment (on in staging and prod by default).
 */
import { Aspects, IAspect, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";
import { PREVENT_DESTROY_RESOURCE_TYPES } from "./stateful-resources";

export * from "./stateful-resources";

export interface PreventDestroyAspectProps {
  /**
   * true: set `prevent_destroy = true`. false: remove any `prevent_destroy` a module set,
   * so the environment alone decides (dev stays destroyable).
   */
  readonly enabled: boolean;
  /**
   * Terraform resource types affected.
   * @default PREVENT_DESTROY_RESOURCE_TYPES (certificates, things, IoT policies, DynamoDB tables, KMS keys, S3 buckets, and
   * databases, file systems, caches, search domains, secrets, image repositories and user pools a module user adds)
   */
  readonly resourceTypes?: readonly string[];
}

/** Runs at synth time, so it also covers resources added after it was applied. */
export class PreventDestroyAspect implements IAspect {
  readonly enabled: boolean;
  readonly resourceTypes: ReadonlySet<string>;

  constructor(props: PreventDestroyAspectProps) {
    if (typeof props.enabled !== "boolean") {
      throw new Error(`PreventDestroyAspect: enabled must be true or false, got ${JSON.stringify(props.enabled)}`);
    }
    const types = props.resourceTypes ?? PREVENT_DESTROY_RESOURCE_TYPES;
    const bad = types.filter((t) => !/^aws_[a-z0-9_]+$/.test(t));
    if (bad.length > 0) {
      throw new Error(`PreventDestroyAspect: resourceTypes must be Terraform type names like "aws_dynamodb_table"; invalid: ${bad.join(", ")}`);
    }
    this.enabled = props.enabled;
    this.resourceTypes = new Set(types);
  }

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node) || !this.resourceTypes.has(node.terraformResourceType)) return;
    // Keep every other lifecycle setting (ignore_changes, conditions) the module chose.
    const { preventDestroy: _ignored, ...rest } = node.lifecycle ?? {};
    node.lifecycle = this.enabled ? { ...rest, preventDestroy: true } : rest;
  }
}

/** Adds a PreventDestroyAspect to `scope` (usually a stack) and returns it. */
export function applyPreventDestroy(scope: IConstruct, enabled: boolean): PreventDestroyAspect {
  const aspect = new PreventDestroyAspect({ enabled });
  Aspects.of(scope).add(aspect);
  return aspect;
}
