import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The repository root: the nearest directory at or above `from` holding cdktf.json.
 * Works from the TypeScript sources and from the precompiled app in dist/app alike.
 */
export function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "cdktf.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no cdktf.json at or above ${from}: run from the repository`);
  }
}
