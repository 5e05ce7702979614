/**
 * Renders one stack's plan as the Markdown of a sticky pull-request comment: whether the
 * plan failed or is incomplete, counts, loud blocks for stateful replaces/deletes/forgets,
 * cross-stack notes, drift, the changed resources and the collapsed plan text, always within
 * GitHub's comment limit (the plan text is cut first; the warnings and the table stay).
 */
import { COUNTED_KINDS, ChangeRow, PlanAnalysis, analyzePlan, producerFromName } from "./plan-analysis";
import { parsePlanJson } from "./plan-json";
import { GITHUB_COMMENT_LIMIT, assertHttpsUrl, cell, code, fence, hardLimit, plural, stripAnsi, truncateLines } from "./markdown";

export interface PlanSummaryOptions {
  /** cdktf stack name; names the heading and the sticky-comment marker. */
  readonly stack: string;
  /**
   * Human-readable plan (`terraform show -no-color <planfile>`), shown collapsed.
   * @default none: the comment links to the artifact only
   */
  readonly planText?: string;
  /** https link to the full plan artifact, used when the plan text is truncated. @default none */
  readonly artifactUrl?: string;
  /** Upper bound on the comment length in characters. @default 65_536 (GitHub's limit) */
  readonly maxLength?: number;
  /** Rows of the changed-resources table before "… and N more". @default 100 */
  readonly maxTableRows?: number;
}

export interface PlanFailureOptions {
  readonly stack: string;
  /** stderr (and stdout) of the failed `terraform init`/`terraform plan`. */
  readonly errorText: string;
  /** @default none */
  readonly artifactUrl?: string;
  /** @default 65_536 */
  readonly maxLength?: number;
}

const DOCS = "docs/plan-review.md";
const MIN_LENGTH = 2_000;

/**
 * How much of each list the head shows. `summarizePlan` lowers these, in the order of
 * `SHRINK_STEPS`, only when the head alone would not fit: the plan text is cut first.
 */
interface HeadCaps {
  readonly rows: number;
  readonly risks: number;
  /** Addresses listed per group of deferred data-source reads. */
  readonly readNames: number;
  /** Producer stacks warned about one by one; more than this get one combined warning. */
  readonly producers: number;
  /** Remote-state attributes listed per producer. */
  readonly attributes: number;
  readonly driftNames: number;
  readonly outputs: number;
}

const DEFAULT_CAPS: Omit<HeadCaps, "rows"> = { risks: 50, readNames: 10, producers: 10, attributes: 10, driftNames: 20, outputs: 50 };

/**
 * First the long lists of notes (reads, attributes, drift, outputs), then the table, and the
 * stateful warning last: the warning block and the changed-resources table always stay.
 */
const SHRINK_STEPS: readonly ((c: HeadCaps) => HeadCaps | undefined)[] = [
  (c) => (c.readNames > 0 ? { ...c, readNames: 0 } : undefined),
  (c) => (c.attributes > 0 ? { ...c, attributes: 0 } : undefined),
  (c) => (c.driftNames > 0 ? { ...c, driftNames: 0 } : undefined),
  (c) => (c.outputs > 0 ? { ...c, outputs: 0 } : undefined),
  (c) => (c.producers > 0 ? { ...c, producers: Math.floor(c.producers / 2) } : undefined),
  (c) => (c.rows > 1 ? { ...c, rows: Math.floor(c.rows / 2) } : undefined),
  (c) => (c.risks > 1 ? { ...c, risks: Math.floor(c.risks / 2) } : undefined),
];

/** Hidden marker that identifies one stack's comment; stable so the comment is updated, not duplicated. */
export function planSummaryMarker(stack: string): string {
  return `<!-- plan-summary:${stack} -->`;
}

