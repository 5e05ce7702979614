/**
 * `npm run history -- --env dev --thing Thermostat-01 [--shadow config | --classic]
 *   [--since ISO] [--until ISO] [--endpoint URL] [--table NAME] [--region R] [--json]`
 */
import { parseArgs } from "node:util";
import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { resolveEnvironment } from "../../lib/config-schema";
import { Naming, NamingProps } from "../../lib/naming";
import { CLASSIC_SHADOW } from "../../modules/history-store/schema";
import { UsageError, wantsHelp } from "../cli";
import { formatHistoryTable } from "./format";
import { HistoryReader, HistoryRecord } from "./reader";

/** `iot-dev-shadow-history`: derived by lib/naming exactly as the data stack derives it. */
export function historyTableName(naming: NamingProps): string {
  return new Naming(naming).historyTable;
}

export const HISTORY_USAGE = `Usage: npm run history -- --env <env> --thing <thing> [options]
  --env NAME         environment (table name and region come from its config)
  --thing NAME       thing name (required)
  --shadow NAME      one named shadow; --classic for the classic shadow; neither: every shadow
  --since ISO        from this time (inclusive); with --until, a time-window query
  --until ISO        up to this time (inclusive; default now when --since is given)
  --table NAME       table name instead of the environment's (then --env is optional)
  --endpoint URL     DynamoDB endpoint, e.g. the demo's http://127.0.0.1:PORT
  --region REGION    default: AWS_REGION, else the environment's region
  --json             print JSON instead of a table
  --help             this text (also printed when no option is given)`;

export interface HistoryCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface HistoryCliDeps {
  /** Raw environment configs keyed by label (environments/index.ts). */
  readonly environments: Readonly<Record<string, unknown>>;
  /** @default process.stdout / process.stderr */
  readonly io?: HistoryCliIo;
  /** Process environment for region and credential defaults. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface HistoryQuery {
  readonly tableName: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly thingName: string;
  readonly shadow?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly json: boolean;
}

/** Parses the command line into a query; throws a UsageError naming the bad option. */
export function parseHistoryArgs(argv: readonly string[], deps: HistoryCliDeps): HistoryQuery {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: "string" },
        thing: { type: "string" },
        shadow: { type: "string" },
        classic: { type: "boolean", default: false },
        since: { type: "string" },
        until: { type: "string" },
        table: { type: "string" },
        endpoint: { type: "string" },
        region: { type: "string" },
        json: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.thing) throw new UsageError("--thing is required");
  if (values.shadow !== undefined && values.classic) throw new UsageError("--shadow and --classic select different shadows; pass one of them");
  if (!values.env && !values.table) throw new UsageError("pass --env (table name from the environment's naming) or --table");

  let tableName = values.table;
  let region = values.region ?? deps.env?.AWS_REGION ?? deps.env?.AWS_DEFAULT_REGION;
  if (values.env) {
    const raw = deps.environments[values.env];
    if (raw === undefined) throw new UsageError(`--env ${values.env} is not an environment; known: ${Object.keys(deps.environments).join(", ")}`);
    const config = resolveEnvironment(raw, values.env);
    tableName ??= historyTableName(config);
    region ??= config.account.region;
  }
  if (values.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(values.endpoint)) {
    throw new UsageError(`--endpoint must be a URL such as http://127.0.0.1:8000, got "${values.endpoint}"`);
  }

  const since = values.since === undefined ? undefined : parseIso(values.since, "--since");
  let until = values.until === undefined ? undefined : parseIso(values.until, "--until");
  if (since && !until) until = (deps.now ?? (() => new Date()))();
  return {
    tableName: tableName!,
    region,
    endpoint: values.endpoint,
    thingName: values.thing,
    shadow: values.classic ? CLASSIC_SHADOW : values.shadow,
    // --until alone: everything up to then.
    since: since ?? (until ? new Date(0) : undefined),
    until,
    json: values.json,
  };
}

function parseIso(text: string, option: string): Date {
  // Date.parse accepts many shapes; insist on ISO 8601 so "03/04" is not guessed.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    throw new UsageError(`${option} must be an ISO 8601 date or time, e.g. 2025-01-31T12:00:00Z, got "${text}"`);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${option} "${text}" is not a valid date`);
  return date;
}

/** The client for a query: a local endpoint gets dummy credentials when none are configured. */
export function historyClientConfig(query: HistoryQuery, env: Readonly<Record<string, string | undefined>>): DynamoDBClientConfig {
  const config: DynamoDBClientConfig = { region: query.region };
  if (query.endpoint) {
    config.endpoint = query.endpoint;
    // A local server accepts any credentials; never invent them for a real endpoint.
    const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/.test(query.endpoint);
    if (local && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) config.credentials = { accessKeyId: "local", secretAccessKey: "local" };
  }
  return config;
}

export async function readHistory(query: HistoryQuery, client: DynamoDBClient): Promise<HistoryRecord[]> {
  const reader = new HistoryReader({ tableName: query.tableName, client });
  return query.since && query.until ? reader.between(query.thingName, query.since, query.until, query.shadow) : reader.versions(query.thingName, query.shadow);
}

/** Runs the CLI; returns the exit code (0 ok or usage asked for, 1 read failed, 2 usage mistake). */
export async function runHistoryCli(argv: readonly string[], deps: HistoryCliDeps): Promise<number> {
  const io = deps.io ?? { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
  const env = deps.env ?? process.env;
  if (argv.length === 0 || wantsHelp(argv)) {
    io.stdout(`${HISTORY_USAGE}\n`);
    return 0;
  }
  let query: HistoryQuery;
  try {
    query = parseHistoryArgs(argv, { ...deps, env });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n\n${HISTORY_USAGE}\n`);
    return 2;
  }
  const client = new DynamoDBClient(historyClientConfig(query, env));
  try {
    const records = await readHistory(query, client);
    if (query.json) io.stdout(`${JSON.stringify(records, null, 2)}\n`);
    else io.stdout(`${query.tableName} · ${query.thingName}${query.shadow ? ` · ${query.shadow}` : ""}: ${records.length} item(s)\n${formatHistoryTable(records)}\n`);
    return 0;
  } catch (error) {
    const e = error as Error;
    io.stderr(`error: reading ${query.tableName} failed: ${e.name}: ${e.message}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}
