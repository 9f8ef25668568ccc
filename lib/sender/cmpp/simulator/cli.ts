/**
 * `npm run cmpp:simulator -- --port 7890 --version 3.0 --account 900001 --password secret`
 *
 * Every flag also reads an environment variable (CMPP_SIM_PORT, CMPP_SIM_VERSION, …; see FLAGS).
 * Prints one JSON line {"event":"listening",…} when ready, and the stats every --stats-interval
 * seconds. When started with an IPC channel (child_process.fork, as the benchmark does), it also
 * answers {type:"stats"} messages and exits on {type:"close"}.
 */
import { parseArgs } from "node:util";
import { startCmppSimulator } from "./simulator";
import { snapshotStats } from "./simulator-stats";
import type { CmppSimulatorFaults } from "./simulator-types";
import type { CmppVersion } from "../types";

const FLAGS = {
  host: { type: "string", env: "CMPP_SIM_HOST", help: "address to listen on (127.0.0.1)" },
  port: { type: "string", env: "CMPP_SIM_PORT", help: "TCP port (7890; 0 picks a free one)" },
  version: { type: "string", env: "CMPP_SIM_VERSION", help: "highest CMPP version accepted: 2.0 or 3.0 (3.0)" },
  account: { type: "string", env: "CMPP_SIM_ACCOUNT", help: "SP_Id to accept (900001)" },
  password: { type: "string", env: "CMPP_SIM_PASSWORD", help: "shared secret (888888)" },
  "access-number": { type: "string", env: "CMPP_SIM_ACCESS_NUMBER", help: "Src_Id must start with this (unchecked when absent)" },
  "max-connections": { type: "string", env: "CMPP_SIM_MAX_CONNECTIONS", help: "logins allowed at once per account (8)" },
  "report-delay": { type: "string", env: "CMPP_SIM_REPORT_DELAY_MS", help: "ms between SUBMIT_RESP and status report (0)" },
  "report-mix": { type: "string", env: "CMPP_SIM_REPORT_MIX", help: 'Stat weights, e.g. "DELIVRD=90,UNDELIV=5,MK:0001=5"' },
  "report-by-suffix": { type: "string", env: "CMPP_SIM_REPORT_BY_SUFFIX", help: 'Stat by the number\'s last digits, before the mix, e.g. "7=UNDELIV,88=EXPIRED"' },
  "no-reports": { type: "boolean", env: "CMPP_SIM_NO_REPORTS", help: "send no status reports" },
  "flow-control-tps": { type: "string", env: "CMPP_SIM_FLOW_CONTROL_TPS", help: "answer Result 8 above this many messages/s" },
  "drop-after-frames": { type: "string", env: "CMPP_SIM_DROP_AFTER_FRAMES", help: "drop each connection at its Nth frame" },
  "response-delay": { type: "string", env: "CMPP_SIM_RESPONSE_DELAY_MS", help: "delay every SUBMIT_RESP (ms)" },
  "duplicate-reports": { type: "boolean", env: "CMPP_SIM_DUPLICATE_REPORTS", help: "send every report twice" },
  "report-before-response": { type: "boolean", env: "CMPP_SIM_REPORT_FIRST", help: "send reports before the SUBMIT_RESP" },
  "refuse-auth": { type: "string", env: "CMPP_SIM_REFUSE_AUTH", help: "refuse logins with this Status (e.g. 3)" },
  "idle-timeout": { type: "string", env: "CMPP_SIM_IDLE_TIMEOUT_MS", help: "drop connections idle this long (ms)" },
  "version-too-high": { type: "string", env: "CMPP_SIM_VERSION_TOO_HIGH", help: "a login above --version: refuse (Status 4) or downgrade (answer in our version) (refuse)" },
  "max-unanswered": { type: "string", env: "CMPP_SIM_MAX_UNANSWERED", help: "drop a connection with more unanswered requests than this (16; 0: no limit)" },
  "timestamp-tolerance": { type: "string", env: "CMPP_SIM_TIMESTAMP_TOLERANCE_MS", help: "refuse CONNECT timestamps further off our UTC+8 clock (600000; 0: unchecked)" },
  "no-record-texts": { type: "boolean", env: "CMPP_SIM_NO_RECORD_TEXTS", help: "do not keep received texts (benchmarks)" },
  "any-number": { type: "boolean", env: "CMPP_SIM_ANY_NUMBER", help: "accept any digits as a destination, not only mainland mobiles" },
  "stats-interval": { type: "string", env: "CMPP_SIM_STATS_INTERVAL_S", help: "print stats every N seconds (0: never)" },
  help: { type: "boolean", env: "", help: "show this help" },
} as const;

type FlagName = keyof typeof FLAGS;

