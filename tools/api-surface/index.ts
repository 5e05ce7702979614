/**
 * Reads the public surface of every module (its constructs and aspects, the props
 * interface each takes, and their public readonly fields) from the TypeScript
 * source. One extractor serves the README checks and the
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
  /** The construct (or aspect) class; unique across the package, so it keys the surface. */
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

interface EntryPoint {
  readonly cls: ts.ClassDeclaration;
  readonly file: ts.SourceFile;
  readonly propsType: string;
}

function heritageNames(cls: ts.ClassDeclaration, file: ts.SourceFile, token: ts.SyntaxKind): string[] {
  return (cls.heritageClauses ?? []).filter((h) => h.token === token).flatMap((h) => h.types.map((t) => t.expression.getText(file)));
}

/**
 * The module's entry points, in source order: exported constructs taking (scope, id, props) that
 * extend Construct or another construct of the module, and exported aspects (implementing
 * IAspect) taking (props).
 */
function findEntryPoints(files: ts.SourceFile[]): EntryPoint[] {
  const classes = files.flatMap((file) =>
    file.statements
      .filter((st): st is ts.ClassDeclaration => ts.isClassDeclaration(st) && !!st.name && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
      .map((cls) => ({ cls, file })),
  );
  const propsOf = (cls: ts.ClassDeclaration, file: ts.SourceFile, index: number): string | undefined => {
    const param = cls.members.find(ts.isConstructorDeclaration)?.parameters[index];
    return param?.type && ts.isTypeReferenceNode(param.type) ? param.type.typeName.getText(file) : undefined;
  };
  const constructs = new Set<string>();
  // Until nothing changes: a construct may extend another construct declared later in the files.
  for (let grew = true; grew; ) {
    grew = false;
    for (const { cls, file } of classes) {
      const base = heritageNames(cls, file, ts.SyntaxKind.ExtendsKeyword)[0];
      if (!constructs.has(cls.name!.text) && (base === "Construct" || constructs.has(base)) && propsOf(cls, file, 2)) {
        constructs.add(cls.name!.text);
        grew = true;
      }
    }
  }
  return classes.flatMap(({ cls, file }): EntryPoint[] => {
    const construct = constructs.has(cls.name!.text) ? propsOf(cls, file, 2) : undefined;
    const aspect = heritageNames(cls, file, ts.SyntaxKind.ImplementsKeyword).includes("IAspect") ? propsOf(cls, file, 0) : undefined;
    const propsType = construct ?? aspect;
    return propsType ? [{ cls, file, propsType }] : [];
  });
}

interface Member {
  readonly node: ts.PropertySignature;
  readonly file: ts.SourceFile;
}

/** String literals of a type like `"a" | "b"`. */
function literalNames(type: ts.TypeNode): string[] {
  const parts = ts.isUnionTypeNode(type) ? type.types : [type];
  return parts.map((t) => {
    if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return t.literal.text;
    throw new Error(`unsupported Omit key type ${t.getText()}`);
  });
}

/**
 * The members of interface `name` declared in the module's files, including what it extends
 * (`extends Base` or `extends Omit<Base, "a" | "b">`): inherited members in the base's order,
 * a redeclared member in the place of the one it replaces, new ones after them.
 */
function interfaceMembers(files: ts.SourceFile[], name: string, where: string): Member[] {
  let found: Member[] | undefined;
  for (const file of files) {
    const iface = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
    if (!iface) continue;
    const own = iface.members.filter(ts.isPropertySignature).map((node) => ({ node, file }));
    const ownByName = new Map(own.map((m) => [m.node.name.getText(file), m]));
    const inherited = (iface.heritageClauses ?? []).flatMap((h) =>
      h.types.flatMap((t) => {
        const expr = t.expression.getText(file);
        const args = t.typeArguments ?? [];
        if (expr === "Omit" && args.length === 2 && ts.isTypeReferenceNode(args[0])) {
          const omitted = new Set(literalNames(args[1]));
          return interfaceMembers(files, args[0].typeName.getText(file), where).filter((m) => !omitted.has(m.node.name.getText(m.file)) || ownByName.has(m.node.name.getText(m.file)));
        }
        if (args.length === 0) return interfaceMembers(files, expr, where);
        throw new Error(`${where}: ${name} extends ${t.getText(file)}; the surface reader follows only \`extends Base\` and \`extends Omit<Base, "key" | ...>\``);
      }),
    );
    const inheritedNames = new Set(inherited.map((m) => m.node.name.getText(m.file)));
    found = [
      ...inherited.map((m) => ownByName.get(m.node.name.getText(m.file)) ?? m),
      ...own.filter((m) => !inheritedNames.has(m.node.name.getText(file))),
    ];
  }
  if (!found) throw new Error(`${where}: props interface ${name} not found in the module's files`);
  return found;
}

/** Every construct and aspect of one module folder, in source order (empty when it has none). */
export function moduleSurfaces(modulesDir: string, module: string): ModuleSurface[] {
  const files = sourceFiles(join(modulesDir, module));
  return findEntryPoints(files).map(({ cls, file, propsType }) => ({
    module,
    construct: cls.name!.text,
    propsInterface: propsType,
    props: interfaceMembers(files, propsType, `modules/${module}`).map(({ node, file: f }) => ({
      name: node.name.getText(f),
      type: node.type ? node.type.getText(f).replace(/\s+/g, " ") : "unknown",
      optional: node.questionToken !== undefined,
    })),
    outputs: cls.members.filter(isPublicReadonly).map((m) => m.name.getText(file)),
  }));
}

/** Every module folder's constructs and aspects, sorted by module name (source order within one). */
export function allModuleSurfaces(modulesDir: string): ModuleSurface[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(modulesDir, d.name, "index.ts")))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b))
    .flatMap((m) => moduleSurfaces(modulesDir, m));
}

