import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The nearest directory at or above `from` for which `matches` holds, or undefined. */
function findUp(from: string, matches: (dir: string) => boolean): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (matches(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The repository root: the nearest directory at or above `from` holding cdktf.json.
 * Works from the TypeScript sources and from the precompiled app in dist/app alike.
 */
export function findRepoRoot(from: string): string {
  const root = findUp(from, (dir) => existsSync(join(dir, "cdktf.json")));
  if (root === undefined) throw new Error(`no cdktf.json at or above ${from}: run from the repository`);
  return root;
}

/**
 * The root of the installed package `name`: the nearest directory at or above `from` whose
 * package.json is named `name`. The repository checkout and an installed copy
 * (node_modules/<name>) alike, so shipped files resolve the same way in both; undefined when
 * `from` is not inside the package (e.g. a consumer bundled it into their own file).
 */
export function findPackageRoot(from: string, name: string): string | undefined {
  return findUp(from, (dir) => {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) return false;
    try {
      return JSON.parse(readFileSync(manifest, "utf8")).name === name;
    } catch {
      return false; // an unreadable manifest is not ours; keep looking
    }
  });
}
