import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCmppSimulator, type CmppSimulator } from "@/lib/sender/cmpp/simulator/simulator";
import { startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms/sandbox/server";
import type { CallbackFate } from "@/lib/sender/jsms/sandbox/callback-poster";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { afterWarmUp, leastSquaresFit } from "./least-squares-slope";
import { ensureConsoleBuild, startConsoleServer, type ConsoleServer } from "./testing/console-server";
import { descriptorKinds, median, readProcessSample, sampleProcess, type ProcessSample } from "./testing/process-sampler";
import { FIXED_PORTS } from "./testing/fixed-ports";

/**
 * The soak: the console as a user runs it (the production server on the embedded database, the
 * default a new user meets, in a process of its own), fed at a steady rate for SOAK_MINUTES over
 * its REST API with an API key: CMPP sends to the gateway simulator, JSMS sends to the sandbox,
 * whose delivery reports and replies come back through the console's callback route, and a CSV
 * import every minute. Its resident memory and open file descriptors are read from /proc every
 * few seconds; after a warm-up (the first 20 % of the run) a least-squares line through them
 * must be flat. At the end every message is final with exactly the outcome the fakes were told
 * to give, nothing was sent twice, every import finished whole, and the server logged no error.
 */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 60);
/**
 * SOAK_DATABASE=postgres runs the same soak on a scratch database of DATABASE_URL's server, as a
 * deployment with PostgreSQL does; the default is the embedded database.
 */
const ON_POSTGRES = process.env.SOAK_DATABASE === "postgres";
const PORT = Number(process.env.SOAK_PORT ?? FIXED_PORTS.soak);
/** Each minute: two CMPP sends, two JSMS sends (RECIPIENTS each), one import of IMPORT_ROWS rows, one reply. */
const RECIPIENTS = 250;
const IMPORT_ROWS = 3_000;
/** Numbers ending in this digit get a failure report from both fakes; every other number is delivered. */
const FAILING_DIGIT = "7";
const SAMPLE_EVERY_MS = 5_000;
const WARM_UP = 0.2;
/**
 * Flat means: resident memory grows less than 50 MB an hour along the fitted line. A run shorter
 * than half an hour is allowed 40 MB over its fitted span instead (a single collection of the
 * JavaScript heap moves the resident size by tens of MB, which a short line cannot average out:
 * four ten-minute runs of the same code measured −18.5, −1.9, +8.4 and +31.2 MB over the fit).
 * 40 MB in eight minutes is still a leak of 300 MB an hour; the hour's run keeps the 50 MB/h rule.
 */
const RSS_SLOPE_MB_PER_HOUR = 50;
const RSS_SHORT_RUN_ALLOWANCE_MB = 40;
/**
 * Open descriptors other than the database's files grow less than 5 % from the first fifth of the
 * steady run to the last (medians), and at most 10: keep-alive sockets and callbacks in flight move the count by a few either way, while
 * a descriptor leaked per send or per import (four sends and one import a minute) passes 10 within
 * the first minutes of the fit.
 */
const FD_GROWTH = 0.05;
const FD_MIN_ALLOWANCE = 10;
/** PostgreSQL's max_files_per_process: the most files it keeps open before closing the least used. */
const MAX_FILES_PER_PROCESS = 1_000;
/** The goal for the embedded default's resident memory, idle and under this load (docs/RELIABILITY.md). */
const RSS_GOAL_MB = 500;

const SANDBOX_APP = { appKey: "5a0c3e9f7d2b4c6a8e1f0b3d", masterSecret: "9e8d7c6b5a4f3e2d1c0b9a8f" };
const CMPP_ACCOUNT = { account: "901234", password: "soak-secret", accessNumber: "10690123" };
const ADMIN = { email: "soak-admin@example.com", password: "soak-correct-horse-battery" };

