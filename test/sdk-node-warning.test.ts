/**
 * The AWS SDK's NodeVersionSupportWarning (Node < 22) is silenced by the SDK's own switch in the
 * platform's tooling (tools/cli runScript) and in every jest worker (test/helpers/jest-setup.ts),
 * and in nothing else: with the switch set to "false" the warning is back.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SDK_NODE_WARNING_SWITCH } from "../tools/cli/sdk-node-warning";

const ROOT = join(__dirname, "..");
const sdkWarns = Number(process.versions.node.split(".")[0]) < 22;

/** `npm run history` up to the point where it has made its DynamoDB client (the table name then fails validation). */
function history(env: NodeJS.ProcessEnv) {
  const args = ["--import", "tsx", "scripts/history.ts", "--table", "x", "--thing", "T", "--endpoint", "http://127.0.0.1:9", "--region", "eu-west-1"];
  return spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env });
}

describe("NodeVersionSupportWarning", () => {
  it("is not printed by a CLI in scripts/, whose environment does not set the switch", () => {
    const env = { ...process.env };
    delete env[SDK_NODE_WARNING_SWITCH];
    const r = history(env);
    expect(r.stderr).toContain("error: reading x failed");
    expect(r.stderr).not.toContain("NodeVersionSupportWarning");
  });

  (sdkWarns ? it : it.skip)("comes back when the switch is set to false (the caller's value is kept)", () => {
    expect(history({ ...process.env, [SDK_NODE_WARNING_SWITCH]: "false" }).stderr).toContain("NodeVersionSupportWarning");
  });

  it("is not emitted in a jest worker when a test makes a client", () => {
    // The SDK calls process.emitWarning of the test's sandbox; a "warning" listener would not see it.
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      new DynamoDBClient({ region: "eu-west-1" }).destroy();
      expect(emitWarning.mock.calls.map(([w]) => String(w)).filter((w) => w.includes("NodeVersionSupportWarning"))).toEqual([]);
    } finally {
      emitWarning.mockRestore();
    }
  });
});
