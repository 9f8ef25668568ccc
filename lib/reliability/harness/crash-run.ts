import { expect } from "vitest";
import type { ConsoleApi } from "./console-api";
import { consoleApi } from "./console-api";
import type { ConsoleProcess } from "./console-process";
import type { Deployment } from "./deployment";
import { GATEWAY_ACCOUNT, phoneOf, reportedOutcomes, startTestGateway } from "./gateway";
import { messageByNumber, numbersHandedOff, numbersInFlight, messageStateCounts, numbersReceived, numbersReceivedTwice, numbersWithRecordedSubmit, waitUntil } from "./send-audit";

/**
 * One crash run: a CMPP send of `messages` through real console processes, the process that
 * dispatches (`victim`) killed with SIGKILL once about a third is submitted, started again on the
 * same database, and the send followed to its end. Then what an operator and the carrier would
 * check: every message in exactly one final state, nothing the console had recorded as submitted
 * sent again, whatever was sent twice marked uncertain and at most a window per connection, and
 * every report the gateway sent applied, including those it kept while the process was dead.
 */
export interface CrashRunOptions {
  deployment: Deployment;
  /** "web": one web process that dispatches; "worker": a web process with WORKER=off and a worker beside it. */
  victim: "web" | "worker";
  messages: number;
  connections: number;
  port: number;
  /** Distinguishes this run's numbers. */
  block: number;
  timeoutMs: number;
}

export interface CrashRunFigures {
  messages: number;
  connections: number;
  /** Claimed (`submitting`) in the database at the kill. */
  inFlightAtKill: number;
  /** Of those, the ones its handoff log named (may have reached the gateway): the rest certainly had not. */
  handedOffAtKill: number;
  /** Accepted by the gateway but not recorded as submitted at the kill. */
  acceptedUnrecordedAtKill: number;
  /** Connections × the CMPP window: SUBMITs on the wire at once. */
  windowBound: number;
  /** Numbers the gateway received twice. */
  duplicates: number;
  uncertain: number;
  /** Messages that ended unknown (a report lost): asserted to be 0. */
  reportsLost: number;
  /** From the restart command to the send's last final state. */
  recoverySeconds: number;
  /** From the kill to the restarted process answering / running. */
  restartSeconds: number;
  totalSeconds: number;
}

/** One line of figures for the log (docs/RELIABILITY.md takes them from there). */
export function crashFigureLine(label: string, f: CrashRunFigures): string {
  return (
    `[figure] crash ${label}: ${f.messages} messages, ${f.connections} connections; in flight at the kill ${f.inFlightAtKill} claimed ` +
    `(${f.handedOffAtKill} in the handoff log), ` +
    `${f.acceptedUnrecordedAtKill} accepted by the gateway but not recorded; received twice ${f.duplicates} (windows: ${f.windowBound}); ` +
    `uncertain ${f.uncertain}; reports lost ${f.reportsLost}; kill → ready ${f.restartSeconds.toFixed(1)} s; restart → send done ${f.recoverySeconds.toFixed(1)} s; whole send ${f.totalSeconds.toFixed(1)} s`
  );
}

/** The window: SUBMITs one connection may have unanswered at once (CMPP's W). */
const WINDOW = 16;
const REPORT_DEADLINE_SECONDS = 180;