/** Cookies of a response, as a Cookie header. */
function cookiesOf(response: Response): string {
  return response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

/** Signs the admin in (Auth.js credentials) and makes an admin API key, as an operator does once. */
async function apiKeyThroughSignIn(url: string): Promise<string> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const signIn = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf) },
    body: new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, callbackUrl: url }),
  });
  const session = cookiesOf(signIn);
  expect(session, "the session cookie").toMatch(/session-token=/);
  const created = await fetch(`${url}/api/v1/api-keys`, {
    method: "POST",
    headers: { cookie: session, origin: url, "content-type": "application/json" },
    body: JSON.stringify({ name: "soak", role: "admin" }),
  });
  const text = await created.text();
  expect(created.status, text).toBe(201);
  return (JSON.parse(text) as { credentials: string }).credentials;
}

interface SendRecord {
  sendId: string;
  kind: "cmpp" | "jsms";
  phones: string[];
}

interface SendView {
  status: string;
  total: number;
  counts: Record<"queued" | "submitting" | "submitted" | "delivered" | "failed" | "expired" | "unknown", number> & Record<string, number>;
}

interface ImportView {
  status: string;
  totalRows: number;
  processedRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failedRows: number;
  error?: string;
}

describe.skipIf(process.platform !== "linux")(`soak: ${MINUTES} minutes of sends, callbacks and imports on ${ON_POSTGRES ? "PostgreSQL" : "the embedded database"}`, () => {
  let dir: string;
  let sim: CmppSimulator;
  let sandbox: JsmsSandbox;
  let server: ConsoleServer;
  let authorization: string;
  let scratch: { url: string; drop: () => Promise<void> } | undefined;

  beforeAll(async () => {
    await ensureConsoleBuild();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sms-console-soak-"));
    sim = await startCmppSimulator({
      ...CMPP_ACCOUNT,
      maxConnections: 8,
      recordTexts: true,
      reports: { delayMs: 200, statFor: ({ dest }) => (dest.endsWith(FAILING_DIGIT) ? "UNDELIV" : "DELIVRD") },
    });
    sandbox = await startJsmsSandbox({
      apps: [SANDBOX_APP],
      reports: { delayMs: [100, 1_000], statusFor: (mobile) => (mobile.endsWith(FAILING_DIGIT) ? 4003 : 4001) },
      // A callback the console does not take within the sandbox's 5 s is retried three times, as
      // Jiguang does (after 3 min, 1 h and 12 h), on a shorter schedule the run can wait for.
      callbackRetryDelaysMs: [10_000, 60_000, 180_000],
      seed: 7,
    });
    // A fresh DATA_DIR: the server creates the embedded database at its first start, as a new
    // user's does, and the idle figure includes what that creation leaves behind.
    if (ON_POSTGRES) {
      if (!process.env.DATABASE_URL) throw new Error("SOAK_DATABASE=postgres needs DATABASE_URL");
      scratch = await createScratchDatabase(process.env.DATABASE_URL);
    }
    server = await startConsoleServer({
      port: PORT,
      logFile: path.join(dir, "server.log"),
      env: (port) => ({
        DATA_DIR: path.join(dir, "data"),
        ...(scratch ? { DATABASE_URL: scratch.url } : {}),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        JSMS_BASE_URL: sandbox.url,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      }),
    });
    authorization = `Basic ${Buffer.from(await apiKeyThroughSignIn(server.url)).toString("base64")}`;
  });

  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
    await sandbox?.close();
    await sim?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function api<T>(method: string, route: string, body?: unknown, expected = [200, 201, 202]): Promise<T> {
    const response = await fetch(`${server.url}${route}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  it("stays flat in memory and handles, and ends every message and import", async () => {
    const cmpp = await api<{ channelKey: string }>("POST", "/api/v1/channels", {
      type: "cmpp", name: "Soak gateway", provider: "china_mobile", host: "127.0.0.1", port: sim.port,
      account: CMPP_ACCOUNT.account, password: CMPP_ACCOUNT.password, accessNumber: CMPP_ACCOUNT.accessNumber, connections: 2,
    });
    const jsms = await api<{ channelKey: string; callbackUrl: string }>("POST", "/api/v1/channels", { type: "jsms", name: "Soak Jiguang", ...SANDBOX_APP });
    sandbox.setCallbackUrl(SANDBOX_APP.appKey, jsms.callbackUrl);

    // Idle: the server up, a few requests served, nothing running.
    await new Promise((r) => setTimeout(r, 10_000));
    const idle = readProcessSample(server.pid);
    const idleKinds = descriptorKinds(server.pid);
    const sampler = sampleProcess(server.pid, SAMPLE_EVERY_MS);

    const sends: SendRecord[] = [];
    const importIds: string[] = [];
    const replyFates: CallbackFate[] = [];
    const lastPhoneOf = new Map<string, string>();
    let step = 0;
    const send = async (kind: "cmpp" | "jsms") => {
      const n = sends.length;
      // Distinct numbers for every send: a number seen twice by a fake means it was sent twice.
      const phones = Array.from({ length: RECIPIENTS }, (_, i) => `13${kind === "cmpp" ? 5 : 6}${String(n).padStart(5, "0")}${String(i).padStart(3, "0")}`);
      const body =
        kind === "cmpp"
          ? { channelKey: cmpp.channelKey, phones, text: `Soak ${n}: your code is ${String(n).padStart(6, "0")}.` }
          : { channelKey: jsms.channelKey, phones, template: { id: 1, params: { code: String(n) } } };
      const answer = await api<{ sendId: string; accepted: number; rejected: unknown[] }>("POST", "/api/v1/messages", body);
      expect(answer.accepted, `send ${n} accepted`).toBe(RECIPIENTS);
      sends.push({ sendId: answer.sendId, kind, phones });
    };
    const upload = async () => {
      const minute = importIds.length;
      // A moving window over 2 × IMPORT_ROWS users: each import adds some and changes others.
      const first = (minute * IMPORT_ROWS) / 2;
      const lines = ["userid,phone"];
      for (let i = 0; i < IMPORT_ROWS; i++) {
        const userid = `soak${String((first + i) % (IMPORT_ROWS * 2)).padStart(6, "0")}`;
        const phone = `137${String(minute % 100).padStart(2, "0")}${String(i).padStart(6, "0")}`;
        lines.push(`${userid},${phone}`);
        lastPhoneOf.set(userid, phone);
      }
      const form = new FormData();
      form.append("file", new Blob([lines.join("\n") + "\n"], { type: "text/csv" }), `soak-${minute}.csv`);
      const response = await fetch(`${server.url}/api/v1/users/import`, { method: "POST", headers: { authorization }, body: form });
      expect(response.status, await response.clone().text()).toBe(202);
      importIds.push(((await response.json()) as { importId: string }).importId);
    };
    const reply = async () => {
      replyFates.push(await sandbox.injectReply({ appKey: SANDBOX_APP.appKey, phone: `1390000${String(step).padStart(4, "0")}`, content: "TD" }));
    };
    // Six steps a minute, one every ten seconds.
    const minuteOfSteps = [() => send("cmpp"), () => send("jsms"), upload, () => send("cmpp"), () => send("jsms"), reply];
    const started = Date.now();
    const endAt = started + MINUTES * 60_000;
    while (Date.now() < endAt) {
      const due = started + step * 10_000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await minuteOfSteps[step % minuteOfSteps.length]!();
      step++;
    }

    // Everything sent reaches a final state; the fakes' reports decide which.
    const deadline = Date.now() + 10 * 60_000;
    const views = new Map<string, SendView>();
    for (const record of sends) {
      for (;;) {
        const view = await api<SendView>("GET", `/api/v1/sends/${record.sendId}`);
        if (view.counts.queued + view.counts.submitting + view.counts.submitted === 0) {
          views.set(record.sendId, view);
          break;
        }
        if (Date.now() > deadline) throw new Error(`send ${record.sendId} not final: ${JSON.stringify(view)}; Jiguang's callbacks: ${JSON.stringify(sandbox.stats().callbacks)}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    const imports: ImportView[] = [];
    for (const id of importIds) {
      for (;;) {
        const view = await api<ImportView>("GET", `/api/v1/imports/${id}`);
        if (view.status === "done" || view.status === "failed") {
          imports.push(view);
          break;
        }
        if (Date.now() > deadline) throw new Error(`import ${id} not finished: ${JSON.stringify(view)}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    await sandbox.settleCallbacks();
    sampler.stop();
    const samples = sampler.samples;
    const endKinds = descriptorKinds(server.pid);

    const figures = fit(samples);
    const messages = sends.length * RECIPIENTS;
    console.log(
      [
        `soak: ${MINUTES} min, ${sends.length} sends (${messages} messages), ${imports.length} imports of ${IMPORT_ROWS} rows, ${replyFates.length} replies, ${samples.length} samples`,
        `  RSS idle ${idle.rssMb.toFixed(0)} MB; under load median ${figures.rssMedian.toFixed(0)} MB, max ${figures.rssMax.toFixed(0)} MB, peak (VmHWM) ${figures.hwm.toFixed(0)} MB`,
        `  RSS slope after warm-up ${figures.rssSlope.toFixed(1)} MB/h (${figures.rssGrowth.toFixed(1)} MB over ${figures.hours.toFixed(2)} h)`,
        `  fds idle ${idle.fds}; first ${figures.fdFirst}, last ${figures.fdLast}, median ${figures.fdMedian}, max ${figures.fdMax}; slope without the database's files ${figures.fdSlope.toFixed(1)} fds/h (${(figures.fdGrowthShare * 100).toFixed(1)} % along the fit)`,
        `  Jiguang's callbacks: ${JSON.stringify(sandbox.stats().callbacks)}`,
        `  without the database's files: median ${figures.fdLevelStart} in the first fifth of the fit, ${figures.fdLevelEnd} in the last`,
        `  of them the embedded database's files: first ${figures.databaseFilesFirst}, max ${figures.databaseFilesMax} (PostgreSQL keeps at most ${MAX_FILES_PER_PROCESS} open)`,
        `  fds by kind, idle ${JSON.stringify(idleKinds)}; at the end ${JSON.stringify(endKinds)}`,
      ].join("\n"),
    );

    // Every message final, with the outcome its number was given, and none sent twice.
    for (const record of sends) {
      const view = views.get(record.sendId)!;
      const failing = record.phones.filter((p) => p.endsWith(FAILING_DIGIT)).length;
      expect({ send: record.sendId, status: view.status, total: view.total, delivered: view.counts.delivered, failed: view.counts.failed }).toEqual({
        send: record.sendId, status: "done", total: RECIPIENTS, delivered: RECIPIENTS - failing, failed: failing,
      });
    }
    const cmppMessages = sends.filter((s) => s.kind === "cmpp").length * RECIPIENTS;
    expect(sim.duplicateSubmits(), "SUBMITs the gateway got twice").toEqual([]);
    expect(sim.submitCopies().length, "message parts the gateway accepted").toBe(cmppMessages);
    const sandboxStats = sandbox.stats();
    expect(sandboxStats.acceptedMoreThanOnce, "messages Jiguang accepted twice").toEqual([]);
    expect(sandboxStats.distinctMessages).toBe(messages - cmppMessages);
    expect(sandboxStats.callbacks.reports, "delivery reports posted").toBeGreaterThanOrEqual(messages - cmppMessages);
    expect(sandboxStats.callbacks.abandoned, "callbacks Jiguang gave up on").toBe(0);
    expect(replyFates.every((f) => f === "acknowledged"), `reply callbacks: ${replyFates.join(", ")}`).toBe(true);

    // Every import finished whole, and the last one's numbers are the ones kept.
    for (const view of imports) {
      expect({ status: view.status, processed: view.processedRows, failed: view.failedRows, written: view.inserted + view.updated + view.unchanged }).toEqual({
        status: "done", processed: IMPORT_ROWS, failed: 0, written: IMPORT_ROWS,
      });
    }
    const [someUser, itsPhone] = [...lastPhoneOf.entries()][lastPhoneOf.size - 1]!;
    expect((await api<{ phones: Record<string, string> }>("GET", `/api/v1/users/${someUser}`)).phones.all).toBe(itsPhone);

    // No error in the server's log (one JSON object a line).
    const errors = server.log().split("\n").filter((line) => /"level"\s*:\s*"error"/.test(line));
    expect(errors, "error-level lines in the server's log").toEqual([]);

    // Flat: memory and handles, after the warm-up.
    const rssAllowance = figures.hours >= 0.5 ? RSS_SLOPE_MB_PER_HOUR * figures.hours : Math.max(RSS_SLOPE_MB_PER_HOUR * figures.hours, RSS_SHORT_RUN_ALLOWANCE_MB);
    expect(figures.rssGrowth, `RSS growth along the fit (MB), allowed ${rssAllowance.toFixed(1)}`).toBeLessThan(rssAllowance);
    expect(figures.fdGrowth, "open descriptors' growth, first fifth to last (medians), the database's files aside").toBeLessThan(Math.max(FD_GROWTH * figures.fdLevelStart, FD_MIN_ALLOWANCE));
    expect(figures.databaseFilesMax, "the embedded database's open files, within PostgreSQL's own bound").toBeLessThan(MAX_FILES_PER_PROCESS);
    expect(Math.max(idle.rssMb, figures.rssMax), "resident memory, idle and under load (MB)").toBeLessThan(RSS_GOAL_MB);
  });
});

/** The soak's figures from its samples: medians and maxima over the run, lines after the warm-up. */
function fit(samples: readonly ProcessSample[]) {
  const steady = afterWarmUp(samples.map((s) => ({ ...s, x: s.at })), WARM_UP);
  const hours = (steady[steady.length - 1]!.at - steady[0]!.at) / 3_600_000;
  const rss = leastSquaresFit(steady.map((s) => ({ x: s.at, y: s.rssMb })));
  // The embedded database's own files are a cache PostgreSQL bounds itself (see ProcessSample):
  // what must stay flat is everything else, the sockets, pipes, timers and files of the console.
  const fds = leastSquaresFit(steady.map((s) => ({ x: s.at, y: s.fds - s.databaseFiles })));
  // A leak shows as a level that rises; callbacks and keep-alive sockets in flight make short
  // spikes of hundreds that tilt a line fitted over minutes. So the check compares the medians of
  // the first and last fifths of the steady run; the line's slope is printed beside it.
  const fifth = Math.max(1, Math.floor(steady.length / 5));
  const otherFds = (part: readonly ProcessSample[]) => median(part.map((s) => s.fds - s.databaseFiles));
  const fdLevelStart = otherFds(steady.slice(0, fifth));
  const fdLevelEnd = otherFds(steady.slice(-fifth));
  const perHour = 3_600_000;
  const fdFitStart = fds.intercept + fds.slope * steady[0]!.at;
  return {
    hours,
    rssSlope: rss.slope * perHour,
    rssGrowth: rss.slope * perHour * hours,
    rssMedian: median(samples.map((s) => s.rssMb)),
    rssMax: Math.max(...samples.map((s) => s.rssMb)),
    hwm: Math.max(...samples.map((s) => s.hwmMb)),
    fdSlope: fds.slope * perHour,
    fdGrowth: fdLevelEnd - fdLevelStart,
    fdLevelStart,
    fdLevelEnd,
    fdFitStart,
    fdGrowthShare: (fds.slope * perHour * hours) / fdFitStart,
    fdFirst: samples[0]!.fds,
    fdLast: samples[samples.length - 1]!.fds,
    fdMedian: median(samples.map((s) => s.fds)),
    fdMax: Math.max(...samples.map((s) => s.fds)),
    databaseFilesFirst: samples[0]!.databaseFiles,
    databaseFilesMax: Math.max(...samples.map((s) => s.databaseFiles)),
  };
}
