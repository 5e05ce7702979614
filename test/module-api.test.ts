import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { MODULE_README_SECTIONS, allModuleSurfaces, readmeTableNames } from "../tools/api-surface";
import { changelogVersions, diffSurfaces, readLock } from "../tools/api-surface/lock";

const root = join(__dirname, "..");
const modulesDir = join(root, "modules");
const surfaces = allModuleSurfaces(modulesDir);
const moduleDirs = readdirSync(modulesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe("module READMEs match the code", () => {
  it("finds a construct with props in every module except the aspect-only change-safety", () => {
    expect(surfaces.map((s) => s.module)).toEqual(moduleDirs.filter((m) => m !== "change-safety"));
  });

  it.each(moduleDirs)("%s has a README with the standard sections", (m) => {
    const readme = readFileSync(join(modulesDir, m, "README.md"), "utf8");
    expect([...readme.matchAll(/^## (.+)$/gm)].map((x) => x[1])).toEqual([...MODULE_README_SECTIONS]);
  });

  it.each(surfaces.map((s) => [s.module, s] as const))("%s documents exactly its props, in order, and every public field", (_m, s) => {
    const readme = readFileSync(join(modulesDir, s.module, "README.md"), "utf8");
    expect(readmeTableNames(readme, "Props")).toEqual(s.props.map((p) => p.name));
    const outputs = readmeTableNames(readme, "Outputs");
    expect(s.outputs.filter((f) => !outputs.includes(f))).toEqual([]);
    expect(outputs.filter((f) => !s.outputs.includes(f))).toEqual([]);
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
      `~ shadow-rules.${first.name}: ${first.type}${first.optional ? " (optional)" : ""} -> number${first.optional ? " (optional)" : ""}`,
      "+ shadow-rules.extra?: string",
      `- shadow-rules.${second.name}`,
    ]);
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
    for (const s of surfaces) expect(readFileSync(join(root, "dist", "package", "modules", s.module, "index.d.ts"), "utf8")).toContain(`export declare class ${s.construct}`);
  });
});
