/**
 * The streamed export for bench:dashboard, in its own process so its peak resident memory is the
 * exporter's alone: every message of the database named by BENCH_DATABASE_URL as BENCH_FORMAT
 * (csv or xlsx) into a sink that counts the bytes and drops them (a client reading at full speed).
 */
import { Writable } from "node:stream";
import { openDatabase } from "@/lib/db/client";
import { writeMessagesExport } from "@/lib/messages/export/write-messages-export";
import { messageListFilterFields } from "@/lib/messages/list/message-list-filter";

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL!;
  const format = process.env.BENCH_FORMAT === "xlsx" ? "xlsx" : "csv";
  const handle = await openDatabase({ databaseUrl, maxConnections: 2 });
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  let sampled = process.memoryUsage().rss;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const result = await writeMessagesExport(handle.db, messageListFilterFields.parse({}), format, sink);
  const seconds = (performance.now() - started) / 1000;
  // On a shared machine the wall time depends on the neighbours; this process's CPU time does not.
  const cpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampler);
  await handle.close();
  console.log(
    JSON.stringify({
      rows: result.rows,
      bytes,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      sampledPeakRssMb: Math.round(sampled / 1024 / 1024),
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