/** Markdown for one stack's plan. `planJson` is the parsed output of `terraform show -json <planfile>`. */
export function summarizePlan(planJson: unknown, opts: PlanSummaryOptions): string {
  const limit = checkCommon(opts, "summarizePlan");
  const maxRows = opts.maxTableRows ?? 100;
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new Error(`summarizePlan: opts.maxTableRows must be a whole number >= 0, got ${String(maxRows)}`);
  }
  const analysis = analyzePlan(parsePlanJson(planJson));

  // The plan text gives way first: the head shrinks only when it would not fit beside the
  // smallest plan block (the "omitted" line or the artifact link).
  const smallest = opts.planText === undefined ? renderPlanText(undefined, opts.artifactUrl, limit) : omittedNote("Plan text", opts.artifactUrl);
  const headBudget = limit - (smallest === undefined ? 1 : smallest.length + 3);
  let caps: HeadCaps = { rows: maxRows, ...DEFAULT_CAPS };
  let head = renderHead(opts.stack, analysis, caps);
  while (head.length > headBudget) {
    const next = SHRINK_STEPS.map((step) => step(caps)).find((c) => c !== undefined);
    if (next === undefined) break;
    caps = next;
    head = renderHead(opts.stack, analysis, caps);
  }
  const planBlock = renderPlanText(opts.planText, opts.artifactUrl, limit - head.length - 3);
  const body = planBlock ? `${head}\n\n${planBlock}\n` : `${head}\n`;
  return hardLimit(body, limit, `_Comment truncated to fit GitHub's limit; ${artifactLink(opts.artifactUrl)} has the full plan._`);
}

/** Markdown for a stack whose `terraform init` or `terraform plan` failed. */
export function summarizePlanFailure(opts: PlanFailureOptions): string {
  const limit = checkCommon(opts, "summarizePlanFailure");
  if (typeof opts.errorText !== "string") throw new Error("summarizePlanFailure: opts.errorText must be the failed command's output (a string)");
  const parts = [
    planSummaryMarker(opts.stack),
    `### Terraform plan for ${code(opts.stack)}`,
    alert("CAUTION", [`**\`terraform plan\` failed**: there is no plan to review for this stack. Fix the error below and push again.`]),
  ];
  const producer = unappliedProducer(opts.errorText);
  if (producer !== undefined) {
    parts.push(
      alert("WARNING", [
        `**This stack reads an output that stack ${code(producer)} has not applied yet.** ` +
          `Cross-stack references are read from the producer's remote state, so the consumer cannot be planned until the producer is applied. ` +
          `Merge and deploy the ${code(producer)} change first (or split the pull request), then re-run this plan. See ${DOCS}.`,
      ]),
    );
  }
  const head = parts.join("\n\n");
  const errorBlock = renderTextBlock("Error output", opts.errorText, opts.artifactUrl, limit - head.length - 3, true);
  return hardLimit(`${head}\n\n${errorBlock ?? ""}\n`, limit, `_Truncated; ${artifactLink(opts.artifactUrl)} has the full output._`);
}

function checkCommon(opts: { stack: string; artifactUrl?: string; maxLength?: number }, fn: string): number {
  if (typeof opts.stack !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.stack) || opts.stack.includes("--")) {
    throw new Error(
      `${fn}: opts.stack ${JSON.stringify(opts.stack)} is invalid; pass the cdktf stack name (letters, digits, '.', '_', '-', no "--" since it would end the hidden marker comment)`,
    );
  }
  assertHttpsUrl(opts.artifactUrl, `${fn}: opts.artifactUrl`);
  const limit = opts.maxLength ?? GITHUB_COMMENT_LIMIT;
  if (!Number.isInteger(limit) || limit < MIN_LENGTH || limit > GITHUB_COMMENT_LIMIT) {
    throw new Error(`${fn}: opts.maxLength must be a whole number between ${MIN_LENGTH} and ${GITHUB_COMMENT_LIMIT}, got ${String(limit)}`);
  }
  return limit;
}

function renderHead(stack: string, a: PlanAnalysis, caps: HeadCaps): string {
  const parts = [planSummaryMarker(stack), `### Terraform plan for ${code(stack)}`];
  const status = renderStatus(a);
  if (status !== undefined) parts.push(status);
  parts.push(renderCounts(a));
  const nothing = renderNothingToDo(a);
  if (nothing !== undefined) parts.push(nothing);

  if (a.statefulRisks.length > 0) parts.push(renderRisks(a.statefulRisks, caps.risks));
  if (a.statefulForgets.length > 0) parts.push(renderForgets(a.statefulForgets, caps.risks));
  parts.push(...renderDeferredReads(a, caps));
  parts.push(...renderRemoteStateInputs(a, caps.attributes));
  if (a.driftCount > 0) {
    parts.push(
      alert("NOTE", [
        `${plural(a.driftCount, "resource")} changed outside Terraform since the last apply (drift)${listInline(a.drift.map((d) => code(d.address)), caps.driftNames, ": ")}. ` +
          `See "Objects have changed outside of Terraform" in the plan text.`,
      ]),
    );
  }
  if (a.rows.length > 0) parts.push(renderRows(a.rows, caps.rows));
  if (a.outputChanges.length > 0) {
    const names = a.outputChanges.map((o) => `${code(o.name)} (${o.kind})`);
    parts.push(
      caps.outputs > 0
        ? `**Output changes:** ${listInline(names, caps.outputs, "")}`
        : `**Output changes:** ${plural(a.outputChanges.length, "output")}; see the plan text.`,
    );
  }
  if (a.terraformVersion) parts.push(`<sub>Terraform ${a.terraformVersion}</sub>`);
  return parts.join("\n\n");
}

