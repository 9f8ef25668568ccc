import type { Db } from "@/lib/db/client";
import { logger } from "@/lib/util/logger";
import { applyKeptReceiptsIn, keepReceipts, type KeptReceipt } from "../receipt-inbox";
import type { ProviderReceipt } from "../receipts";
import { applyKeptOutcomesIn, keepOutcomes, type KeptOutcome } from "./outcome-inbox";
import type { RecordedSegment, SubmitOutcome } from "./submit-outcomes";
import { inTransaction } from "@/lib/db/transaction";

export type { RecordedSegment, SubmitOutcome } from "./submit-outcomes";

/**
 * What a channel's transport learnt, written to the database in batches by serial writers, each
 * batch one transaction of a fixed handful of statements whatever its size: submit outcomes by one,
 * receipts by another, so receipts (half the writes) do not queue behind outcomes. A receipt whose
 * outcome is not written yet waits in unmatched_receipts: the outcome's own transaction applies it,
 * or, when the two transactions crossed, the dispatcher's sweep (applyWaitingReceipts) does a few
 * seconds later. Receipts, and with `keepOutcomes` submit outcomes, are first kept by a cheap
 * insert that the caller waits for (receipt-inbox.ts, outcome-inbox.ts), then applied.
 */
export interface OutcomeRecorder {
  /**
   * Resolves once the outcome is in the database (kept, with `keepOutcomes`; else applied): the
   * CMPP lane frees the message's window place only then, so a process killed at any moment
   * leaves at most a window of messages the gateway may have taken without the console knowing
   * (lib/messages/dispatcher/cmpp-lane.ts).
   */
  recordOutcome(outcome: SubmitOutcome): Promise<void>;
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
  /**
   * Keep each outcome (outcome_inbox) before recordOutcome resolves, and apply it after: the CMPP
   * lane frees a window place on that promise, so it must be quick and crash-proof. Off for JSMS,
   * whose batch answer is written whole and bounds nothing.
   */
  keepOutcomes?: boolean;
  maxBatch?: number;
  maxWaitMs?: number;
  /**
   * True while work waits for outcomes to be kept (the CMPP lane's windows are full of answered
   * messages): the keeping writer then writes at once rather than after its short wait, and its
   * batches are whatever was answered while the previous one was being written.
   */
  hurry?: () => boolean;
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
function serialWriter<T>(
  what: string,
  channelId: string,
  maxBatch: number,
  maxWaitMs: number,
  write: (batch: T[]) => Promise<void>,
  hurry: () => boolean = () => false,
): SerialWriter<T> {
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
    if (items.length >= maxBatch || hurry()) void writeNext();
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
  const { db, channelId, owner } = options;
  const outcomes = serialWriter<{ kept?: KeptOutcome; direct?: SubmitOutcome }>("submit outcomes", channelId, maxBatch, maxWaitMs, async (batch) => {
    const kept = batch.flatMap((item) => (item.kept ? [item.kept] : []));
    const direct = batch.flatMap((item) => (item.direct ? [item.direct] : []));
    const { lost } = await inTransaction(db, (tx) => applyKeptOutcomesIn(tx, channelId, owner, kept, direct));
    // Another dispatcher took these claims back (this one's lease lapsed): their outcome is its now.
    if (lost > 0) logger.warn("submit outcomes not recorded: the claims were taken back", { channelId, lost });
  });
  const keepingOutcomes = serialWriter<SubmitOutcome>(
    "submit outcomes to keep",
    channelId,
    maxBatch,
    KEEP_WAIT_MS,
    async (batch) => {
      for (const kept of await keepOutcomes(db, channelId, owner, batch)) void outcomes.add({ kept });
    },
    options.hurry,
  );
  // A receipt is first kept (the gateway's answer waits for that: receipt-inbox.ts), then applied,
  // by two writers, so the answers never queue behind the applying, which contends with every
  // other process on the channel's messages and counters.
  const applying = serialWriter<KeptReceipt>("receipts", channelId, maxBatch, maxWaitMs, async (batch) => {
    await inTransaction(db, (tx) => applyKeptReceiptsIn(tx, batch));
  });
  const keeping = serialWriter<ProviderReceipt>("receipts to keep", channelId, maxBatch, KEEP_WAIT_MS, async (batch) => {
    for (const kept of await keepReceipts(db, batch)) void applying.add(kept);
  });

  return {
    recordOutcome: (outcome) => (options.keepOutcomes ? keepingOutcomes.add(outcome) : outcomes.add({ direct: outcome })),
    recordLateSegment: (segment) => void outcomes.add({ direct: { transition: null, segments: [segment] } }),
    recordReceipt: (receipt) => keeping.add(receipt),
    get pending() {
      return keepingOutcomes.pending + outcomes.pending + keeping.pending + applying.pending;
    },
    async flush() {
      // Kept items join their applying writer when their batch is written: keep, then apply.
      await Promise.all([keepingOutcomes.flush().then(() => outcomes.flush()), keeping.flush().then(() => applying.flush())]);
    },
    async close() {
      await this.flush();
    },
  };
}

