/**
 * The function bundles this package ships (`dist/functions/<name>/`, built by `npm run build`
 * from `functions/<name>`), so another product line deploys exactly the code this repository
 * tests instead of building its own.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { findPackageRoot } from "../../lib/repo-root";

/** The package whose dist/functions holds the bundles: this repository, or its installed copy. */
export const PLATFORM_PACKAGE_NAME = "@iot-shadow/platform";

/**
 * Absolute path of a shipped bundle directory (holding index.js), e.g. `shippedBundleDir("shadow-history")`
 * or `shippedBundleDir("provisioning-hook")` for DeviceIdentity's pre-provisioning hook.
 * Throws, naming the fix, when the package or the bundle is not there.
 */
export function shippedBundleDir(name: string): string {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`shippedBundleDir: "${name}" is not a function name (lowercase letters, digits and '-')`);
  const root = findPackageRoot(__dirname, PLATFORM_PACKAGE_NAME);
  if (root === undefined) {
    throw new Error(
      `shippedBundleDir("${name}"): no ${PLATFORM_PACKAGE_NAME} package.json at or above ${__dirname} ` +
        "(was the package bundled into another file?); pass bundleDir, the absolute path of a directory holding index.js",
    );
  }
  const dir = join(root, "dist", "functions", name);
  if (!existsSync(join(dir, "index.js"))) {
    throw new Error(
      `shippedBundleDir("${name}"): ${join(dir, "index.js")} is missing. In the platform repository run \`npm run build\`; ` +
        `an installed ${PLATFORM_PACKAGE_NAME} ships it, so reinstall the package (its "files" must include dist/functions)`,
    );
  }
  return dir;
}