/** A failed or incomplete plan says so first, whatever else it lists. */
function renderStatus(a: PlanAnalysis): string | undefined {
  if (a.errored) {
    return alert("CAUTION", [
      `**The plan failed** (\`errored: true\`): Terraform stopped with an error, so this is not the full set of changes and the plan cannot be applied. ` +
        `Only what was planned before the error is listed below. Find the error in the plan text or the job log, fix it and push again.`,
    ]);
  }
  if (a.incomplete) {
    return alert("WARNING", [
      `**The plan is incomplete** (\`complete: false\`): Terraform left some resources unplanned (for example with \`-target\`, or changes deferred until other values are known). ` +
        `The changes below are not all this configuration needs: after applying them, plan and apply again.`,
    ]);
  }
  if (a.applyable === false && a.rows.length > 0) {
    return alert("WARNING", [
      `**Terraform marked this plan as not applyable** (\`applyable: false\`) although it lists changes. Do not rely on it: plan again and read the plan text.`,
    ]);
  }
  return undefined;
}

function renderCounts(a: PlanAnalysis): string {
  // The Forget column appears only when something is forgotten, so the usual table keeps its four columns.
  const kinds = COUNTED_KINDS.filter((k) => k !== "forget" || a.counts.forget > 0);
  const title = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
  return [`| ${kinds.map(title).join(" | ")} |`, `|${kinds.map(() => "---:|").join("")}`, `| ${kinds.map((k) => a.counts[k]).join(" | ")} |`].join("\n");
}

/** "No changes" only when resources, outputs and drift are all unchanged, and the plan is complete. */
function renderNothingToDo(a: PlanAnalysis): string | undefined {
  if (a.errored || a.incomplete || a.rows.length > 0) return undefined;
  const outputs = a.outputChanges.length > 0;
  const drift = a.driftCount > 0;
  if (!outputs && !drift) return "**No changes.** The deployed infrastructure matches this stack's configuration.";
  if (outputs && drift) return "**No resource changes**; only outputs change, and resources changed outside Terraform since the last apply (both below).";
  if (outputs) return "**No resource changes**; only the stack's outputs change (below).";
  return "**No resource changes**, but resources changed outside Terraform since the last apply (drift, below).";
}

function renderRisks(risks: readonly ChangeRow[], max: number): string {
  const lines = [
    `**${plural(risks.length, "stateful resource")} would be replaced or destroyed.** ` +
      `That can lose data, cut devices off or drop messages. Do not merge until this is intended and the data is safe (see ${DOCS}).`,
    "",
    ...risks.slice(0, max).map((r) => {
      const why = causes(r);
      return `- **${r.kind}** ${code(r.address)}${why.length > 0 ? ` (${why.join("; ")})` : ""}: ${r.statefulWhy}`;
    }),
  ];
  if (risks.length > max) lines.push(`- … and ${risks.length - max} more; see the plan text.`);
  return alert("CAUTION", lines);
}

function renderForgets(forgets: readonly ChangeRow[], max: number): string {
  const it = forgets.length === 1 ? "it" : "them";
  const lines = [
    `**${plural(forgets.length, "stateful resource")} would be forgotten** (a \`removed\` block that keeps the object): the apply drops ${it} from the state ` +
      `but leaves ${it} in AWS. From then on no stack manages ${it}, and the \`prevent_destroy\` guard goes with the state entry. ` +
      `Merge only if another stack imports ${it} or leaving ${it} unmanaged is intended (see ${DOCS}).`,
    "",
    ...forgets.slice(0, max).map((r) => `- **forget** ${code(r.address)}: ${r.statefulWhy}`),
  ];
  if (forgets.length > max) lines.push(`- … and ${forgets.length - max} more; see the plan text.`);
  return alert("WARNING", lines);
}

