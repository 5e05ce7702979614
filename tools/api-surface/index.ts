/**
 * Reads the public surface of every module (its construct, the props
 * interface the constructor takes, and its public readonly fields) from the
 * TypeScript source. One extractor serves the README checks and the
 * "public API changed without a CHANGELOG entry" check.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export interface PropSurface {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
}

export interface ModuleSurface {
  readonly module: string;
  readonly construct: string;
  readonly propsInterface: string;
  readonly props: readonly PropSurface[];
  readonly outputs: readonly string[];
}

function sourceFiles(dir: string): ts.SourceFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .sort()
    .map((f) => ts.createSourceFile(join(dir, f), readFileSync(join(dir, f), "utf8"), ts.ScriptTarget.ES2022, true));
}

function isPublicReadonly(member: ts.ClassElement): member is ts.PropertyDeclaration {
  if (!ts.isPropertyDeclaration(member)) return false;
  const mods = ts.getModifiers(member) ?? [];
  const has = (k: ts.SyntaxKind) => mods.some((m) => m.kind === k);
  return has(ts.SyntaxKind.ReadonlyKeyword) && !has(ts.SyntaxKind.PrivateKeyword) && !has(ts.SyntaxKind.ProtectedKeyword) && !has(ts.SyntaxKind.StaticKeyword);
}

/** The module's construct: an exported class extending Construct whose constructor takes (scope, id, props). */
function findConstruct(files: ts.SourceFile[]): { cls: ts.ClassDeclaration; propsType: string } | undefined {
  for (const file of files) {
    for (const st of file.statements) {
      if (!ts.isClassDeclaration(st) || !st.name) continue;
      const exported = (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const extendsConstruct = st.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText(file) === "Construct"));
      const ctor = st.members.find(ts.isConstructorDeclaration);
      const propsParam = ctor?.parameters[2];
      if (exported && extendsConstruct && propsParam?.type && ts.isTypeReferenceNode(propsParam.type)) {
        return { cls: st, propsType: propsParam.type.typeName.getText(file) };
      }
    }
  }
  return undefined;
}

export function moduleSurface(modulesDir: string, module: string): ModuleSurface | undefined {
  const dir = join(modulesDir, module);
  const files = sourceFiles(dir);
  const found = findConstruct(files);
  if (!found) return undefined;
  let props: PropSurface[] | undefined;
  for (const file of files) {
    const iface = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === found.propsType);
    if (!iface) continue;
    props = iface.members.filter(ts.isPropertySignature).map((m) => ({
      name: m.name.getText(file),
      type: m.type ? m.type.getText(file).replace(/\s+/g, " ") : "unknown",
      optional: m.questionToken !== undefined,
    }));
  }
  if (!props) throw new Error(`modules/${module}: props interface ${found.propsType} not found in the module's files`);
  const outputs = found.cls.members.filter(isPublicReadonly).map((m) => m.name.getText());
  return { module, construct: found.cls.name!.text, propsInterface: found.propsType, props, outputs };
}

/** Every module folder that has a construct, sorted by name. */
export function allModuleSurfaces(modulesDir: string): ModuleSurface[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(modulesDir, d.name, "index.ts")))
    .map((d) => moduleSurface(modulesDir, d.name))
    .filter((s): s is ModuleSurface => s !== undefined)
    .sort((a, b) => a.module.localeCompare(b.module));
}

/** Names in the first column of the markdown table under `## <section>` (backticked names only). */
export function readmeTableNames(readme: string, section: string): string[] {
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start < 0) return [];
  const rest = readme.slice(start + section.length + 5);
  const body = rest.split(/\n## /)[0];
  return [...body.matchAll(/^\| `(\w+)`/gm)].map((m) => m[1]);
}

export const MODULE_README_SECTIONS = ["What it is", "Usage", "Props", "Created resources", "Outputs", "Security notes"] as const;
