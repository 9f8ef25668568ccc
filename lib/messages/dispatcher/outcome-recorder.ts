import { sql } from "drizzle-orm";
import { unnestRows } from "@/lib/db/array-literal";
import type { Db } from "@/lib/db/client";
import { logger } from "@/lib/util/logger";
import { applyTransitions, type MessageTransition } from "../message-state";
import { applyReceiptsIn, matchUnmatchedReceiptsIn, type ProviderReceipt } from "../receipts";

/**
 * What a channel's transport learnt, written to the database in batches by one serial writer per
 * lane: submit outcomes first, then receipts, each flush one transaction of a fixed handful of
 * statements whatever the batch size. Serial, so a receipt is written after the submit outcome it
 * follows whenever both are known; when it still comes first (another connection, another
 * process), it waits in unmatched_receipts and is applied by the outcome's own transaction.
 */
export interface RecordedSegment {
  messageId: string;
  part: number;
  phone: string;
  providerMessageId: string;
}

export interface SubmitOutcome {
  transition: MessageTransition;
  /** The parts the provider accepted, with its ids (a submitted message). */
  segments?: RecordedSegment[];
}

export interface OutcomeRecorder {
  recordOutcome(outcome: SubmitOutcome): void;
  recordReceipt(receipt: ProviderReceipt): void;
  /** Outcomes and receipts not yet written. */
  readonly pending: number;
  /** Writes everything recorded so far; resolves when it is in the database. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

export interface OutcomeRecorderOptions {
  db: Db;
  channelId: string;
  /** The dispatcher's lease id: transitions from `submitting` are applied only while it holds the claim. */
  owner: string;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Called after each written batch (tests, metrics). */
  onWritten?: (written: { outcomes: number; receipts: number; lost: number }) => void;
}

export function createOutcomeRecorder(options: OutcomeRecorderOptions): OutcomeRecorder {
  const maxBatch = options.maxBatch ?? 2_000;
  const maxWaitMs = options.maxWaitMs ?? 20;
  let outcomes: SubmitOutcome[] = [];
  let receipts: ProviderReceipt[] = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const schedule = () => {
    if (closed || writing || timer) return;
    if (outcomes.length + receipts.length === 0) return;
    if (outcomes.length >= maxBatch || receipts.length >= maxBatch) void writeNext();
    else timer = setTimeout(() => {
      timer = null;
      void writeNext();
    }, maxWaitMs);
  };

  const writeNext = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (writing) return writing;
    const batchOutcomes = outcomes.splice(0, maxBatch);
    const batchReceipts = receipts.splice(0, maxBatch);
    if (batchOutcomes.length + batchReceipts.length === 0) return Promise.resolve();
    writing = write(batchOutcomes, batchReceipts)
      .catch((error: unknown) => {
        // Nothing is dropped: the batch goes back to the front and is tried again.
        logger.error("writing submit outcomes and receipts failed; retrying", { channelId: options.channelId, error });
        outcomes = [...batchOutcomes, ...outcomes];
        receipts = [...batchReceipts, ...receipts];
        return new Promise<void>((resolve) => setTimeout(resolve, 500));
      })
      .finally(() => {
        writing = null;
        schedule();
      });
    return writing;
  };

  const write = async (batchOutcomes: SubmitOutcome[], batchReceipts: ProviderReceipt[]) => {
    let lost = 0;
    await options.db.transaction(async (tx) => {
      if (batchOutcomes.length > 0) {
        const applied = await applyTransitions(tx, batchOutcomes.map((o) => o.transition), { owner: options.owner });
        lost = batchOutcomes.length - applied.length;
        const moved = new Set(applied.map((a) => a.id));
        const segments = batchOutcomes.flatMap((o) => (moved.has(o.transition.id.toString()) ? (o.segments ?? []) : []));
        if (segments.length > 0) {
          await insertSegments(tx, options.channelId, segments);
          await matchUnmatchedReceiptsIn(tx, options.channelId, segments.map((s) => s.providerMessageId));
        }
      }
      if (batchReceipts.length > 0) await applyReceiptsIn(tx, batchReceipts);
    });
    if (lost > 0) {
      // Another dispatcher took these claims back (this one's lease lapsed): their outcome is its now.
      logger.warn("submit outcomes not recorded: the claims were taken back", { channelId: options.channelId, lost });
    }
    options.onWritten?.({ outcomes: batchOutcomes.length, receipts: batchReceipts.length, lost });
  };

  return {
    recordOutcome(outcome) {
      outcomes.push(outcome);
      schedule();
    },
    recordReceipt(receipt) {
      receipts.push(receipt);
      schedule();
    },
    get pending() {
      return outcomes.length + receipts.length;
    },
    async flush() {
      while (writing || outcomes.length + receipts.length > 0) await writeNext();
    },
    async close() {
      await this.flush();
      closed = true;
    },
  };
}

/** A message sent again (after an uncertain attempt) keeps its part numbers with the new ids. */
async function insertSegments(tx: Db, channelId: string, segments: RecordedSegment[]): Promise<void> {
  await tx.execute(sql`insert into message_segments (message_id, part, channel_id, phone, provider_message_id)
    select message_id, part, ${channelId}::uuid, phone, provider_message_id
      from ${unnestRows(segments, "v", [
        ["message_id", "bigint", (s) => s.messageId],
        ["part", "integer", (s) => s.part],
        ["phone", "text", (s) => s.phone],
        ["provider_message_id", "text", (s) => s.providerMessageId],
      ])}
    on conflict (message_id, part) do update
      set provider_message_id = excluded.provider_message_id, status = 'submitted', code = null, category = null, done_at = null`);
}
