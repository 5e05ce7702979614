import { App, Testing } from "cdktf";
import { environments } from "../../environments";
import { BuildAppProps, BuiltApp, buildApp } from "../../stacks/app";

export type TfJson = Record<string, any>;

/** Builds the real app for the given environments and returns every stack's synthesized JSON by stack name. */
export function synthAll(props: Partial<BuildAppProps> = {}): { built: BuiltApp; stacks: Record<string, TfJson> } {
  const app: App = Testing.app();
  const built = buildApp(app, { environments, ...props });
  const stacks: Record<string, TfJson> = {};
  for (const s of [...built.environments.flatMap((e) => [e.data, e.platform]), ...built.bootstrap, ...built.baselines]) {
    stacks[s.node.id] = JSON.parse(Testing.synth(s));
  }
  return { built, stacks };
}

/** All resources of one type in a synthesized stack, as [name, config] pairs. */
export function resourcesOf(stack: TfJson, type: string): [string, TfJson][] {
  return Object.entries(stack.resource?.[type] ?? {});
}
