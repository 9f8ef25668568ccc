import crypto from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { applyDefaultSignature, sendSettingsOf } from "@/lib/channels/send-settings";
import { normalizePhone } from "@/lib/contacts/phone";
import { validateUserid } from "@/lib/contacts/import/userid";
import { executeRows, type Db } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { countSegments } from "@/lib/sender/cmpp";
import { DomainError, NotFoundError, ValidationError, type ErrorDetail } from "@/lib/util/errors";
import { issuesToDetails } from "@/lib/util/zod";
import { audienceKindOf, sendRequestSchema, type SendRequest } from "./send-schema";

/**
 * A send request as the server judges it, shared by POST /api/v1/messages and its preview: the
 * channel (it must exist and be enabled, and take the kind of content given), the content as it
 * will be sent (the channel's default signature applied), and the recipients screened: each
 * listed userid or phone is either kept (normalised, first occurrence only) or refused with its
 * reason. A userid without a number for the channel is kept: its message is made failed.
 */
export interface SendChannel {
  id: string;
  channelKey: string;
  name: string;
  type: "jsms" | "cmpp";
  config: Record<string, unknown>;
}

export type SendContent = { text: string } | { template: { id: number; params: Record<string, string>; signId: number | null } };

export type SendAudience = { kind: "userids" | "phones"; values: string[] } | { kind: "everyone" };

export type RejectionCode = "invalid_userid" | "invalid_phone" | "duplicate";

/** An input refused outright; `reason` is a readable sentence, `code` says which rule refused it. */
export interface RejectedRecipient {
  recipient: string;
  reason: string;
  code: RejectionCode;
}

export interface ResolvedSend {
  channel: SendChannel;
  content: SendContent;
  /** The text as sent (CMPP), null for a template. */
  text: string | null;
  segmentsPerMessage: number;
  audience: SendAudience;
  /** The first MAX_REPORTED_REJECTED refused inputs, in the order given. */
  rejected: RejectedRecipient[];
  rejectedCount: number;
  /** Details naming the first refused inputs by position (`phones.3`), for an answer that refuses the whole list. */
  rejectedDetails: ErrorDetail[];
}

/** Refused inputs kept and answered; the count beyond stays exact. */
export const MAX_REPORTED_REJECTED = 10_000;
/** A refused input is quoted at most this long (a 10,000-character "userid" is not echoed whole). */
const MAX_QUOTED_RECIPIENT = 200;
const MAX_DETAILS = 100;

/**
 * Codes for a request refused for one reason only, which callers may want to tell apart from a
 * generally malformed body (the compose form says "shorten the text" rather than "check the form").
 */
const SINGLE_ISSUE_CODES: Record<string, string> = {
  "errors.text_too_long": "text_too_long",
  "errors.too_many_recipients": "too_many_recipients",
};

/** The body parsed with the shared schema; 400 with one detail per wrong field (at most 100). */
export function parseSendRequest(input: unknown): SendRequest {
  const result = sendRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error);
  const codes = new Set(details.map((d) => SINGLE_ISSUE_CODES[d.message] ?? "invalid_input"));
  const code = codes.size === 1 ? [...codes][0]! : "invalid_input";
  const message =
    code === "text_too_long"
      ? "The text is too long; shorten it."
      : code === "too_many_recipients"
        ? "Too many recipients in one send; split the list."
        : "Some fields are not valid.";
  throw new ValidationError(message, details.slice(0, MAX_DETAILS), code);
}

