import { sql } from "drizzle-orm";
import { unnestRows } from "@/lib/db/array-literal";
import type { Db } from "@/lib/db/client";
import { logger } from "@/lib/util/logger";
import { applyTransitions, recordMessageEvents, type MessageTransition } from "../message-state";
import { applyKeptReceiptsIn, keepReceipts, type KeptReceipt } from "../receipt-inbox";
import { matchUnmatchedReceiptsIn, type ProviderReceipt } from "../receipts";

/**
 * What a channel's transport learnt, written to the database in batches: submit outcomes by one
 * serial writer, receipts by another, each batch one transaction of a fixed handful of statements
 * whatever its size. Two writers, so receipts (half the writes) do not queue behind outcomes. A
 * receipt whose outcome is not written yet waits in unmatched_receipts: the outcome's own
 * transaction applies it, or, when the two transactions crossed, the dispatcher's sweep
 * (applyWaitingReceipts) does a few seconds later.
 */
export interface RecordedSegment {
  messageId: string;
  part: number;
  phone: string;
  providerMessageId: string;
}

export interface SubmitOutcome {
  /** null for a SUBMIT_RESP that came after its message's outcome was decided (see recordLateSegment). */
  transition: MessageTransition | null;
  /** The parts the provider accepted, with its ids (a submitted message). */
  segments?: RecordedSegment[];
}

export interface OutcomeRecorder {
  recordOutcome(outcome: SubmitOutcome): void;
  /**
   * A SUBMIT_RESP that came after the engine stopped waiting for it: its part is recorded (unless
   * the part was recorded since, from a resend) so a later report finds the message, and the
   * timeline says so. The message's state is not changed.
   */
  recordLateSegment(segment: RecordedSegment): void;
  /**
   * Resolves once the receipt is kept in the database (receipt_inbox; it is applied right after):
   * the CMPP lane acknowledges the report's DELIVER only then, so a process killed with receipts
   * not yet kept leaves them with the gateway, which sends them again.
   */
  recordReceipt(receipt: ProviderReceipt): Promise<void>;
  /** Outcomes and receipts not yet written. */
  readonly pending: number;
  /** Writes everything recorded so far; resolves when it is in the database. */
  flush(): Promise<void>;
  /** Flushes and stops. */
  close(): Promise<void>;
}

export interface OutcomeRecorderOptions {
  db: Db;
  channelId: string;
  /** The dispatcher's lease id: transitions from `submitting` are applied only while it holds the claim. */
  owner: string;
  maxBatch?: number;
  maxWaitMs?: number;
}

interface SerialWriter<T> {
  /** Resolves once the item's batch is written. */
  add(item: T): Promise<void>;
  readonly pending: number;
  flush(): Promise<void>;
}

/**
 * Items written in batches, one batch at a time: a batch closes at `maxBatch` items or `maxWaitMs`
 * after its first, and while one is being written the next fills up. A batch that fails goes back
 * to the front and is tried again: nothing recorded is dropped.
 */
function serialWriter<T>(what: string, channelId: string, maxBatch: number, maxWaitMs: number, write: (batch: T[]) => Promise<void>): SerialWriter<T> {
  let items: Array<{ item: T; written: () => void }> = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const writeNext = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (writing) return writing;
    const batch = items.splice(0, maxBatch);
    if (batch.length === 0) return Promise.resolve();
    writing = write(batch.map((entry) => entry.item))
      .then(() => {
        for (const entry of batch) entry.written();
      })
      .catch((error: unknown) => {
        logger.error(`writing ${what} failed; retrying`, { channelId, error });
        items = [...batch, ...items];
        return new Promise<void>((resolve) => setTimeout(resolve, 500));
      })
      .finally(() => {
        writing = null;
        schedule();
      });
    return writing;
  };
  const schedule = () => {
    if (writing || timer || items.length === 0) return;
    if (items.length >= maxBatch) void writeNext();
    else timer = setTimeout(() => void writeNext(), maxWaitMs);
  };
  return {
    add(item) {
      return new Promise<void>((written) => {
        items.push({ item, written });
        schedule();
      });
    },
    get pending() {
      return items.length + (writing ? 1 : 0);
    },
    async flush() {
      while (writing || items.length > 0) await writeNext();
    },
  };
}

