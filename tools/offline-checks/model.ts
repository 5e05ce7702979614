/** An indexed view of one synthesized stack (cdk.tf.json), read-only. */
import { isObject, JsonObject, str } from "./json";
import { Environment, ENVIRONMENTS } from "./types";

export interface Block {
  readonly kind: "resource" | "data" | "output" | "local" | "provider";
  /** Terraform address: "aws_sqs_queue.dlq", "data.aws_iam_policy_document.x", "output.table_arn", "local.x", "provider.aws". */
  readonly address: string;
  /** Resource or data source type ("" for outputs, locals and providers). */
  readonly type: string;
  readonly name: string;
  readonly config: JsonObject;
  /** cdktf construct path, when the JSON carries cdktf metadata. */
  readonly constructPath?: string;
}

function constructPathOf(config: JsonObject): string | undefined {
  const meta = config["//"];
  return isObject(meta) && isObject(meta.metadata) ? str(meta.metadata.path) : undefined;
}

function typedBlocks(section: unknown, kind: "resource" | "data"): Block[] {
  if (!isObject(section)) return [];
  const out: Block[] = [];
  for (const [type, byName] of Object.entries(section)) {
    if (!isObject(byName)) continue;
    for (const [name, config] of Object.entries(byName)) {
      if (!isObject(config)) continue;
      const address = kind === "data" ? `data.${type}.${name}` : `${type}.${name}`;
      out.push({ kind, address, type, name, config, constructPath: constructPathOf(config) });
    }
  }
  return out;
}

function providerBlocks(section: unknown): Block[] {
  if (!isObject(section)) return [];
  const out: Block[] = [];
  for (const [name, value] of Object.entries(section)) {
    const configs = Array.isArray(value) ? value : [value];
    for (const config of configs) {
      if (!isObject(config)) continue;
      const alias = str(config.alias);
      out.push({ kind: "provider", address: alias ? `provider.${name}.${alias}` : `provider.${name}`, type: "", name, config });
    }
  }
  return out;
}

function namedBlocks(section: unknown, kind: "output" | "local"): Block[] {
  if (!isObject(section)) return [];
  return Object.entries(section).map(([name, value]) => ({
    kind,
    address: `${kind}.${name}`,
    type: "",
    name,
    // Locals are bare values; wrap them so every block has an object config.
    config: kind === "local" ? { value } : isObject(value) ? value : { value },
  }));
}

export class StackModel {
  readonly resources: readonly Block[];
  readonly dataSources: readonly Block[];
  readonly outputs: readonly Block[];
  readonly locals: readonly Block[];
  readonly providers: readonly Block[];
  readonly variables: ReadonlySet<string>;
  readonly modules: ReadonlySet<string>;
  readonly environment?: Environment;
  private readonly byAddress: ReadonlyMap<string, Block>;

  constructor(
    readonly name: string,
    readonly json: JsonObject,
    environment?: Environment,
  ) {
    this.resources = typedBlocks(json.resource, "resource");
    this.dataSources = typedBlocks(json.data, "data");
    this.outputs = namedBlocks(json.output, "output");
    this.locals = namedBlocks(json.locals, "local");
    this.providers = providerBlocks(json.provider);
    this.variables = new Set(isObject(json.variable) ? Object.keys(json.variable) : []);
    this.modules = new Set(isObject(json.module) ? Object.keys(json.module) : []);
    this.byAddress = new Map([...this.resources, ...this.dataSources, ...this.outputs, ...this.locals].map((b) => [b.address, b]));
    this.environment = environment ?? environmentFromTags(this.providers);
  }

  /** Resources, data sources, outputs, locals and providers: everything whose strings Terraform evaluates. */
  get allBlocks(): Block[] {
    return [...this.resources, ...this.dataSources, ...this.outputs, ...this.locals, ...this.providers];
  }

  ofType(type: string): Block[] {
    return this.resources.filter((b) => b.type === type);
  }

  dataOfType(type: string): Block[] {
    return this.dataSources.filter((b) => b.type === type);
  }

  get(address: string): Block | undefined {
    return this.byAddress.get(address);
  }

  /** Whether a reference address (resource, data, var, local, module) exists in this stack. */
  has(address: string): boolean {
    const [root, name] = address.split(".");
    if (root === "var") return this.variables.has(name);
    if (root === "module") return this.modules.has(name);
    return this.byAddress.has(address);
  }
}

/** The platform tags every stack through the provider's default_tags; that is where the environment is read. */
function environmentFromTags(providers: readonly Block[]): Environment | undefined {
  for (const p of providers) {
    for (const dt of Array.isArray(p.config.default_tags) ? p.config.default_tags : [p.config.default_tags]) {
      const env = isObject(dt) && isObject(dt.tags) ? str(dt.tags.environment) : undefined;
      if (env && (ENVIRONMENTS as readonly string[]).includes(env)) return env as Environment;
    }
  }
  return undefined;
}
