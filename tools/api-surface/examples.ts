/**
 * Type-checks the `ts` code blocks of the module READMEs, so a usage example cannot rot.
 *
 * Each block becomes one in-memory file `<repo>/readme-examples/<n>.ts` (never written): its
 * imports stay as written (`../modules/<name>` resolves to the repository's modules, packages to
 * its node_modules), the rest runs inside a stack's constructor (`this` is a TerraformStack), and
 * EXAMPLE_CONTEXT declares the few names examples may use without defining them. Diagnostics
 * point at the README line.
 */
import { join, relative } from "node:path";
import ts from "typescript";

export interface ReadmeExample {
  /** The README the block is in. */
  readonly readmePath: string;
  /** 1-based README line of the block's first code line. */
  readonly line: number;
  readonly code: string;
}

/** Every ```ts (or ```typescript) block of a markdown text. */
export function readmeExamples(readmePath: string, markdown: string): ReadmeExample[] {
  const lines = markdown.split("\n");
  const out: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${readmePath}:${i + 1}: a \`\`\`ts block is never closed`);
    out.push({ readmePath, line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return out;
}

/**
 * What an example may use without defining it, as if it continued the stack code around it.
 * Kept short on purpose: anything else an example needs, it imports or defines.
 */
export const EXAMPLE_CONTEXT = `import * as __cdktf from "cdktf";
import type { Construct as __Construct } from "constructs";
import type * as __modules from "../modules";
import type { EnvironmentConfig as __EnvironmentConfig } from "../lib/config-schema";
/** The repository (or installed package) root holding dist/functions. */
declare const repoRoot: string;
/** A stack, for examples that are not written inside one's constructor. */
declare const stack: __cdktf.TerraformStack;
/** The environment config a stack is built from. */
declare const config: __EnvironmentConfig;
/** Constructs created earlier in the same stack. */
declare const history: __modules.HistoryStore;
declare const processor: __modules.ShadowProcessor;
declare const rules: __modules.ShadowRules;
/** Every synthesized stack's Terraform JSON by stack name. */
declare const stacksByName: Record<string, __modules.SingletonStackJson>;
`;

interface GeneratedFile {
  readonly text: string;
  /** README line of each generated line (undefined for lines of the context or the wrapper). */
  readonly origin: readonly (number | undefined)[];
}

function generate(example: ReadmeExample): GeneratedFile {
  const source = ts.createSourceFile("example.ts", example.code, ts.ScriptTarget.ES2022, true);
  const importLines = new Set<number>();
  for (const st of source.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const first = source.getLineAndCharacterOfPosition(st.getStart(source)).line;
    const last = source.getLineAndCharacterOfPosition(st.getEnd()).line;
    for (let l = first; l <= last; l++) importLines.add(l);
  }
  const lines = example.code.split("\n");
  const text: string[] = [];
  const origin: (number | undefined)[] = [];
  const push = (line: string, readmeLine?: number) => {
    text.push(line);
    origin.push(readmeLine);
  };
  for (const line of EXAMPLE_CONTEXT.trimEnd().split("\n")) push(line);
  lines.forEach((line, i) => importLines.has(i) && push(line, example.line + i));
  push("export class __Example extends __cdktf.TerraformStack {");
  push("  constructor(__scope: __Construct) {");
  push('    super(__scope, "example");');
  lines.forEach((line, i) => !importLines.has(i) && push(line, example.line + i));
  push("  }");
  push("}");
  return { text: text.join("\n") + "\n", origin };
}

/**
 * Type-checks the examples as TypeScript files of `repoRoot` (its node_modules, `moduleResolution: node`,
 * strict) and returns one `<readme>:<line>: TS<code>: <message>` per problem; empty when all compile.
 */
export function compileReadmeExamples(repoRoot: string, examples: readonly ReadmeExample[]): string[] {
  const files = new Map<string, { example: ReadmeExample; generated: GeneratedFile }>();
  examples.forEach((example, i) => files.set(join(repoRoot, "readme-examples", `${i}.ts`), { example, generated: generate(example) }));

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ["lib.es2022.d.ts"],
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [join(repoRoot, "node_modules", "@types")],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const file = files.get(name);
    return file ? ts.createSourceFile(name, file.generated.text, language, true) : getSourceFile.call(host, name, language, ...rest);
  };
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.generated.text ?? readFile.call(host, name);
  host.getCurrentDirectory = () => repoRoot;

  const program = ts.createProgram([...files.keys()], options, host);
  // Only the examples' own diagnostics: the modules themselves are type-checked by `tsc --noEmit`.
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const name of files.keys()) {
    const sf = program.getSourceFile(name)!;
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
    const file = d.file && files.get(d.file.fileName);
    if (!file || d.start === undefined) return `${d.file ? relative(repoRoot, d.file.fileName) : "(options)"}: TS${d.code}: ${message}`;
    const line = d.file!.getLineAndCharacterOfPosition(d.start).line;
    const readmeLine = file.generated.origin[line];
    const where = readmeLine === undefined ? `${file.example.line - 1} (the block, outside its code)` : String(readmeLine);
    return `${relative(repoRoot, file.example.readmePath)}:${where}: TS${d.code}: ${message}`;
  });
}
