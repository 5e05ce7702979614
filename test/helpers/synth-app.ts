import { App, Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { environments } from "../../environments";
import { BuildAppProps, BuiltApp, buildApp } from "../../stacks/app";

export type TfJson = Record<string, any>;

/**
 * Builds and synthesizes the real app (into a temporary outdir) and returns every
 * stack's cdk.tf.json by stack name. A whole-app synth, unlike Testing.synth(stack),
 * turns cross-stack references into remote-state data sources, as `cdktf synth` does.
 */
export function synthAll(props: Partial<BuildAppProps> = {}): { built: BuiltApp; stacks: Record<string, TfJson> } {
  const app: App = Testing.app();
  const built = buildApp(app, { environments, ...props });
  app.synth();
  const stacks: Record<string, TfJson> = {};
  for (const s of [...built.environments.flatMap((e) => [e.data, e.platform, ...e.devices]), ...built.bootstrap, ...built.baselines, ...built.ciAccess]) {
    stacks[s.node.id] = JSON.parse(readFileSync(join(app.outdir, "stacks", s.node.id, "cdk.tf.json"), "utf8"));
  }
  return { built, stacks };
}

/** All resources of one type in a synthesized stack, as [name, config] pairs. */
export function resourcesOf(stack: TfJson, type: string): [string, TfJson][] {
  return Object.entries(stack.resource?.[type] ?? {});
}
