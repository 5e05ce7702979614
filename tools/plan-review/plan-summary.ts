/**
 * Renders one stack's plan as the Markdown of a sticky pull-request comment:
 * counts, a loud block for stateful replaces/deletes, cross-stack notes, the changed
 * resources and the collapsed plan text, always within GitHub's comment limit.
 */
import { ChangeRow, PlanAnalysis, analyzePlan, producerFromName } from "./plan-analysis";
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
const MAX_RISK_ROWS = 50;
const MAX_OUTPUT_NAMES = 50;
const MIN_LENGTH = 2_000;

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

  // Shrink the lists until the head leaves room for at least a little plan text.
  let rows = maxRows;
  let risks = MAX_RISK_ROWS;
  let head = renderHead(opts.stack, analysis, rows, risks);
  while (head.length > limit - 1_000 && (rows > 0 || risks > 1)) {
    if (rows > 0) rows = Math.floor(rows / 2);
    else risks = Math.floor(risks / 2);
    head = renderHead(opts.stack, analysis, rows, risks);
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

function renderHead(stack: string, a: PlanAnalysis, maxRows: number, maxRisks: number): string {
  const parts = [planSummaryMarker(stack), `### Terraform plan for ${code(stack)}`];
  const total = a.counts.create + a.counts.update + a.counts.replace + a.counts.delete;
  parts.push(
    [
      "| Create | Update | Replace | Delete |",
      "|---:|---:|---:|---:|",
      `| ${a.counts.create} | ${a.counts.update} | ${a.counts.replace} | ${a.counts.delete} |`,
    ].join("\n"),
  );
  if (total === 0 && a.rows.length === 0) parts.push("**No changes.** The deployed infrastructure matches this stack's configuration.");

  if (a.statefulRisks.length > 0) parts.push(renderRisks(a.statefulRisks, maxRisks));
  for (const read of a.deferredReads) parts.push(renderDeferredRead(read));
  // A producer already flagged as unknown needs no second note.
  const deferredProducers = new Set(a.deferredReads.map((r) => r.producer));
  for (const input of a.remoteStateInputs.filter((i) => !deferredProducers.has(i.producer))) {
    parts.push(
      alert("NOTE", [
        `**These changes use outputs of stack ${code(input.producer)} as currently applied** (${input.attributes.map(code).join(", ")}). ` +
          `If this pull request also changes those outputs, this plan still shows the old values: deploy ${code(input.producer)} first (the deploy workflow does).`,
      ]),
    );
  }
  if (a.driftCount > 0) {
    parts.push(
      alert("NOTE", [`${plural(a.driftCount, "resource")} changed outside Terraform since the last apply (drift): see "Objects have changed outside of Terraform" in the plan text.`]),
    );
  }
  if (a.rows.length > 0) parts.push(renderRows(a.rows, maxRows));
  if (a.outputChanges.length > 0) {
    const shown = a.outputChanges.slice(0, MAX_OUTPUT_NAMES).map((o) => `${code(o.name)} (${o.kind})`);
    const more = a.outputChanges.length - shown.length;
    parts.push(`**Output changes:** ${shown.join(", ")}${more > 0 ? `, … and ${more} more` : ""}`);
  }
  if (a.terraformVersion) parts.push(`<sub>Terraform ${a.terraformVersion}</sub>`);
  return parts.join("\n\n");
}

function renderRisks(risks: readonly ChangeRow[], max: number): string {
  const lines = [
    `**${plural(risks.length, "stateful resource")} would be replaced or destroyed.** ` +
      `That can lose data, cut devices off or drop messages. Do not merge until this is intended and the data is safe (see ${DOCS}).`,
    "",
    ...risks.slice(0, max).map((r) => {
      const forced = forcedBy(r);
      return `- **${r.kind}** ${code(r.address)}${forced ? ` (${forced})` : ""}: ${r.statefulWhy}`;
    }),
  ];
  if (risks.length > max) lines.push(`- … and ${risks.length - max} more; see the plan text.`);
  return alert("CAUTION", lines);
}

function renderDeferredRead(read: { address: string; actionReason?: string; producer?: string }): string {
  const reason = read.actionReason ? ` (${read.actionReason})` : "";
  if (read.producer !== undefined) {
    return alert("WARNING", [
      `**Outputs of stack ${code(read.producer)} are not known yet.** ${code(read.address)} is read only during apply${reason}, ` +
        `so values from that stack show as "(known after apply)". Apply ${code(read.producer)} first; see ${DOCS}.`,
    ]);
  }
  return alert("NOTE", [`${code(read.address)} is read only during apply${reason}; values derived from it show as "(known after apply)".`]);
}

function renderRows(rows: readonly ChangeRow[], max: number): string {
  const lines = [`#### Changed resources (${rows.length})`, "", "| Address | Action |", "|---|---|"];
  for (const r of rows.slice(0, max)) lines.push(`| ${cell(code(r.address))} | ${cell(actionLabel(r))} |`);
  if (rows.length > max) lines.push("", `_… and ${rows.length - max} more; see the plan text._`);
  return lines.join("\n");
}

function actionLabel(r: ChangeRow): string {
  const label = r.kind === "other" ? r.actions.join(", ") : r.kind === "no-op" ? "no change" : r.kind;
  const destructive = r.kind === "replace" || r.kind === "delete";
  const notes = [
    forcedBy(r),
    r.statefulWhy !== undefined && destructive ? "⚠️ stateful" : undefined,
    r.movedFrom !== undefined ? `moved from ${code(r.movedFrom)}` : undefined,
    r.importing ? "import" : undefined,
  ].filter((n): n is string => n !== undefined);
  return `${destructive ? `**${label}**` : label}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}

function forcedBy(r: ChangeRow): string | undefined {
  return r.kind === "replace" && r.replacePaths.length > 0 ? `forced by ${r.replacePaths.map(code).join(", ")}` : undefined;
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
  const omitted = `_${title} omitted: too long for a comment; ${artifactLink(artifactUrl)} has it._`;
  return omitted.length <= budget ? omitted : undefined;
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
