/**
 * Where CPU time goes: a child run once under --cpu-prof (never timed) and every
 * sample attributed to one category by its call stack.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunOptions, run } from "./proc";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileShare {
  readonly category: string;
  /** Fraction of all sampled time, 0..1. */
  readonly share: number;
  /** Sampled time, ms. */
  readonly ms: number;
}

interface Rule {
  readonly category: string;
  readonly test: (f: CallFrame) => boolean;
}

export interface RuleSet {
  /** Checked against the whole stack first; the first rule any frame matches wins. */
  readonly stack: readonly Rule[];
  /** Otherwise the frame nearest the sample that matches one of these decides. */
  readonly owner: readonly Rule[];
  /** The entry script: frames from its top level up (the loader running it) are ignored. */
  readonly entry: string;
}

const GC: Rule = { category: "garbage collection", test: (f) => f.functionName === "(garbage collector)" };
const OTHER = "other (idle, native, node internals)";

export const SYNTH_RULES: RuleSet = {
  // The precompiled child (dist/bench/synth-child.js), as the shipped app runs.
  entry: "dist/bench/synth-child.js",
  stack: [
    GC,
    // cdktf records a full stack trace for every token it creates (costlier still with source maps on).
    { category: "stack-trace capture on token creation (cdktf)", test: (f) => f.functionName === "captureStackTrace" && f.url.includes("cdktf") },
    { category: "module loading (and transpiling, under tsx)", test: (f) => /node:internal\/modules|\/tsx\/|\/esbuild\//.test(f.url) },
    { category: "token resolution during synth (cdktf)", test: (f) => f.url.includes("cdktf/lib/tokens") },
    { category: "JSON serialization and file writing", test: (f) => f.url.includes("json-stable-stringify") || f.functionName === "writeFileSync" },
  ],
  owner: [
    { category: "config validation (zod)", test: (f) => f.url.includes("/zod/") },
    { category: "construct tree and resources (cdktf, constructs, provider)", test: (f) => /\/(cdktf|constructs|@cdktf\/provider-aws)\//.test(f.url) },
    { category: "project code (stacks, modules, lib, bench)", test: (f) => f.url.startsWith("file://") && !f.url.includes("node_modules") },
  ],
};

export const PROCESSOR_RULES: RuleSet = {
  entry: "bench/processor-child.ts",
  stack: [
    GC,
    // Powertools writes one EMF metrics document per invocation to stdout (the Lambda log pipe).
    { category: "stdout writes (EMF metrics document per event, logs)", test: (f) => f.url.includes("node:internal/console") },
    { category: "module loading", test: (f) => /node:internal\/modules|\/tsx\//.test(f.url) },
  ],
  owner: [
    { category: "AWS SDK client (middleware, marshalling, signing, parsing)", test: (f) => /@smithy\/|@aws-sdk\/|@aws-crypto\/|node:internal\/crypto/.test(f.url) },
    { category: "HTTP and socket I/O (node)", test: (f) => /node:_http|node:net|node:internal\/stream|node:internal\/streams|node:events/.test(f.url) },
    { category: "handler bundle (validation, transform, powertools)", test: (f) => f.url.includes("dist/functions/") },
    { category: "bench driver", test: (f) => f.url.includes("/bench/") },
  ],
};

/** Frames from the sample up to, not including, the entry script's top level. */
function stackOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>, entry: string): CallFrame[] {
  const frames: CallFrame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    if (frame.url.endsWith(entry) && frame.functionName === "") break;
    frames.push(frame);
  }
  return frames;
}

export function categorize(profile: CpuProfile, rules: RuleSet): ProfileShare[] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const categoryOf = new Map<number, string>();
  const resolveCategory = (id: number): string => {
    const cached = categoryOf.get(id);
    if (cached) return cached;
    const frames = stackOf(id, byId, parent, rules.entry);
    const byOwner = () => {
      for (const f of frames) {
        const rule = rules.owner.find((r) => r.test(f));
        if (rule) return rule.category;
      }
      return OTHER;
    };
    const category = rules.stack.find((r) => frames.some(r.test))?.category ?? byOwner();
    categoryOf.set(id, category);
    return category;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const c = resolveCategory(id);
    totals.set(c, (totals.get(c) ?? 0) + dt);
  });
  return [...totals.entries()].map(([category, t]) => ({ category, share: t / all, ms: t / 1000 })).sort((a, b) => b.share - a.share);
}

/** Runs `node --cpu-prof [--import tsx] <args>` once (tsx only for a .ts entry) and categorizes the main thread's profile. */
export function profileChild(args: readonly string[], rules: RuleSet, options: RunOptions = {}): ProfileShare[] {
  const dir = mkdtempSync(join(tmpdir(), "bench-prof-"));
  try {
    const loader = args[0]?.endsWith(".js") ? [] : ["--import", "tsx"];
    run(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...loader, ...args], options);
    // The main thread's profile is the largest (tsx's loader thread writes a small one).
    const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => readFileSync(join(dir, f), "utf8"));
    const main = files.sort((a, b) => b.length - a.length)[0];
    return categorize(JSON.parse(main) as CpuProfile, rules);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Profiles one synth (`what` as for synth-child: "envs", "fleet" or a device count). */
export function profileSynth(what: string): ProfileShare[] {
  // The precompiled child (built by synth.ts before any profile), as the shipped app runs.
  return profileChild([join("dist", "bench", "synth-child.js"), "deep", what], SYNTH_RULES);
}
