/** MQTT topic filter matching (`+` one level, `#` the rest), as the rules engine applies it to `FROM`. */
import { InvalidTopicError } from "./errors";

/** Throws InvalidTopicError unless `filter` is a valid MQTT topic filter. */
export function assertTopicFilter(filter: string): void {
  if (filter.length === 0) throw new InvalidTopicError("topic filter must not be empty");
  const levels = filter.split("/");
  levels.forEach((level, i) => {
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) {
      throw new InvalidTopicError(`topic filter "${filter}": '#' must be a whole level and the last one`);
    }
    if (level.includes("+") && level !== "+") {
      throw new InvalidTopicError(`topic filter "${filter}": '+' must occupy a whole level`);
    }
  });
}

/** Throws InvalidTopicError unless `topic` is a valid topic name (no wildcards, not empty). */
export function assertTopicName(topic: string): void {
  if (topic.length === 0) throw new InvalidTopicError("topic must not be empty");
  if (/[+#]/.test(topic)) throw new InvalidTopicError(`topic "${topic}" must not contain the wildcards '+' or '#'`);
}

/**
 * True when `topic` matches `filter`. Per MQTT 3.1.1 §4.7.2 a filter that
 * starts with a wildcard does not match topics starting with `$` (such as
 * `$aws/...`); `a/#` also matches `a` itself.
 */
export function matchesTopicFilter(filter: string, topic: string): boolean {
  assertTopicFilter(filter);
  assertTopicName(topic);
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
