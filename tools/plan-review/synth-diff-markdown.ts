/** Renders a SynthDiff as the Markdown of one sticky pull-request comment. */
import { GITHUB_COMMENT_LIMIT, cell, code, hardLimit, plural } from "./markdown";
import { StackDiff, SynthDiff, SynthDiffWarning } from "./synth-diff";

export interface SynthDiffMarkdownOptions {
  /** How the base side is named in the heading, e.g. a commit or branch. @default "base" */
  readonly baseLabel?: string;
  /** @default "head" */
  readonly headLabel?: string;
  /** Addresses listed per stack before "… and N more". @default 100 */
  readonly maxAddressesPerStack?: number;
  /** @default 65_536 (GitHub's comment limit) */
  readonly maxLength?: number;
}

/** Hidden marker of the synth-diff sticky comment. */
export const SYNTH_DIFF_MARKER = "<!-- synth-diff -->";

export function renderSynthDiff(diff: SynthDiff, opts: SynthDiffMarkdownOptions = {}): string {
  const max = opts.maxAddressesPerStack ?? 100;
  if (!Number.isInteger(max) || max < 1) throw new Error(`renderSynthDiff: opts.maxAddressesPerStack must be a whole number >= 1, got ${String(max)}`);
  const limit = opts.maxLength ?? GITHUB_COMMENT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1_000 || limit > GITHUB_COMMENT_LIMIT) {
    throw new Error(`renderSynthDiff: opts.maxLength must be a whole number between 1000 and ${GITHUB_COMMENT_LIMIT}, got ${String(limit)}`);
  }
  const parts = [SYNTH_DIFF_MARKER, `### Synth diff: ${code(opts.baseLabel ?? "base")} → ${code(opts.headLabel ?? "head")}`];
  const differing = diff.stacks.filter((s) => s.status !== "unchanged");
  const assetsOnly = diff.stacks.filter((s) => s.status === "unchanged" && s.assetOnly.length > 0);
  const unchanged = diff.stacks.filter((s) => s.status === "unchanged" && s.assetOnly.length === 0);
  const assetRows = diff.stacks.flatMap((s) => s.assetOnly.map((address): [string, string] => [s.stack, address]));

  if (differing.length === 0 && assetRows.length === 0) {
    parts.push("**No differences** in the synthesized Terraform of any stack.");
  } else if (differing.length === 0) {
    parts.push(`**No configuration differences**; ${plural(assetsOnly.length, "stack")} only in assets (see Asset-only changes), ${unchanged.length} unchanged.`);
  } else {
    const assetsPart = assetsOnly.length > 0 ? `, ${assetsOnly.length} only in assets` : "";
    parts.push(
      `${plural(differing.length, "stack")} ${differing.length === 1 ? "differs" : "differ"}${assetsPart}, ${unchanged.length} unchanged. This compares configuration only; the plan comments show what Terraform would do.`,
    );
  }
  if (diff.warnings.length > 0) parts.push(renderWarnings(diff.warnings));
  if (diff.stacksRemoved.length > 0) {
    parts.push(
      [
        "> [!WARNING]",
        `> **Stacks no longer synthesized:** ${diff.stacksRemoved.map(code).join(", ")}. CI stops planning and applying them; ` +
          "their resources stay in AWS, unmanaged, until someone destroys them deliberately.",
      ].join("\n"),
    );
  }
  for (const s of differing) parts.push(renderStack(s, max));
  if (assetRows.length > 0) parts.push(renderAssetOnly(assetRows, max));
  if (unchanged.length > 0) parts.push(`<sub>Unchanged: ${unchanged.map((s) => code(s.stack)).join(", ")}</sub>`);
  return hardLimit(`${parts.join("\n\n")}\n`, limit, "_Synth diff truncated to fit GitHub's comment limit; run `tsx scripts/synth-diff.ts` locally for all of it._");
}

function renderWarnings(warnings: readonly SynthDiffWarning[]): string {
  const lines = warnings.map((w) => {
    const hint =
      w.possibleRenames.length > 0
        ? ` Possibly renamed to ${w.possibleRenames.map(code).join(", ")}: keep the construct ID stable or add a \`moved\` block.`
        : w.change === "changed" && w.address !== "terraform.backend"
          ? " Check the plan comment for a replacement."
          : "";
    return `> - ${code(w.stack)}: **${w.change}** ${code(w.address)}: ${w.why}.${hint}`;
  });
  return [
    "> [!CAUTION]",
    `> **${plural(warnings.length, "stateful address", "stateful addresses")} removed or changed.** Terraform would destroy or may replace them. See docs/plan-review.md.`,
    ">",
    ...lines,
  ].join("\n");
}

/** Addresses whose only difference is an asset hash: their own section, apart from configuration changes. */
function renderAssetOnly(rows: readonly [string, string][], max: number): string {
  const lines = [
    `#### Asset-only changes (${plural(rows.length, "address", "addresses")})`,
    "",
    "Only an asset hash differs (the asset path's hash, `source_code_hash`): the bundle's bytes changed, its configuration did not. " +
      "Bundles build to the same bytes from the same sources in any checkout, so this means the function code, a bundled dependency or the build changed; " +
      "Terraform would upload the new code.",
    "",
    "| Stack | Address |",
    "|---|---|",
    ...rows.slice(0, max).map(([stack, a]) => `| ${cell(code(stack))} | ${cell(code(a))} |`),
  ];
  if (rows.length > max) lines.push("", `_… and ${rows.length - max} more._`);
  return lines.join("\n");
}

function renderStack(s: StackDiff, max: number): string {
  const rows: [string, string][] = [
    ...s.removed.map((a): [string, string] => ["removed", a]),
    ...s.changed.map((a): [string, string] => ["changed", a]),
    ...s.added.map((a): [string, string] => ["added", a]),
  ];
  const lines = [
    `#### ${code(s.stack)} (${s.status === "changed" ? `${s.added.length} added, ${s.removed.length} removed, ${s.changed.length} changed` : `stack ${s.status}`})`,
  ];
  if (rows.length > 0) {
    lines.push("", "| Change | Address |", "|---|---|", ...rows.slice(0, max).map(([change, a]) => `| ${change} | ${cell(code(a))} |`));
    if (rows.length > max) lines.push("", `_… and ${rows.length - max} more._`);
  }
  return lines.join("\n");
}
