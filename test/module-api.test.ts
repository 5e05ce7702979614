import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { MODULE_README_SECTIONS, ModuleSurface, allModuleSurfaces, defaultMismatch, documentedDefaults, readmeTableNames, readmeTableRows } from "../tools/api-surface";
import { changelogVersions, diffSurfaces, readLock } from "../tools/api-surface/lock";

const root = join(__dirname, "..");
const modulesDir = join(root, "modules");
const surfaces = allModuleSurfaces(modulesDir);
const moduleDirs = readdirSync(modulesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
/** A module's first construct is documented in the README's sections, any further one under `### <Construct>` in them. */
const subsectionOf = (s: ModuleSurface) => (surfaces.find((x) => x.module === s.module) === s ? undefined : s.construct);

describe("module READMEs match the code", () => {
  it("finds a construct or aspect with props in every module (change-safety: PreventDestroyAspect)", () => {
    expect([...new Set(surfaces.map((s) => s.module))]).toEqual(moduleDirs);
    expect(surfaces.find((s) => s.module === "change-safety")?.propsInterface).toBe("PreventDestroyAspectProps");
  });

  it.each(moduleDirs)("%s has a README with the standard sections", (m) => {
    const readme = readFileSync(join(modulesDir, m, "README.md"), "utf8");
    expect([...readme.matchAll(/^## (.+)$/gm)].map((x) => x[1])).toEqual([...MODULE_README_SECTIONS]);
  });

  it.each(surfaces.map((s) => [s.construct, s] as const))("%s documents exactly its props, in order, and every public field", (_m, s) => {
    const readme = readFileSync(join(modulesDir, s.module, "README.md"), "utf8");
    expect(readmeTableNames(readme, "Props", subsectionOf(s))).toEqual(s.props.map((p) => p.name));
    const outputs = readmeTableNames(readme, "Outputs", subsectionOf(s));
    expect(s.outputs.filter((f) => !outputs.includes(f))).toEqual([]);
    expect(outputs.filter((f) => !s.outputs.includes(f))).toEqual([]);
  });

  // The code's side is each prop's @default JSDoc (what editors show); see defaultMismatch for the rules.
  it.each(surfaces.map((s) => [s.construct, s] as const))("%s documents the defaults its props declare", (_c, s) => {
    const readme = readFileSync(join(modulesDir, s.module, "README.md"), "utf8");
    const readmeDefaults = new Map(readmeTableRows(readme, "Props", subsectionOf(s)).map((r) => [r.name, r.cells[1]]));
    const code = documentedDefaults(modulesDir, s);
    const problems = s.props.flatMap((p) => {
      const problem = defaultMismatch(p, code.get(p.name), readmeDefaults.get(p.name));
      return problem ? [`${s.construct} ${p.name}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it("defaultMismatch compares a stated value, and requires @default on optional props", () => {
    const opt = { name: "memoryMb", type: "number", optional: true };
    expect(defaultMismatch(opt, "256", "`256`")).toBeUndefined();
    expect(defaultMismatch(opt, "undefined (unreserved pool)", "`undefined` (no reservation)")).toBeUndefined();
    expect(defaultMismatch(opt, "{ deletionWindowInDays: 30 }", "`{deletionWindowInDays: 30}`")).toBeUndefined();
    expect(defaultMismatch(opt, "256", "`512`")).toMatch(/@default is 256/);
    expect(defaultMismatch(opt, "a new key", "`365`")).toMatch(/states 365/);
    expect(defaultMismatch(opt, undefined, "`256`")).toMatch(/without a @default/);
    expect(defaultMismatch({ ...opt, optional: false }, undefined, "`256`")).toMatch(/write "required"/);
  });
});

describe("public API is versioned", () => {
  const lockPath = join(modulesDir, "api-surface.json");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8");

  it("modules/api-surface.json matches the code (else: bump version, CHANGELOG entry, npm run api:update)", () => {
    const changes = diffSurfaces(readLock(lockPath).modules, surfaces);
    if (changes.length) {
      throw new Error(
        `The modules' public props changed:\n  ${changes.join("\n  ")}\n` +
          "Bump package.json version (semver), describe it in CHANGELOG.md, then run `npm run api:update`.",
      );
    }
  });

  it("the recorded version is the package version and has a CHANGELOG section", () => {
    expect(readLock(lockPath).version).toBe(pkg.version);
    expect(changelogVersions(changelog)).toContain(pkg.version);
  });

  it("diffSurfaces reports an added, a retyped and a removed prop", () => {
    const base = surfaces.find((s) => s.module === "shadow-rules")!;
    const [first, second, ...rest] = base.props;
    const changed = { ...base, props: [{ ...first, type: "number" }, ...rest, { name: "extra", type: "string", optional: true }] };
    expect(diffSurfaces([base], [changed])).toEqual([
      `~ ShadowRules.${first.name}: ${first.type}${first.optional ? " (optional)" : ""} -> number${first.optional ? " (optional)" : ""}`,
      "+ ShadowRules.extra?: string",
      `- ShadowRules.${second.name}`,
    ]);
  });

  it("records every construct and aspect, change-safety's PreventDestroyAspectProps included", () => {
    const recorded = readLock(lockPath).modules.map((m) => `${m.module}/${m.construct}/${m.propsInterface}`);
    expect(recorded).toEqual(surfaces.map((m) => `${m.module}/${m.construct}/${m.propsInterface}`));
    expect(recorded).toContain("change-safety/PreventDestroyAspect/PreventDestroyAspectProps");
  });
});

describe("package exports", () => {
  it("exposes the modules with type declarations (built by npm run build)", () => {
    const decl = join(root, "dist", "package", "modules", "index.d.ts");
    expect(existsSync(decl)).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.exports["./modules"]).toEqual({ types: "./dist/package/modules/index.d.ts", default: "./dist/package/modules/index.js" });
    // Resolve through the package's own exports map, as another product line would.
    const resolved = require.resolve(`${pkg.name}/modules`, { paths: [root] });
    expect(resolved).toBe(join(root, "dist", "package", "modules", "index.js"));
    const mod = require(resolved);
    for (const s of surfaces) expect(typeof mod[s.construct]).toBe("function");
    // Declared in the module's index.d.ts, or in a file of the module it re-exports the class from.
    for (const s of surfaces) {
      const dir = join(root, "dist", "package", "modules", s.module);
      const index = readFileSync(join(dir, "index.d.ts"), "utf8");
      const from = new RegExp(`export \\{[^}]*\\b${s.construct}\\b[^}]*\\} from "\\./([\\w-]+)"`).exec(index)?.[1];
      const declaration = from ? readFileSync(join(dir, `${from}.d.ts`), "utf8") : index;
      expect([s.construct, declaration]).toEqual([s.construct, expect.stringContaining(`export declare class ${s.construct}`)]);
    }
  });
});