/** One warning per producer stack whose remote state is read during apply, one note for the other reads. */
function renderDeferredReads(a: PlanAnalysis, caps: HeadCaps): string[] {
  const out: string[] = [];
  const groups = a.deferredReadsByProducer;
  if (groups.length > 0 && groups.length <= caps.producers) {
    for (const { producer, reads } of groups) {
      const what =
        reads.length === 1
          ? `${code(reads[0].address)} is read only during apply${reasonSuffix(reads)}`
          : `${plural(reads.length, "data source")} read its remote state only during apply${reasonSuffix(reads)}`;
      const lines = [`**Outputs of stack ${code(producer)} are not known yet.** ${what}, so values from that stack show as "(known after apply)". Apply ${code(producer)} first; see ${DOCS}.`];
      if (reads.length > 1) lines.push(...bullets(reads.map((r) => code(r.address)), caps.readNames));
      out.push(alert("WARNING", lines));
    }
  } else if (groups.length > 0) {
    const stacks = groups.map((g) => code(g.producer));
    out.push(
      alert("WARNING", [
        `**Outputs of ${groups.length} stacks are not known yet**${listInline(stacks, caps.producers, ": ")}. Their remote state is read only during apply ` +
          `(${plural(groups.reduce((n, g) => n + g.reads.length, 0), "data source")}), so values from them show as "(known after apply)". Apply those stacks first; see ${DOCS}.`,
      ]),
    );
  }
  const others = a.otherDeferredReads;
  if (others.length === 1) {
    out.push(alert("NOTE", [`${code(others[0].address)} is read only during apply${reasonSuffix(others)}; values derived from it show as "(known after apply)".`]));
  } else if (others.length > 1) {
    const lines = [`**${plural(others.length, "data source")} are read only during apply**, so values derived from them show as "(known after apply)".`];
    lines.push(...bullets(others.map((r) => `${code(r.address)}${r.reasonText ? ` (${r.reasonText})` : ""}`), caps.readNames));
    out.push(alert("NOTE", lines));
  }
  return out;
}

/** Producers whose applied outputs feed the changes (a producer already warned about as unknown needs no note). */
function renderRemoteStateInputs(a: PlanAnalysis, maxAttributes: number): string[] {
  const deferred = new Set(a.deferredReadsByProducer.map((g) => g.producer));
  const byProducer = new Map<string, string[]>();
  for (const input of a.remoteStateInputs) {
    if (deferred.has(input.producer)) continue;
    const attrs = byProducer.get(input.producer) ?? [];
    for (const attr of input.attributes) if (!attrs.includes(attr)) attrs.push(attr);
    byProducer.set(input.producer, attrs);
  }
  return [...byProducer.entries()].map(([producer, attrs]) =>
    alert("NOTE", [
      `**These changes use outputs of stack ${code(producer)} as currently applied**${maxAttributes > 0 ? ` (${listInline(attrs.map(code), maxAttributes, "")})` : ` (${plural(attrs.length, "attribute")})`}. ` +
        `If this pull request also changes those outputs, this plan still shows the old values: deploy ${code(producer)} first (the deploy workflow does).`,
    ]),
  );
}

/** The reason shared by all `reads`, as " (…)"; nothing when they differ or have none. */
function reasonSuffix(reads: readonly { reasonText?: string }[]): string {
  const reasons = new Set(reads.map((r) => r.reasonText));
  const [only] = [...reasons];
  return reasons.size === 1 && only !== undefined ? ` (${only})` : "";
}

/** An alert's list: a blank line, then up to `max` items and "… and N more" (or one line pointing to the plan text). */
function bullets(items: readonly string[], max: number): string[] {
  const shown = items.slice(0, max);
  const more = items.length - shown.length;
  if (shown.length === 0) return more > 0 ? ["", "The plan text lists them."] : [];
  return ["", ...shown.map((i) => `- ${i}`), ...(more > 0 ? [`- … and ${more} more in the plan text.`] : [])];
}

/** "a, b, … and 3 more", with `prefix` before a non-empty list; empty when nothing is shown. */
function listInline(items: readonly string[], max: number, prefix: string): string {
  const shown = items.slice(0, max);
  if (shown.length === 0) return "";
  const more = items.length - shown.length;
  return `${prefix}${shown.join(", ")}${more > 0 ? `, … and ${more} more` : ""}`;
}

