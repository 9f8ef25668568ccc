import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { consoleApi } from "./harness/console-api";
import { ensureConsoleBuild } from "./harness/console-process";
import { createDeployment, type Deployment } from "./harness/deployment";
import { GATEWAY_ACCOUNT, phoneOf, reportedOutcomes, startTestGateway } from "./harness/gateway";
import { messageStateCounts, numbersReceived, numbersReceivedTwice, waitUntil } from "./harness/send-audit";
import { FIXED_PORTS } from "./testing/fixed-ports";

/**
 * Scale-out as README "Sending" offers it: two web processes and two `npm run worker` processes,
 * each with its own dispatcher, on one PostgreSQL, sending one CMPP send. What the carrier and the
 * operator check: no number submitted twice, never more logged-in connections than the channel's
 * setting (the gateway counts them at every login), and the dashboard's counts (the overview and
 * the send's counters) equal a count(*) over the messages. PostgreSQL only: the embedded database
 * is one process by design.
 */
const serverUrl = process.env.DATABASE_URL;
const MESSAGES = 100_000;
const CONNECTIONS = 4;

describe.skipIf(!serverUrl)("two web processes and two workers on one PostgreSQL", () => {
  let deployment: Deployment;
  beforeAll(async () => {
    await ensureConsoleBuild();
    deployment = await createDeployment({ kind: "postgres", serverUrl, name: "scale-out" });
  });
  afterAll(async () => {
    await deployment?.destroy();
  });

  it(`send ${MESSAGES.toLocaleString("en")} over ${CONNECTIONS} connections: each number once, the limit held, the counts equal count(*)`, async () => {
    // The account allows more logins than the channel's setting, so a breach would show in the peak.
    const gateway = await startTestGateway({ maxConnections: CONNECTIONS * 2, reportDelayMs: 200 });
    const { simulator } = gateway;
    try {
      const credentials = await deployment.createApiKey("admin");
      const webs = [await deployment.start("web", "web-1", { port: FIXED_PORTS.scaleOutWeb1 }), await deployment.start("web", "web-2", { port: FIXED_PORTS.scaleOutWeb2 })];
      const processes = [...webs, await deployment.start("worker", "worker-1"), await deployment.start("worker", "worker-2")];
      const [first, second] = webs.map((w) => consoleApi(w.url!, credentials));
      // Every dispatcher counts the others (a fair share of the slots each) before the send comes.
      const liveDispatchers = () =>
        deployment.read(async (db) => (await executeRows<{ n: number }>(db, sql`select count(*)::int as n from dispatcher_workers where lease_until >= now()`))[0]?.n ?? 0);
      await waitUntil("four dispatchers", async () => (await liveDispatchers()) === 4, { timeoutMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 6_000));

      const channelKey = await first!.createCmppChannel({ name: "scale-out", port: simulator.port, ...GATEWAY_ACCOUNT, connections: CONNECTIONS });
      await second!.upsertUsers("s", MESSAGES, (i) => phoneOf(51, i));
      const startedAt = Date.now();
      const { sendId, accepted } = await first!.sendToEveryone(channelKey, "Scale-out notice", "scale-out-1");
      expect(accepted).toBe(MESSAGES);
      await waitUntil("the send to finish", async () => (await second!.getSend(sendId)).status === "done", {
        timeoutMs: 4 * 60_000,
        everyMs: 500,
        progress: async () => `send ${JSON.stringify((await second!.getSend(sendId)).counts)}; gateway accepted ${simulator.stats.submitsAccepted}`,
      });
      const seconds = (Date.now() - startedAt) / 1000;

      const counts = await deployment.read((db) => messageStateCounts(db, sendId));
      const send = await first!.getSend(sendId);
      const overview = await second!.overview();
      const twice = numbersReceivedTwice(simulator);
      const byConnection = Object.values(simulator.stats.submitsByConnection);
      console.log(
        `[figure] scale-out: ${MESSAGES} messages, 2 web + 2 workers, ${CONNECTIONS} connections: send → done ${seconds.toFixed(1)} s ` +
          `(${Math.round(MESSAGES / seconds)} messages/s); peak connections ${simulator.peakConnectionCount()}; received twice ${twice.length}; ` +
          `logins ${simulator.stats.loginsAccepted} accepted, ${simulator.stats.loginStatuses[5] ?? 0} refused for the limit; SUBMITs per connection ${JSON.stringify(byConnection)}`,
      );

      expect(counts.total).toBe(MESSAGES);
      expect(twice).toEqual([]);
      expect(numbersReceived(simulator)).toBe(MESSAGES);
      expect(simulator.peakConnectionCount()).toBeLessThanOrEqual(CONNECTIONS);
      expect(simulator.stats.loginStatuses[5] ?? 0).toBe(0);
      const reported = reportedOutcomes(gateway);
      expect({ delivered: counts.delivered, failed: counts.failed }).toEqual(reported);
      // The dashboard reads counters kept beside the rows; they must say what count(*) says.
      expect(send.counts).toEqual({ queued: 0, submitting: 0, submitted: 0, delivered: counts.delivered, failed: counts.failed, expired: 0, unknown: 0, cancelled: 0 });
      expect(overview.totals).toMatchObject({ sent: MESSAGES, delivered: counts.delivered, failed: counts.failed, queued: 0, submitting: 0, submitted: 0, unknown: 0 });
      const row = overview.channels.find((c) => c.channelKey === channelKey);
      expect(row).toMatchObject({ sent: MESSAGES, delivered: counts.delivered, failed: counts.failed });
      // More than one process sent: the connections were shared out, not held by one.
      const sending = processes.filter((p) => p.log().includes("CMPP channel opened")).map((p) => p.name);
      console.log(`[figure] scale-out: processes that opened the channel: ${sending.join(", ")}`);
      expect(sending.length).toBeGreaterThan(1);
    } finally {
      await simulator.close();
    }
  });
});
