/** Small Markdown helpers for PR comments: safe code spans, fences, table cells and length limits. */

/** GitHub rejects issue and pull-request comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Inline code that survives backticks inside `text`. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  const pad = longest > 0 ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** Table cell content: pipes and line breaks would end the cell or the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A fenced block whose fence is longer than any backtick run inside `text`. */
export function fence(text: string, lang = "text"): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const marks = "`".repeat(longest + 1);
  return `${marks}${lang}\n${text.replace(/\n+$/, "")}\n${marks}`;
}

/** Terraform colours its output unless run with -no-color. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

export interface TruncatedText {
  readonly text: string;
  readonly truncated: boolean;
  readonly shownLines: number;
  readonly totalLines: number;
}

/** The longest prefix of whole lines whose length is at most `maxChars`. */
export function truncateLines(text: string, maxChars: number): TruncatedText {
  const lines = text.replace(/\n+$/, "").split("\n");
  if (text.length <= maxChars) return { text, truncated: false, shownLines: lines.length, totalLines: lines.length };
  let used = 0;
  let shown = 0;
  for (const line of lines) {
    if (used + line.length + 1 > maxChars) break;
    used += line.length + 1;
    shown += 1;
  }
  return { text: lines.slice(0, shown).join("\n"), truncated: true, shownLines: shown, totalLines: lines.length };
}

/** Last resort so a comment is never rejected: cut at a line boundary and say so. */
export function hardLimit(body: string, limit: number, note: string): string {
  if (body.length <= limit) return body;
  const tail = `\n\n${note}\n`;
  return truncateLines(body, limit - tail.length).text + tail;
}

/** "1 resource" / "3 resources" */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** Checks an optional link target so a comment never carries a javascript: or relative URL. */
export function assertHttpsUrl(value: string | undefined, field: string): void {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:") {
    throw new Error(`${field} must be an https:// URL (e.g. the upload-artifact "artifact-url" output), got ${JSON.stringify(value)}`);
  }
}
