import { spawn } from "node:child_process";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { hostProcessPrefix, thisHostProcess } from "@/lib/util/host-process";
import { pidOfEndedProcess } from "@/lib/util/testing/ended-process";
import { endLeasesOfGoneProcesses, reclaimLapsedWorkers } from "./worker-lease";

/**
 * A console restarted after a crash ends its dead predecessor's lease at once (same kernel, its
 * process gone) and takes its work back, instead of waiting for the lease to lapse; leases of
 * processes it cannot judge, or that still run, are left alone.
 */

describeEachDb("dispatcher leases of processes that are gone", (t) => {
  it("ends only the lease of a process that certainly ended on this kernel, and the reclaim takes it back", async () => {
    if (thisHostProcess() === null) return;
    const prefix = hostProcessPrefix()!;
    const running = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    const ended = pidOfEndedProcess();
    const leases = {
      [`gone:${t.kind}`]: `${prefix}${ended}`,
      [`running:${t.kind}`]: `${prefix}${running.pid}`,
      [`elsewhere:${t.kind}`]: `00000000-0000-0000-0000-000000000000/1/${ended}`,
      [`this:${t.kind}`]: thisHostProcess(),
      [`unknown:${t.kind}`]: null,
    };
    try {
      for (const [id, hostProcess] of Object.entries(leases)) {
        await t.db.execute(sql`insert into dispatcher_workers (id, kind, lease_until, host_process)
          values (${id}, 'worker', now() + interval '1 minute', ${hostProcess})`);
      }
      expect(await endLeasesOfGoneProcesses(t.db)).toBe(1);
      const taken = await reclaimLapsedWorkers(t.db);
      expect(taken.workers).toBe(1);
      const left = await executeRows<{ id: string }>(t.db, sql`select id from dispatcher_workers where id like ${`%:${t.kind}`} order by id`);
      expect(left.map((r) => r.id)).toEqual([`elsewhere:${t.kind}`, `running:${t.kind}`, `this:${t.kind}`, `unknown:${t.kind}`]);
    } finally {
      running.kill();
      await t.db.execute(sql`delete from dispatcher_workers where id like ${`%:${t.kind}`}`);
    }
  });
});