function renderRows(rows: readonly ChangeRow[], max: number): string {
  const lines = [`#### Changed resources (${rows.length})`, "", "| Address | Action |", "|---|---|"];
  for (const r of rows.slice(0, max)) lines.push(`| ${cell(code(r.address))} | ${cell(actionLabel(r))} |`);
  if (rows.length > max) lines.push("", `_… and ${rows.length - max} more; see the plan text._`);
  return lines.join("\n");
}

function actionLabel(r: ChangeRow): string {
  const label = r.kind === "other" ? r.actions.join(", ") : r.kind === "no-op" ? "no change" : r.kind;
  const destructive = r.kind === "replace" || r.kind === "delete" || r.kind === "forget";
  const notes = [
    r.kind === "forget" ? "removed from state, not destroyed" : undefined,
    r.kind === "replace" && r.actions.includes("forget") ? "old object forgotten, not destroyed" : undefined,
    ...causes(r),
    r.statefulWhy !== undefined && destructive ? "⚠️ stateful" : undefined,
    r.movedFrom !== undefined ? `moved from ${code(r.movedFrom)}` : undefined,
    r.importing ? "import" : undefined,
  ].filter((n): n is string => n !== undefined);
  return `${destructive ? `**${label}**` : label}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}

/**
 * Why a replace or delete happens: Terraform's `action_reason` in words, and the attributes
 * that force a replacement ("forced by" already says "cannot be updated in place").
 */
function causes(r: ChangeRow): string[] {
  if (r.kind !== "replace" && r.kind !== "delete") return [];
  const forced = r.kind === "replace" && r.replacePaths.length > 0 ? `forced by ${r.replacePaths.map(code).join(", ")}` : undefined;
  const reason = r.actionReason === "replace_because_cannot_update" && forced !== undefined ? undefined : r.reasonText;
  return [reason, forced].filter((n): n is string => n !== undefined);
}

function alert(kind: "NOTE" | "WARNING" | "CAUTION", lines: readonly string[]): string {
  return [`> [!${kind}]`, ...lines.map((l) => (l === "" ? ">" : `> ${l}`))].join("\n");
}

function artifactLink(url: string | undefined): string {
  return url ? `the [plan artifact](${url})` : "the workflow run's plan artifact";
}

function renderPlanText(planText: string | undefined, artifactUrl: string | undefined, budget: number): string | undefined {
  if (planText === undefined) return artifactUrl ? `Full plan: [plan artifact](${artifactUrl})` : undefined;
  return renderTextBlock("Plan text", planText, artifactUrl, budget, false);
}

/** A <details> block holding `text`, cut at whole lines so the block fits `budget` characters. */
function renderTextBlock(title: string, raw: string, artifactUrl: string | undefined, budget: number, open: boolean): string | undefined {
  const text = stripAnsi(raw).replace(/\r\n/g, "\n").replace(/^\n+/, "");
  const wrap = (shown: string, note: string): string =>
    [`<details${open ? " open" : ""}><summary>${title}${note ? " (truncated)" : ""}</summary>`, "", ...(note ? [note, ""] : []), fence(shown), "", "</details>"].join("\n");

  const full = wrap(text, "");
  if (full.length <= budget) return full;
  const total = truncateLines(text, Number.MAX_SAFE_INTEGER).totalLines;
  const noteFor = (shown: number) => `Showing the first ${shown} of ${total} lines; ${artifactLink(artifactUrl)} has all of it.`;
  // The fence may grow by a few backticks; shrink the text budget until the block fits.
  for (let room = budget - wrap("", noteFor(total)).length; room > 0; room -= 64) {
    const cut = truncateLines(text, room);
    if (cut.shownLines === 0) break;
    const block = wrap(cut.text, noteFor(cut.shownLines));
    if (block.length <= budget) return block;
  }
  const omitted = omittedNote(title, artifactUrl);
  return omitted.length <= budget ? omitted : undefined;
}

function omittedNote(title: string, artifactUrl: string | undefined): string {
  return `_${title} omitted: too long for a comment; ${artifactLink(artifactUrl)} has it._`;
}

const MISSING_ATTRIBUTE = /Unsupported attribute|does not have an attribute named/;
const REMOTE_STATE_REF = /data\.terraform_remote_state\.([A-Za-z0-9_-]+)/;

/** Producer stack when a failed plan reads an output its remote state does not have yet. */
function unappliedProducer(errorText: string): string | undefined {
  if (!MISSING_ATTRIBUTE.test(errorText)) return undefined;
  const name = REMOTE_STATE_REF.exec(errorText)?.[1];
  if (name === undefined) return undefined;
  return producerFromName(name);
}