/**
 * How long a receipt waits for others to share its keeping statement. Short: its DELIVER_RESP waits
 * for the statement, and a gateway lets only a few reports (16 here) go unanswered per connection.
 */
const KEEP_WAIT_MS = 2;

export function createOutcomeRecorder(options: OutcomeRecorderOptions): OutcomeRecorder {
  const maxBatch = options.maxBatch ?? 2_000;
  const maxWaitMs = options.maxWaitMs ?? 20;
  const outcomes = serialWriter<SubmitOutcome>("submit outcomes", options.channelId, maxBatch, maxWaitMs, async (batch) => {
    let lost = 0;
    await options.db.transaction(async (tx) => {
      const changes = batch.flatMap((o) => (o.transition ? [o.transition] : []));
      const applied = await applyTransitions(tx, changes, { owner: options.owner });
      lost = changes.length - applied.length;
      const moved = new Set(applied.map((a) => a.id));
      const segments = batch.flatMap((o) => (o.transition && moved.has(o.transition.id.toString()) ? (o.segments ?? []) : []));
      const late = batch.flatMap((o) => (o.transition ? [] : (o.segments ?? [])));
      if (segments.length > 0) await insertSegments(tx, options.channelId, segments, "replace");
      if (late.length > 0) {
        await insertSegments(tx, options.channelId, late, "keep");
        await recordMessageEvents(tx, late.map((l) => ({ messageId: l.messageId, kind: "late_submit_resp", part: l.part, code: "0", raw: { msgId: l.providerMessageId } })));
      }
      const ids = [...segments, ...late].map((s) => s.providerMessageId);
      if (ids.length > 0) await matchUnmatchedReceiptsIn(tx, options.channelId, ids);
    });
    // Another dispatcher took these claims back (this one's lease lapsed): their outcome is its now.
    if (lost > 0) logger.warn("submit outcomes not recorded: the claims were taken back", { channelId: options.channelId, lost });
  });
  // A receipt is first kept (the gateway's answer waits for that: receipt-inbox.ts), then applied,
  // by two writers, so the answers never queue behind the applying, which contends with every
  // other process on the channel's messages and counters.
  const applying = serialWriter<KeptReceipt>("receipts", options.channelId, maxBatch, maxWaitMs, async (batch) => {
    await options.db.transaction((tx) => applyKeptReceiptsIn(tx, batch));
  });
  const keeping = serialWriter<ProviderReceipt>("receipts to keep", options.channelId, maxBatch, KEEP_WAIT_MS, async (batch) => {
    for (const kept of await keepReceipts(options.db, batch)) void applying.add(kept);
  });

  return {
    recordOutcome: (outcome) => void outcomes.add(outcome),
    recordLateSegment: (segment) => void outcomes.add({ transition: null, segments: [segment] }),
    recordReceipt: (receipt) => keeping.add(receipt),
    get pending() {
      return outcomes.pending + keeping.pending + applying.pending;
    },
    async flush() {
      // Kept receipts join the applying writer when their batch is written: keep, then apply.
      await Promise.all([outcomes.flush(), keeping.flush().then(() => applying.flush())]);
    },
    async close() {
      await this.flush();
    },
  };
}

/**
 * A message sent again (after an uncertain attempt) keeps its part numbers with the new ids
 * ("replace"); a late answer never overwrites a part recorded since ("keep").
 */
async function insertSegments(tx: Db, channelId: string, segments: RecordedSegment[], onConflict: "replace" | "keep"): Promise<void> {
  await tx.execute(sql`insert into message_segments (message_id, part, channel_id, phone, provider_message_id)
    select message_id, part, ${channelId}::uuid, phone, provider_message_id
      from ${unnestRows(segments, "v", [
        ["message_id", "bigint", (s) => s.messageId],
        ["part", "integer", (s) => s.part],
        ["phone", "text", (s) => s.phone],
        ["provider_message_id", "text", (s) => s.providerMessageId],
      ])}
    on conflict (message_id, part) ${
      onConflict === "replace"
        ? sql`do update set provider_message_id = excluded.provider_message_id, status = 'submitted', code = null, category = null, done_at = null`
        : sql`do nothing`
    }`);
}