export async function runCrash(options: CrashRunOptions): Promise<CrashRunFigures> {
  const { deployment, victim, messages, connections } = options;
  const gateway = await startTestGateway({ maxConnections: connections + 4, reportDelayMs: 500 });
  const { simulator } = gateway;
  const processes: ConsoleProcess[] = [];
  try {
    const credentials = await deployment.createApiKey("admin");
    const webEnv: Record<string, string> = victim === "worker" ? { WORKER: "off" } : {};
    const web = await deployment.start("web", "web-1", { port: options.port, env: webEnv });
    processes.push(web);
    if (victim === "worker") processes.push(await deployment.start("worker", "worker-1"));
    let api: ConsoleApi = consoleApi(web.url!, credentials);

    // A report deadline well past the run's recovery: a lost report would end its message `unknown`
    // within the run, which the checks below refuse.
    const channelKey = await api.createCmppChannel({ name: `crash-${victim}`, port: simulator.port, ...GATEWAY_ACCOUNT, connections, reportDeadlineSeconds: REPORT_DEADLINE_SECONDS });
    await api.upsertUsers(`u${options.block}`, messages, (i) => phoneOf(options.block, i));
    const startedAt = Date.now();
    const { sendId, accepted } = await api.sendToEveryone(channelKey, "Your parcel is on its way.", `crash-${victim}-${options.block}`);
    expect(accepted).toBe(messages);

    await waitUntil("a third of the send to reach the gateway", async () => simulator.stats.submitsAccepted >= messages / 3, {
      timeoutMs: options.timeoutMs,
      everyMs: 20,
      progress: async () => `gateway accepted ${simulator.stats.submitsAccepted}`,
    });
    const target = victim === "web" ? web : processes[1]!;
    await target.kill();
    const killedAt = Date.now();
    const acceptedAtKill = simulator.stats.submitsAccepted;

    // What the database held at the kill (nothing has written to it since: the killer was the only dispatcher).
    const recordedBefore = await deployment.read((db) => numbersWithRecordedSubmit(db, sendId));
    const inFlightAtKill = await deployment.read((db) => numbersInFlight(db, sendId));
    const handedOffAtKill = await deployment.read((db) => numbersHandedOff(db, sendId));

    const restartAt = Date.now();
    const restarted =
      victim === "web" ? await deployment.start("web", "web-1-restarted", { port: options.port }) : await deployment.start("worker", "worker-1-restarted");
    processes.push(restarted);
    const restartSeconds = (Date.now() - killedAt) / 1000;
    if (victim === "web") api = consoleApi(restarted.url!, credentials);

    await waitUntil("the send to finish after the restart", async () => (await api.getSend(sendId)).status === "done", {
      timeoutMs: options.timeoutMs,
      everyMs: 500,
      progress: async () => `send ${JSON.stringify((await api.getSend(sendId)).counts)}; gateway accepted ${simulator.stats.submitsAccepted}, reports sent ${simulator.stats.reportsSent}`,
    });
    const doneAt = Date.now();
    const send = await api.getSend(sendId);

    // The embedded database is read with the console stopped (it belongs to one process).
    if (deployment.kind === "pglite") for (const p of processes) await p.stop();
    const counts = await deployment.read((db) => messageStateCounts(db, sendId));
    const byNumber = await deployment.read((db) => messageByNumber(db, sendId));

    // Exactly one final state each, and the send's counters say the same as count(*).
    expect(counts.total).toBe(messages);
    expect({ queued: counts.queued, submitting: counts.submitting, submitted: counts.submitted }).toEqual({ queued: 0, submitting: 0, submitted: 0 });
    expect(send.counts).toEqual({ queued: 0, submitting: 0, submitted: 0, delivered: counts.delivered, failed: counts.failed, expired: counts.expired, unknown: counts.unknown, cancelled: counts.cancelled });
    expect(send.uncertain).toBe(counts.uncertain);
    // Nothing lost: the gateway got every number.
    expect(numbersReceived(simulator)).toBe(messages);

    // Never twice what the console knew was submitted; what went twice is marked uncertain.
    const twice = numbersReceivedTwice(simulator);
    expect(twice.filter((phone) => recordedBefore.has(phone))).toEqual([]);
    for (const phone of twice) expect(byNumber.get(phone), `the message to ${phone}, received twice`).toMatchObject({ uncertain: true });
    // Only what the dead process held can go twice: its claims, taken back as uncertain; and of
    // those at most its windows, since a window place is freed only once the outcome is kept.
    expect(twice.filter((phone) => !inFlightAtKill.has(phone))).toEqual([]);
    expect(twice.length, "numbers received twice, against connections × the window").toBeLessThanOrEqual(connections * WINDOW);
    // The handoff log named every claim that may have left (the others went back to the queue as
    // certainly unsent, so one of them received twice would be a copy nobody marked), and no more
    // than the windows and the window's worth logged ahead of them.
    expect(twice.filter((phone) => !handedOffAtKill.has(phone))).toEqual([]);
    expect(handedOffAtKill.size, "claims in the handoff log at the kill").toBeLessThanOrEqual(3 * connections * WINDOW);

    // Every report applied as the gateway gave it, those it kept while the process was dead
    // included: a report is acknowledged only once it is kept in the database (receipt_inbox), so
    // the gateway sends again whatever the killed process had not kept, and what it had kept is
    // applied by the restarted one. Nothing ends unknown.
    const reported = reportedOutcomes(gateway);
    expect(reported.delivered + reported.failed).toBe(messages);
    expect({ expired: counts.expired, unknown: counts.unknown }).toEqual({ expired: 0, unknown: 0 });
    const wrong: string[] = [];
    for (const [phone, message] of byNumber) {
      const expected = gateway.statOf(phone) === "DELIVRD" ? "delivered" : "failed";
      if (message.status !== expected) wrong.push(`${phone}: ${message.status} ${message.errorCode ?? ""}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(simulator.peakConnectionCount()).toBeLessThanOrEqual(connections);

    return {
      messages,
      connections,
      inFlightAtKill: inFlightAtKill.size,
      handedOffAtKill: handedOffAtKill.size,
      windowBound: connections * WINDOW,
      acceptedUnrecordedAtKill: acceptedAtKill - recordedBefore.size,
      duplicates: twice.length,
      uncertain: counts.uncertain,
      reportsLost: counts.unknown,
      recoverySeconds: (doneAt - restartAt) / 1000,
      restartSeconds,
      totalSeconds: (doneAt - startedAt) / 1000,
    };
  } finally {
    for (const p of processes) if (p.running) await p.kill();
    await simulator.close();
  }
}