/**
 * The `@default` JSDoc of each prop of a surface (whitespace collapsed; undefined without one):
 * what editors show next to the prop, and what the module READMEs' Default column must say.
 */
export function documentedDefaults(modulesDir: string, surface: ModuleSurface): Map<string, string | undefined> {
  const files = sourceFiles(join(modulesDir, surface.module));
  return new Map(
    interfaceMembers(files, surface.propsInterface, `modules/${surface.module}`).map(({ node, file }) => {
      const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === "default");
      const text = tag ? ts.getTextOfJSDocComment(tag.comment)?.replace(/\s+/g, " ").trim() : undefined;
      return [node.name.getText(file), text];
    }),
  );
}

export interface ReadmeTableRow {
  readonly name: string;
  /** The cells after the name, trimmed (a `\|` inside a cell does not split it). */
  readonly cells: readonly string[];
}

/**
 * Rows of the markdown tables under `## <section>` whose first cell is a backticked name. With
 * `subsection`, only those under `### <subsection>` in that section; without, only those before
 * the section's first `###` heading.
 */
export function readmeTableRows(readme: string, section: string, subsection?: string): ReadmeTableRow[] {
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start < 0) return [];
  const rest = readme.slice(start + section.length + 5);
  const body = rest.split(/\n## /)[0];
  const parts = body.split(/^### /m);
  const part = subsection === undefined ? parts[0] : parts.find((p) => p.startsWith(`${subsection}\n`));
  if (part === undefined) return [];
  return [...part.matchAll(/^\| `(\w+)` \|(.*)$/gm)].map((m) => ({
    name: m[1],
    cells: m[2].replace(/\|\s*$/, "").split(/(?<!\\)\|/).map((c) => c.trim()),
  }));
}

/** Names in the first column of those tables. */
export function readmeTableNames(readme: string, section: string, subsection?: string): string[] {
  return readmeTableRows(readme, section, subsection).map((r) => r.name);
}

/** A value at the start of a default's text: a number, string, boolean, `undefined`, constant, `process.cwd()`, or bracketed literal. */
function leadingValue(text: string): string | undefined {
  const simple = text.match(/^(-?\d[\d_.]*|"[^"]*"|true|false|undefined|null|[A-Z][A-Z0-9_]*|process\.cwd\(\))(?=$|[\s,;])/);
  if (simple) return simple[1];
  if (!/^[[{]/.test(text)) return undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if ("[{".includes(text[i])) depth++;
    else if ("]}".includes(text[i]) && --depth === 0) return text.slice(0, i + 1);
  }
  return undefined;
}

const squash = (s: string) => s.replace(/\s+/g, "");

/**
 * Why a README's Default cell disagrees with the prop's declaration, or undefined when it agrees:
 * a required prop reads "required"; an optional prop has a `@default`; a value the code states
 * (a literal at the start of `@default`) is the README cell's leading code span, and a README never
 * states a value the code's `@default` does not.
 */
export function defaultMismatch(prop: PropSurface, codeDefault: string | undefined, readmeDefault: string | undefined): string | undefined {
  const readme = readmeDefault ?? "";
  if (!prop.optional) {
    if (codeDefault !== undefined) return `required, but its JSDoc says @default ${codeDefault}`;
    return /^required\b/.test(readme) ? undefined : `required, but the README's Default cell says "${readme}"; write "required"`;
  }
  if (codeDefault === undefined) return "optional without a @default in its JSDoc; add one (what omitting it means)";
  if (/^required\b/.test(readme)) return `optional (@default ${codeDefault}), but the README says "required"`;
  const codeValue = leadingValue(codeDefault);
  const span = readme.match(/^`([^`]+)`/)?.[1];
  if (codeValue !== undefined) {
    return span !== undefined && squash(span) === squash(codeValue) ? undefined : `the code's @default is ${codeValue}, the README's Default cell says "${readme}"; start the cell with \`${codeValue}\``;
  }
  const readmeValue = span === undefined ? undefined : leadingValue(span);
  if (readmeValue !== undefined && readmeValue === span) return `the README's Default cell states ${span}, the code's @default does not ("${codeDefault}")`;
  return undefined;
}

export const MODULE_README_SECTIONS = ["What it is", "Usage", "Props", "Created resources", "Outputs", "Security notes"] as const;
