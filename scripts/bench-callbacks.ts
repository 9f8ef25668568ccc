/**
 * `npm run bench:callbacks`: 20,000 signed SMS_REPORT callbacks, 32 concurrent senders, against a
 * production build of the console, on PostgreSQL (when a server answers) and on the embedded
 * database. Prints callbacks/s, p50/p99 latency, the ceiling (a route that touches no database,
 * same server, same load) and checks every report was recorded exactly once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { count, eq, sql } from "drizzle-orm";
import { openDatabase, runMigrations } from "@/lib/db/client";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { channels, jsmsCallbacks, messageEvents, messages, sends } from "@/lib/db/schema";
import { deriveKey } from "@/lib/config/app-secret";
import { createChannel } from "@/lib/channels/channel-service";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { buildCallbackForm, generateCallbackNonce } from "@/lib/sender/jsms/callback";

const TOTAL = Number(process.env.BENCH_CALLBACKS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const APP_SECRET = "bench-app-secret-0123456789abcdef";
const APP = { appKey: "dd1066407b044738b6479275", masterSecret: "2b38ce69b1de2a7fa95706ea" };
const root = path.resolve(__dirname, "..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

interface Target {
  label: string;
  env: Record<string, string>;
  databaseUrl?: string;
  dataDir: string;
}

async function prepare(target: Target): Promise<{ channelKey: string }> {
  const handle = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  await runMigrations(handle, target.databaseUrl);
  const sealKey = deriveKey(Buffer.from(APP_SECRET, "utf8"), "channel-secrets");
  const view = await createChannel({ db: handle.db, sealKey, publicUrl: "http://bench" }, SYSTEM_ACTOR("bench"), {
    type: "jsms",
    name: "bench",
    ...APP,
  });
  const [channel] = await handle.db.select().from(channels).where(eq(channels.channelKey, view.channelKey));
  const [send] = await handle.db.insert(sends).values({ channelId: channel!.id, createdBy: "bench" }).returning();
  for (let start = 0; start < TOTAL; start += 2000) {
    const rows = Array.from({ length: Math.min(2000, TOTAL - start) }, (_, i) => ({
      sendId: send!.id,
      channelId: channel!.id,
      phone: String(13800000000 + start + i),
      status: "submitted",
      providerMessageId: String(9_000_000_000_000_000n + BigInt(start + i)),
    }));
    await handle.db.insert(messages).values(rows);
  }
  await handle.close();
  return { channelKey: view.channelKey };
}

async function verify(target: Target) {
  const handle = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  const [stored] = await handle.db.select({ n: count() }).from(jsmsCallbacks);
  const [delivered] = await handle.db.select({ n: count() }).from(messages).where(eq(messages.status, "delivered"));
  const [events] = await handle.db.select({ n: count() }).from(messageEvents);
  const [dupes] = await handle.db
    .select({ n: count() })
    .from(sql`(select message_id from message_events group by message_id having count(*) > 1) d`);
  await handle.close();
  return { stored: stored!.n, delivered: delivered!.n, events: events!.n, messagesWithTwoEvents: dupes!.n };
}

function startServer(target: Target, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, ...target.env, PORT: String(port), WORKER: "off", NEXT_MANUAL_SIG_HANDLE: "true" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = () => {
      http
        .get({ host: "127.0.0.1", port, path: "/api/health" }, (res) => {
          res.resume();
          if (res.statusCode === 200) resolve(child);
          else setTimeout(poll, 200);
        })
        .on("error", () => (Date.now() > deadline ? reject(new Error("server did not start")) : setTimeout(poll, 200)));
    };
    poll();
  });
}

async function load(port: number, makeRequest: (i: number) => { method: string; path: string; body?: string }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = new Float64Array(TOTAL);
  let next = 0;
  let failures = 0;
  const statuses = new Map<number, number>();
  const started = performance.now();
  async function worker() {
    while (next < TOTAL) {
      const i = next++;
      const req = makeRequest(i);
      const t0 = performance.now();
      const status = await new Promise<number>((resolve) => {
        const r = http.request(
          {
            agent,
            host: "127.0.0.1",
            port,
            method: req.method,
            path: req.path,
            headers: req.body ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(req.body) } : {},
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        r.on("error", () => resolve(0));
        r.end(req.body);
      });
      latencies[i] = performance.now() - t0;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 200) failures++;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { perSecond: TOTAL / seconds, p50: pct(50), p99: pct(99), failures, statuses: Object.fromEntries(statuses) };
}

async function run(target: Target, port: number) {
  const { channelKey } = await prepare(target);
  // Sign every callback up front so the client's own work does not slow the measured rate.
  const bodies = Array.from({ length: TOTAL }, (_, i) =>
    buildCallbackForm({
      ...APP,
      nonce: generateCallbackNonce(),
      timestamp: String(Date.now()),
      type: "SMS_REPORT",
      data: JSON.stringify({ msgId: String(9_000_000_000_000_000n + BigInt(i)), phone: String(13800000000 + i), receiveTime: Date.now(), status: 4001 }),
    }).toString(),
  );
  const server = await startServer(target, port);
  try {
    // Warm both routes (JIT, connection pools) before measuring.
    await load(port, () => ({ method: "GET", path: "/api/ping" })).catch(() => undefined);
    const ceiling = await load(port, () => ({ method: "GET", path: "/api/ping" }));
    const callbacks = await load(port, (i) => ({ method: "POST", path: `/api/jsms/callback/${channelKey}`, body: bodies[i] }));
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    const check = await verify(target);
    const exactlyOnce = check.stored === TOTAL && check.delivered === TOTAL && check.events === TOTAL && check.messagesWithTwoEvents === 0;
    console.log(`\n== ${target.label}`);
    console.log(`ceiling  GET /api/ping (no database): ${ceiling.perSecond.toFixed(0)} req/s, p50 ${ceiling.p50.toFixed(1)} ms, p99 ${ceiling.p99.toFixed(1)} ms`);
    console.log(
      `callbacks POST SMS_REPORT:            ${callbacks.perSecond.toFixed(0)} req/s, p50 ${callbacks.p50.toFixed(1)} ms, p99 ${callbacks.p99.toFixed(1)} ms, ` +
        `non-200: ${callbacks.failures} ${JSON.stringify(callbacks.statuses)}`,
    );
    console.log(`callbacks / ceiling: ${((100 * callbacks.perSecond) / ceiling.perSecond).toFixed(0)}% (goal ≥ 60%), p99 goal < 100 ms`);
    console.log(`recorded: ${check.stored} stored, ${check.delivered} delivered, ${check.events} events, ${check.messagesWithTwoEvents} messages with two → ${exactlyOnce ? "every callback exactly once" : "MISMATCH"}`);
    return exactlyOnce;
  } finally {
    if (server.exitCode === null) server.kill("SIGKILL");
  }
}

async function main() {
  const { ensureBuild } = (await import(path.join(root, "scripts", "ensure-build.mjs"))) as { ensureBuild: () => void };
  ensureBuild();
  console.log(`bench:callbacks: ${TOTAL} signed SMS_REPORT callbacks, ${CONCURRENCY} concurrent senders, ${os.cpus().length} cores`);
  let ok = true;
  const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  let scratch: { url: string; drop: () => Promise<void> } | undefined;
  try {
    scratch = await createScratchDatabase(serverUrl);
  } catch {
    console.log(`(no PostgreSQL at ${serverUrl}: skipping the PostgreSQL run)`);
  }
  if (scratch) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cb-pg-"));
    try {
      ok = (await run({ label: "PostgreSQL", databaseUrl: scratch.url, dataDir, env: { DATABASE_URL: scratch.url, DATA_DIR: dataDir, APP_SECRET } }, 3391)) && ok;
    } finally {
      await scratch.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cb-pglite-"));
  const env: Record<string, string> = { DATA_DIR: dataDir, APP_SECRET };
  try {
    const embedded = { label: "embedded database (PGlite)", dataDir, env };
    delete process.env.DATABASE_URL;
    ok = (await run(embedded, 3392)) && ok;
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(ok ? 0 : 1);
}

void main();
