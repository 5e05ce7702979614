/**
 * Which module (modules/<dir>) and which stack class own a construct path, derived from the code:
 * every construct class exported by modules/<dir>/index.ts and every stack class exported by
 * stacks/*.ts is indexed by its constructor, and a built app's construct tree is walked from the
 * stack down to the resource. No hand-kept table: a new module directory is found by listing
 * modules/, and a subclass (e.g. ShadowHistoryProcessor) is matched through its prototype chain.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";

export interface ModuleOwner {
  /** The module's exported class the construct was created by (or derives from), e.g. "ShadowProcessor". */
  readonly className: string;
  /** Relative to the repository root, e.g. "modules/shadow-processor". */
  readonly dir: string;
  /** The construct path of the module instance, e.g. "iot-dev-platform/processor". */
  readonly constructPath: string;
}

export interface StackOwner {
  readonly className: string;
  /** Relative to the repository root, e.g. "stacks/platform-stack.ts"; undefined for a class not exported from stacks/. */
  readonly file?: string;
}

export interface ConstructOwners {
  /** Innermost module first (a module composed of other modules lists each). Empty: declared by the stack itself. */
  readonly modules: readonly ModuleOwner[];
  readonly stack: StackOwner;
}

interface IndexedClass {
  readonly kind: "module" | "stack";
  readonly className: string;
  readonly location: string;
}

export type OwnerIndex = ReadonlyMap<unknown, IndexedClass>;

// Loaded by path at run time so that a new modules/<dir> or stacks/<file> needs no edit here.
const load = (file: string): Record<string, unknown> => require(file);

function isSubclass(value: unknown, base: abstract new (...args: never[]) => unknown): value is new (...args: never[]) => unknown {
  return typeof value === "function" && (value === base || value.prototype instanceof base);
}

/** Constructors exported by modules/<dir>/index.ts (constructs) and stacks/*.ts (stacks). */
export function buildOwnerIndex(repoRoot: string): OwnerIndex {
  const index = new Map<unknown, IndexedClass>();
  const modulesDir = path.join(repoRoot, "modules");
  for (const dir of fs.readdirSync(modulesDir).sort()) {
    const entry = path.join(modulesDir, dir, "index.ts");
    if (!fs.existsSync(entry)) continue;
    for (const [name, value] of Object.entries(load(entry))) {
      if (isSubclass(value, Construct) && !index.has(value)) index.set(value, { kind: "module", className: name, location: `modules/${dir}` });
    }
  }
  const stacksDir = path.join(repoRoot, "stacks");
  for (const file of fs.readdirSync(stacksDir).filter((f) => f.endsWith(".ts")).sort()) {
    for (const [name, value] of Object.entries(load(path.join(stacksDir, file)))) {
      if (isSubclass(value, TerraformStack) && !index.has(value)) index.set(value, { kind: "stack", className: name, location: `stacks/${file}` });
    }
  }
  return index;
}

/** The indexed class a construct was made by: its own constructor, or the nearest indexed base class. */
function indexedClassOf(construct: IConstruct, index: OwnerIndex): IndexedClass | undefined {
  for (let ctor: unknown = construct.constructor; typeof ctor === "function" && ctor !== Function.prototype; ctor = Object.getPrototypeOf(ctor)) {
    const hit = index.get(ctor);
    if (hit) return hit;
  }
  return undefined;
}

/** The construct at `constructPath` ("<stack>/<id>/..."), or undefined when the tree has none there. */
export function findConstruct(root: IConstruct, constructPath: string): IConstruct | undefined {
  let node: IConstruct | undefined = root;
  for (const id of constructPath.split("/")) {
    node = node?.node.tryFindChild(id);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Modules and stack class owning the construct at `constructPath`; undefined when the path is not in the tree. */
export function ownersOf(root: IConstruct, constructPath: string, index: OwnerIndex): ConstructOwners | undefined {
  const construct = findConstruct(root, constructPath);
  if (construct === undefined) return undefined;
  const modules: ModuleOwner[] = [];
  let stack: StackOwner | undefined;
  for (const scope of construct.node.scopes) {
    const indexed = indexedClassOf(scope, index);
    if (TerraformStack.isStack(scope)) {
      stack = indexed?.kind === "stack" ? { className: indexed.className, file: indexed.location } : { className: scope.constructor.name };
    } else if (indexed?.kind === "module") {
      modules.unshift({ className: indexed.className, dir: indexed.location, constructPath: scope.node.path });
    }
  }
  if (stack === undefined) return undefined;
  return { modules, stack };
}
