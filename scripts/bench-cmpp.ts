/**
 * `npm run bench:cmpp` — the CMPP client against the gateway simulator running in a separate
 * process on loopback.
 *
 *   1. 100,000 single-segment SUBMITs over 1 connection, then over 4, window 16, no TPS limit:
 *      submits per second and the SUBMIT → SUBMIT_RESP round trip (p50 / p99).
 *   2. The TPS limiter at 500/s on one connection for 10 s: the achieved rate.
 *
 * Options: --messages N (100000), --with-reports (the simulator also sends a status report per
 * message, which the client answers and classifies), --limiter-seconds S (10), --outstanding N
 * (512: submits kept in the pool at once).
 */
import { availableParallelism, cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startSimulatorProcess, type SimulatorProcess } from "./lib/simulator-process";
import { createCmppPool, silentLogger, type CmppChannelSettings, type CmppPool } from "../lib/sender/cmpp";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "100000" },
    "with-reports": { type: "boolean", default: false },
    "limiter-seconds": { type: "string", default: "10" },
    outstanding: { type: "string", default: "512" },
  },
});
const MESSAGES = Number(values.messages);
const WITH_REPORTS = values["with-reports"] === true;
const LIMITER_SECONDS = Number(values["limiter-seconds"]);
const WINDOW = 16;
/**
 * Submits the driver keeps in the pool at once, like a dispatcher claiming batches of ~500: eight
 * times what four windows of 16 hold, so the windows never run dry. Deeper queues cost tail latency
 * (queued work survives young-generation GCs; see the README's benchmark notes).
 */
const OUTSTANDING = Number(values.outstanding);

const ACCOUNT = "900001";
const PASSWORD = "888888";
const ACCESS_NUMBER = "10690001";

async function startSimulator(): Promise<SimulatorProcess> {
  const args = ["--account", ACCOUNT, "--password", PASSWORD, "--access-number", ACCESS_NUMBER, "--no-record-texts", "--max-connections", "16"];
  if (!WITH_REPORTS) args.push("--no-reports");
  return startSimulatorProcess(args);
}

function settings(port: number, connections: number, tps: number): CmppChannelSettings {
  return { provider: "bench", host: "127.0.0.1", port, account: ACCOUNT, password: PASSWORD, accessNumber: ACCESS_NUMBER, connections, version: "3.0", serviceId: "BENCH", tpsPerConnection: tps };
}

async function allReady(pool: CmppPool, connections: number): Promise<void> {
  await pool.ready(10_000);
  const deadline = performance.now() + 10_000;
  while (pool.status().ready < connections) {
    if (performance.now() > deadline) throw new Error("not every connection logged in");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends `count` messages keeping OUTSTANDING submits in the pool; returns elapsed ms. */
async function drive(pool: CmppPool, count: number): Promise<{ elapsedMs: number; failed: number }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const settle = (): void => {
      done++;
      if (next < count) launch();
      else if (done === count) resolve();
    };
    const fail = (): void => {
      failed++;
      settle();
    };
    const launch = (): void => {
      const i = next++;
      pool.submit({ dest: `138${String(i % 100_000_000).padStart(8, "0")}`, text: "Your verification code is 123456. It expires in 5 minutes." }).then(settle, fail);
    };
    for (let k = 0; k < Math.min(OUTSTANDING, count); k++) launch();
  });
  return { elapsedMs: performance.now() - started, failed };
}

async function throughput(sim: SimulatorProcess, connections: number): Promise<{ rate: number; p50: number; p99: number }> {
  const latencies = new Float64Array(MESSAGES + 20_000);
  let n = 0;
  let receipts = 0;
  const pool = createCmppPool(settings(sim.port, connections, 0), {
    window: WINDOW,
    logger: silentLogger,
    observeLatency: (ms) => {
      if (n < latencies.length) latencies[n++] = ms;
    },
    onReceipt: () => {
      receipts++;
    },
  });
  await allReady(pool, connections);
  await drive(pool, 10_000); // warm-up: JIT, socket buffers
  n = 0;
  receipts = 0;
  await sim.reset();
  const { elapsedMs, failed } = await drive(pool, MESSAGES);
  const measured = latencies.subarray(0, n).slice().sort();
  if (WITH_REPORTS) {
    const deadline = performance.now() + 10_000;
    while (receipts < MESSAGES && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  await pool.close();
  const simStats = await sim.stats();
  const rate = (MESSAGES / elapsedMs) * 1000;
  const p50 = percentile(measured, 50);
  const p99 = percentile(measured, 99);
  console.log(
    `  ${connections} connection${connections > 1 ? "s" : " "}: ${MESSAGES} messages in ${(elapsedMs / 1000).toFixed(2)} s = ${Math.round(rate).toLocaleString("en-US")} submits/s; ` +
      `SUBMIT→SUBMIT_RESP p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (p99.9 ${percentile(measured, 99.9).toFixed(2)}, max ${measured[measured.length - 1].toFixed(2)}); ` +
      `failed ${failed}; gateway accepted ${String(simStats.submitsAccepted)}` +
      (WITH_REPORTS ? `; receipts ${receipts}` : ""),
  );
  return { rate, p50, p99 };
}

async function limiter(sim: SimulatorProcess, tps: number, seconds: number): Promise<number> {
  let accepted = 0;
  const pool = createCmppPool(settings(sim.port, 1, tps), { window: WINDOW, logger: silentLogger, observeLatency: () => accepted++ });
  await allReady(pool, 1);
  const total = Math.ceil(tps * seconds * 1.5);
  const pending: Array<Promise<unknown>> = [];
  const started = performance.now();
  let i = 0;
  // Keep the queue well ahead of the limiter so it is the only thing that paces sending.
  const feeder = setInterval(() => {
    for (let k = 0; k < tps / 10 + 50 && i < total; k++, i++) pending.push(pool.submit({ dest: `139${String(i).padStart(8, "0")}`, text: "limiter" }).catch(() => undefined));
  }, 50);
  for (let k = 0; k < tps; k++, i++) pending.push(pool.submit({ dest: `139${String(i).padStart(8, "0")}`, text: "limiter" }).catch(() => undefined));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const countAtEnd = accepted;
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(feeder);
  await pool.close();
  await Promise.all(pending);
  return countAtEnd / elapsed;
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  console.log(`CMPP benchmark — ${cores} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`);
  console.log(`simulator in a separate process on loopback; CMPP 3.0; window ${WINDOW}; ${OUTSTANDING} submits outstanding; status reports ${WITH_REPORTS ? "on" : "off"}`);
  const sim = await startSimulator();
  try {
    console.log("Throughput (goal: ≥ 30,000 submits/s with 4 connections, p99 < 5 ms):");
    await throughput(sim, 1);
    const four = await throughput(sim, 4);
    console.log(`TPS limiter (goal: within 5% of the setting), 1 connection at 500/s for ${LIMITER_SECONDS} s:`);
    const achieved = await limiter(sim, 500, LIMITER_SECONDS);
    const error = ((achieved - 500) / 500) * 100;
    console.log(`  achieved ${achieved.toFixed(1)}/s (${error >= 0 ? "+" : ""}${error.toFixed(2)}%)`);
    const pass = four.rate >= 30_000 && four.p99 < 5 && Math.abs(error) <= 5;
    console.log(pass ? "All goals met." : "Some goals NOT met (see above).");
  } finally {
    await sim.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