/** Object keys sorted at every level, so equal requests hash equally whatever order their keys came in. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    // A list of a million recipients is written natively, in one call.
    if (value.every((v) => v === null || typeof v !== "object")) return JSON.stringify(value);
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** SHA-256 of the request as parsed, idempotency key left out: what "the same request" means. */
export function requestHash(request: SendRequest): string {
  const { idempotencyKey: _key, ...rest } = request;
  return crypto.createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

function quoted(raw: string): string {
  return raw.length > MAX_QUOTED_RECIPIENT ? `${raw.slice(0, MAX_QUOTED_RECIPIENT)}…` : raw;
}

export interface ScreenedRecipients {
  values: string[];
  rejected: RejectedRecipient[];
  rejectedCount: number;
  rejectedDetails: ErrorDetail[];
}

/**
 * Userids are trimmed and checked by the import's rule (1–64 characters, no control
 * characters); phones are normalised (lib/contacts/phone.ts). A value met again, also as another
 * spelling of the same number, is refused as a duplicate: each recipient gets one message.
 */
export function screenRecipients(kind: "userids" | "phones", listed: readonly string[]): ScreenedRecipients {
  const values: string[] = [];
  const rejected: RejectedRecipient[] = [];
  const rejectedDetails: ErrorDetail[] = [];
  let rejectedCount = 0;
  const firstAt = new Map<string, number>();
  const refuse = (index: number, raw: string, reason: string, code: RejectionCode) => {
    rejectedCount++;
    if (rejected.length < MAX_REPORTED_REJECTED) rejected.push({ recipient: quoted(raw), reason, code });
    if (rejectedDetails.length < MAX_DETAILS) rejectedDetails.push({ path: `${kind}.${index}`, message: reason });
  };
  for (let index = 0; index < listed.length; index++) {
    const raw = listed[index]!;
    let value: string;
    if (kind === "userids") {
      const checked = validateUserid(raw);
      if (!checked.ok) {
        refuse(index, raw, checked.reason, "invalid_userid");
        continue;
      }
      value = checked.userid;
    } else {
      const checked = normalizePhone(raw);
      if (!checked.ok) {
        refuse(index, raw, checked.reason, "invalid_phone");
        continue;
      }
      value = checked.phone;
    }
    const first = firstAt.get(value);
    if (first !== undefined) {
      const what = kind === "userids" ? `The userid "${quoted(value)}"` : value === raw.trim() ? `The number ${value}` : `"${quoted(raw)}" (${value})`;
      refuse(index, raw, `${what} is listed already (at position ${first + 1}); it gets one message.`, "duplicate");
      continue;
    }
    firstAt.set(value, index);
    values.push(value);
  }
  return { values, rejected, rejectedCount, rejectedDetails };
}

async function findChannel(db: Db, channelKey: string): Promise<SendChannel & { enabled: boolean }> {
  const [row] = await db
    .select({ id: channels.id, channelKey: channels.channelKey, name: channels.name, type: channels.type, enabled: channels.enabled, config: channels.config })
    .from(channels)
    .where(eq(channels.channelKey, channelKey));
  if (!row) throw new NotFoundError("channel_not_found", `There is no channel "${channelKey}".`);
  return row;
}

export class ChannelDisabledError extends DomainError {
  constructor(channelKey: string) {
    super("channel_disabled", 422, `The channel "${channelKey}" is disabled; enable it before sending on it.`);
  }
}

/** The content as it will be sent, checked against the kind of channel. */
function contentFor(channel: SendChannel, request: SendRequest): { content: SendContent; text: string | null; segmentsPerMessage: number } {
  if (channel.type === "cmpp") {
    if (request.text === undefined) {
      throw new ValidationError("A CMPP channel sends text: give `text`, not `template`.", [{ path: "template", message: "errors.template_not_for_cmpp" }]);
    }
    const text = applyDefaultSignature(request.text, sendSettingsOf(channel).defaultSignature);
    return { content: { text }, text, segmentsPerMessage: countSegments(text) };
  }
  if (request.template === undefined) {
    throw new ValidationError("A JSMS channel sends a template: give `template`, not `text`.", [{ path: "text", message: "errors.text_not_for_jsms" }]);
  }
  const { id, params, signId } = request.template;
  return { content: { template: { id, params: params ?? {}, signId: signId ?? null } }, text: null, segmentsPerMessage: 1 };
}

/** Judges a parsed request: 404 unknown channel, 422 disabled channel, 400 content of the wrong kind. */
export async function resolveSendRequest(db: Db, request: SendRequest): Promise<ResolvedSend> {
  const channel = await findChannel(db, request.channelKey);
  if (!channel.enabled) throw new ChannelDisabledError(channel.channelKey);
  const { enabled: _enabled, ...sendChannel } = channel;
  const content = contentFor(sendChannel, request);
  const kind = audienceKindOf(request);
  if (kind === "everyone") {
    return { channel: sendChannel, ...content, audience: { kind }, rejected: [], rejectedCount: 0, rejectedDetails: [] };
  }
  const screened = screenRecipients(kind, (kind === "userids" ? request.userids : request.phones) ?? []);
  return {
    channel: sendChannel,
    ...content,
    audience: { kind, values: screened.values },
    rejected: screened.rejected,
    rejectedCount: screened.rejectedCount,
    rejectedDetails: screened.rejectedDetails,
  };
}

/**
 * Users who have a number for the channel: a binding to its key, or an `all` binding. One
 * index-ordered pass over the bindings (the primary key leads with userid).
 */
export async function countEveryone(db: Db, channelKey: string): Promise<number> {
  const [row] = await executeRows<{ n: number }>(
    db,
    sql`select count(distinct userid)::int as n from contact_phones where bind_id in (${channelKey}, 'all')`,
  );
  return row?.n ?? 0;
}

/** Of these userids, how many have no number for the channel (their messages would be made failed). */
export async function countWithoutNumber(db: Db, channelKey: string, userids: readonly string[]): Promise<number> {
  if (userids.length === 0) return 0;
  const [row] = await executeRows<{ n: number }>(
    db,
    sql`select count(*)::int as n
          from json_array_elements_text(${JSON.stringify(userids)}::json) as v(userid)
         where not exists (select 1 from contact_phones c where c.userid = v.userid and c.bind_id in (${channelKey}, 'all'))`,
  );
  return row?.n ?? 0;
}
