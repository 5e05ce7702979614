/**
 * IOT_STATE=local: every consumer stack's terraform_remote_state reaches its producer's state file
 * from the directory the engine runs the consumer in (cdktf: <outdir>/stacks/<stack>), and every
 * stack's local backend writes inside its own directory. npm run e2e applies data and platform
 * stacks this way against the local AWS (bench/e2e-scale.ts); this test needs no engine.
 */
import { posix } from "node:path";
import { TfJson, synthAll } from "./helpers/synth-app";

const { stacks } = synthAll({ stateMode: "local" });
/** Where a path in a stack's configuration lands, relative to the output directory's stacks/. */
const landing = (stack: string, path: string) => posix.normalize(posix.join(stack, path));

describe("local state across stacks", () => {
  const consumers = Object.entries(stacks).filter(([, s]) => Object.keys(s.data?.terraform_remote_state ?? {}).length > 0);

  it("has consumers to check (the platform stacks read their data stacks)", () => {
    expect(consumers.length).toBeGreaterThanOrEqual(5);
  });

  it.each(Object.keys(stacks))("%s keeps its local state in its own directory", (name) => {
    const path = stacks[name].terraform.backend.local.path as string;
    expect(posix.isAbsolute(path)).toBe(false);
    expect(posix.dirname(landing(name, path))).toBe(name);
  });

  it.each(consumers.map(([name]) => name))("%s reads each producer's state file where the producer writes it", (name) => {
    for (const [id, remote] of Object.entries(stacks[name].data.terraform_remote_state as Record<string, TfJson>)) {
      expect(remote.backend).toBe("local");
      const producer = id.replace(/^cross-stack-reference-input-/, "");
      expect(stacks[producer]).toBeDefined();
      expect(landing(name, remote.config.path)).toBe(landing(producer, stacks[producer].terraform.backend.local.path));
    }
  });
});
