import { eq, sql } from "drizzle-orm";
import { actorLabel, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit";
import type { Db } from "@/lib/db/client";
import { sends } from "@/lib/db/schema";
import { isAscii } from "@/lib/sender/cmpp";
import { ConflictError, DomainError, ValidationError } from "@/lib/util/errors";
import { wakeSendPreparers } from "./send-wake";
import {
  MAX_REPORTED_REJECTED,
  countEveryone,
  countWithoutNumber,
  parseSendRequest,
  requestHash,
  resolveSendRequest,
  type RejectedRecipient,
} from "./send-request";
import { countCharacters } from "./send-schema";

/**
 * Creating a send, and its preview. A request is judged and stored as one `sends` row in the
 * "preparing" state, and answered at once: turning its audience into messages (up to a million)
 * is the preparer's work, in the background (send-preparer.ts).
 *
 * Idempotency: the key is the row's unique key, and the request's hash is stored beside it. The
 * same key with the same request answers the first send again; with another request, 409. Two
 * requests with the same key at the same moment make one send: the insert does nothing on a
 * conflict, and the loser reads the winner's row.
 */
export interface SendAccepted {
  sendId: string;
  /** Recipients taken: listed ones after screening, or the users with a number for "everyone". */
  accepted: number;
  /** The first 10,000 inputs refused, in the order given. */
  rejected: RejectedRecipient[];
  rejectedCount: number;
}

export class IdempotencyKeyReusedError extends ConflictError {
  constructor() {
    super("idempotency_key_reused", "This idempotencyKey was used for another request: use a new key for a new send, or repeat the first request exactly.");
  }
}

/** The first answer for an idempotency key, or null when the key is new. */
async function answerForKey(db: Db, key: string, hash: string): Promise<SendAccepted | null> {
  const [row] = await db
    .select({
      id: sends.id,
      requestHash: sends.requestHash,
      audienceSize: sends.audienceSize,
      rejected: sends.rejected,
      // The audience (maybe a million values) is read only when the stored list may have been cut.
      rejectedCount: sql<number>`case when jsonb_array_length(${sends.rejected}) >= ${MAX_REPORTED_REJECTED}::int
        then coalesce((${sends.audience}->>'rejectedCount')::int, jsonb_array_length(${sends.rejected}))
        else jsonb_array_length(${sends.rejected}) end`,
    })
    .from(sends)
    .where(eq(sends.idempotencyKey, key));
  if (!row) return null;
  if (row.requestHash !== hash) throw new IdempotencyKeyReusedError();
  return { sendId: row.id, accepted: row.audienceSize, rejected: row.rejected as RejectedRecipient[], rejectedCount: Number(row.rejectedCount) };
}

export async function createSend(db: Db, actor: Actor, input: unknown): Promise<SendAccepted> {
  const request = parseSendRequest(input);
  const hash = requestHash(request);
  const key = request.idempotencyKey;
  if (key !== undefined) {
    const earlier = await answerForKey(db, key, hash);
    if (earlier) return earlier;
  }
  const resolved = await resolveSendRequest(db, request);
  const { audience } = resolved;
  const audienceSize = audience.kind === "everyone" ? await countEveryone(db, resolved.channel.channelKey) : audience.values.length;
  if (audienceSize === 0) {
    if (audience.kind === "everyone") {
      throw new DomainError("audience_empty", 422, `No user has a number for the channel "${resolved.channel.channelKey}" (nor an "all" number): there is no one to send to.`);
    }
    throw new ValidationError("None of the listed recipients can be sent to; see the details.", resolved.rejectedDetails, "no_recipients");
  }

  const inserted = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(sends)
      .values({
        channelId: resolved.channel.id,
        createdBy: actorLabel(actor),
        idempotencyKey: key ?? null,
        requestHash: hash,
        status: "preparing",
        content: resolved.content,
        audience: { ...audience, rejectedCount: resolved.rejectedCount },
        audienceSize,
        rejected: resolved.rejected,
        segmentsPerMessage: resolved.segmentsPerMessage,
      })
      .onConflictDoNothing({ target: sends.idempotencyKey })
      .returning({ id: sends.id });
    if (row) {
      await recordAudit(tx, actor, "send.create", row.id, {
        channelKey: resolved.channel.channelKey,
        audience: audience.kind,
        recipients: audienceSize,
        rejected: resolved.rejectedCount,
        ...(key !== undefined ? { idempotencyKey: key } : {}),
      });
    }
    return row;
  });
  if (!inserted) {
    // Another request with this key committed first (the insert waited for it): answer its send.
    const earlier = await answerForKey(db, key!, hash);
    if (earlier) return earlier;
    throw new Error(`send with idempotency key ${key} conflicted but cannot be read`);
  }
  wakeSendPreparers("prepare");
  return { sendId: inserted.id, accepted: audienceSize, rejected: resolved.rejected, rejectedCount: resolved.rejectedCount };
}

export interface SendPreview {
  /** Recipients a send would take (listed ones after screening, or everyone with a number). */
  recipients: number;
  /** Of those, userids with no number for the channel: their messages would be made failed. */
  withoutNumber: number;
  rejected: RejectedRecipient[];
  rejectedCount: number;
  /** The text as sent, the default signature in front where it applies; null for a template. */
  text: string | null;
  characters: number;
  encoding: "ASCII" | "UCS2" | null;
  segmentsPerMessage: number;
  /** SMS the send costs: segments per message for every recipient that has a number. */
  segmentsTotal: number;
}

/**
 * What a send would do, judged as POST /api/v1/messages judges it (the idempotency key is
 * ignored), without storing anything. A list whose every entry is refused previews as 0
 * recipients, with the reasons, rather than as an error.
 */
export async function previewSend(db: Db, input: unknown): Promise<SendPreview> {
  const request = parseSendRequest(input);
  const resolved = await resolveSendRequest(db, request);
  const { audience, channel, text } = resolved;
  const recipients = audience.kind === "everyone" ? await countEveryone(db, channel.channelKey) : audience.values.length;
  const withoutNumber = audience.kind === "userids" ? await countWithoutNumber(db, channel.channelKey, audience.values) : 0;
  return {
    recipients,
    withoutNumber,
    rejected: resolved.rejected,
    rejectedCount: resolved.rejectedCount,
    text,
    characters: text === null ? 0 : countCharacters(text),
    encoding: text === null ? null : isAscii(text) ? "ASCII" : "UCS2",
    segmentsPerMessage: resolved.segmentsPerMessage,
    segmentsTotal: (recipients - withoutNumber) * resolved.segmentsPerMessage,
  };
}
