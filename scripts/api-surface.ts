/**
 * `npm run api:update`: records the modules' public props in modules/api-surface.json.
 * Refuses when the surface changed but CHANGELOG.md has no entry for the package version.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allModuleSurfaces } from "../tools/api-surface";
import { changelogVersions, diffSurfaces, readLock, writeLock } from "../tools/api-surface/lock";
import { UsageError, runScript } from "../tools/cli";

const USAGE = `usage: npm run api:update   (npx tsx scripts/api-surface.ts update)
  records the modules' public props in modules/api-surface.json; bump the version in
  package.json and add its CHANGELOG.md section first when the surface changed`;

runScript({ name: "api:update", usage: USAGE }, (argv) => {
  if (argv.length === 0) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length !== 1 || argv[0] !== "update") throw new UsageError(`unknown argument ${argv.join(" ")}`);
  const root = join(__dirname, "..");
  const lockPath = join(root, "modules", "api-surface.json");
  const version: string = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const current = allModuleSurfaces(join(root, "modules"));
  let recorded;
  try {
    recorded = readLock(lockPath);
  } catch {
    recorded = undefined;
  }
  const changes = recorded ? diffSurfaces(recorded.modules, current) : ["(no lock yet)"];
  if (changes.length === 0) {
    console.log("modules/api-surface.json is up to date");
    return 0;
  }
  const versions = changelogVersions(readFileSync(join(root, "CHANGELOG.md"), "utf8"));
  if (recorded && recorded.version === version) {
    console.error(`The modules' public API changed but package.json is still ${version}:\n  ${changes.join("\n  ")}\n` +
      "Bump the version (removed or retyped prop/output: major; added prop/output: minor) and describe the change in CHANGELOG.md.");
    return 1;
  }
  if (!versions.includes(version)) {
    console.error(`CHANGELOG.md has no "## [${version}]" section; add one describing:\n  ${changes.join("\n  ")}`);
    return 1;
  }
  writeLock(lockPath, version, current);
  console.log(`recorded ${current.length} module surfaces for ${version}:\n  ${changes.join("\n  ")}`);
  return 0;
});