function readFlags(): Partial<Record<FlagName, string | boolean>> {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.entries(FLAGS).map(([name, f]) => [name, { type: f.type }])),
    allowPositionals: false,
  });
  const out: Partial<Record<FlagName, string | boolean>> = {};
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const given = values[name];
    const env = FLAGS[name].env ? process.env[FLAGS[name].env] : undefined;
    if (given !== undefined) out[name] = given;
    else if (env !== undefined && env !== "") out[name] = FLAGS[name].type === "boolean" ? env !== "0" && env !== "false" : env;
  }
  return out;
}

function num(value: string | boolean | undefined): number | undefined {
  if (typeof value !== "string") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${value}`);
  return n;
}

/** "7=UNDELIV,88=EXPIRED": the Stat for numbers ending so (the longest suffix wins), else the mix. */
function parseStatBySuffix(value: string | boolean | undefined): ((m: { dest: string }) => string | undefined) | undefined {
  if (typeof value !== "string") return undefined;
  const rules = value.split(",").map((part) => {
    const at = part.indexOf("=");
    if (at <= 0) throw new Error(`bad --report-by-suffix entry "${part}" (want DIGITS=STAT)`);
    return { suffix: part.slice(0, at).trim(), stat: part.slice(at + 1).trim() };
  });
  rules.sort((a, b) => b.suffix.length - a.suffix.length);
  return ({ dest }) => rules.find((r) => dest.endsWith(r.suffix))?.stat;
}

function parseMix(value: string | boolean | undefined): Record<string, number> | undefined {
  if (typeof value !== "string") return undefined;
  const mix: Record<string, number> = {};
  for (const part of value.split(",")) {
    const at = part.lastIndexOf("=");
    if (at <= 0) throw new Error(`bad --report-mix entry "${part}" (want STAT=weight)`);
    mix[part.slice(0, at).trim()] = Number(part.slice(at + 1));
  }
  return mix;
}

async function main(): Promise<void> {
  const f = readFlags();
  if (f.help) {
    for (const [name, flag] of Object.entries(FLAGS)) console.log(`  --${name.padEnd(24)} ${flag.help}${flag.env ? ` [${flag.env}]` : ""}`);
    return;
  }
  const version = (typeof f.version === "string" ? f.version : "3.0") as CmppVersion;
  if (version !== "2.0" && version !== "3.0") throw new Error(`--version must be 2.0 or 3.0, not ${version}`);
  const refuse = num(f["refuse-auth"]);
  const faults: CmppSimulatorFaults = {
    flowControlAboveTps: num(f["flow-control-tps"]),
    dropAfterFrames: num(f["drop-after-frames"]),
    responseDelayMs: num(f["response-delay"]),
    duplicateReports: f["duplicate-reports"] === true,
    reportBeforeResponse: f["report-before-response"] === true,
    refuseAuth: refuse,
  };
  const sim = await startCmppSimulator({
    host: typeof f.host === "string" ? f.host : "127.0.0.1",
    port: num(f.port) ?? 7890,
    version,
    account: typeof f.account === "string" ? f.account : "900001",
    password: typeof f.password === "string" ? f.password : "888888",
    accessNumber: typeof f["access-number"] === "string" ? f["access-number"] : undefined,
    maxConnections: num(f["max-connections"]),
    reports: {
      enabled: f["no-reports"] !== true,
      delayMs: num(f["report-delay"]) ?? 0,
      mix: parseMix(f["report-mix"]),
      statFor: parseStatBySuffix(f["report-by-suffix"]),
    },
    faults,
    idleTimeoutMs: num(f["idle-timeout"]),
    versionTooHigh: f["version-too-high"] === "downgrade" ? "downgrade" : "refuse",
    maxUnanswered: num(f["max-unanswered"]),
    timestampToleranceMs: num(f["timestamp-tolerance"]),
    recordTexts: f["no-record-texts"] !== true,
    destPattern: f["any-number"] === true ? /^\+?\d{1,21}$/ : undefined,
  });
  console.log(JSON.stringify({ event: "listening", host: sim.host, port: sim.port, version }));
  process.send?.({ type: "listening", port: sim.port });

  const interval = num(f["stats-interval"]) ?? 0;
  if (interval > 0) setInterval(() => console.log(JSON.stringify({ event: "stats", ...snapshotStats(sim.stats) })), interval * 1000).unref();

  const shutdown = async () => {
    await sim.close();
    console.log(JSON.stringify({ event: "closed", ...snapshotStats(sim.stats) }));
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  process.on("message", (message: unknown) => {
    const type = typeof message === "object" && message !== null ? (message as { type?: unknown }).type : undefined;
    if (type === "stats") process.send?.({ type: "stats", stats: snapshotStats(sim.stats) });
    else if (type === "reset") {
      sim.resetStats();
      process.send?.({ type: "reset" });
    } else if (type === "close") void shutdown();
  });
  process.on("disconnect", () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
