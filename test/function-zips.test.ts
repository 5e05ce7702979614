/**
 * What each built function deploys: the zip synth makes of dist/functions/<name>/ (packageDirectory,
 * as ShadowProcessor and the provisioning hook call it) holds index.js and nothing else. The source
 * map is a build artifact beside it, with paths relative to itself, so neither names this checkout.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { packageDirectory, readZip } from "../modules/shadow-processor/zip";

const ROOT = resolve(__dirname, "..");
const DIST = join(ROOT, "dist", "functions");
const FUNCTIONS = readdirSync(join(ROOT, "functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, "functions", d.name, "handler.ts")))
  .map((d) => d.name);

let work: string;
beforeAll(() => {
  const missing = FUNCTIONS.filter((name) => !existsSync(join(DIST, name, "index.js")));
  if (missing.length > 0) throw new Error(`${missing.map((n) => `dist/functions/${n}/index.js`).join(", ")} missing: run \`npm run build\` first`);
  work = mkdtempSync(join(tmpdir(), "function-zips-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("finds the functions to check", () => {
  expect(FUNCTIONS).toEqual(expect.arrayContaining(["shadow-history", "provisioning-hook"]));
});

describe.each(FUNCTIONS)("%s", (name) => {
  it("deploys a zip of index.js alone, without a source map or a reference to one", () => {
    const zip = readZip(readFileSync(packageDirectory(join(DIST, name), join(work, `${name}.zip`)).zipPath));
    expect(zip.map((e) => e.name)).toEqual(["index.js"]);
    const code = zip[0].data.toString("utf8");
    expect(code).toMatch(/handler/);
    expect(code).not.toMatch(/sourceMappingURL/);
  });

  it("names no absolute path of this checkout in the bundle or its source map", () => {
    const code = readFileSync(join(DIST, name, "index.js"), "utf8");
    const map = readFileSync(join(DIST, `${name}.js.map`), "utf8");
    expect(code).not.toContain(ROOT);
    expect(map).not.toContain(ROOT);
  });

  it("keeps the source map beside the bundle directory, its sources relative to it and present", () => {
    const mapFile = join(DIST, `${name}.js.map`);
    const { sources } = JSON.parse(readFileSync(mapFile, "utf8")) as { sources: string[] };
    expect(sources).toContain(`../../functions/${name}/handler.ts`);
    expect(sources.filter((s) => isAbsolute(s) || !existsSync(resolve(dirname(mapFile), s)))).toEqual([]);
  });
});
