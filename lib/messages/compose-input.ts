/**
 * The compose form's input, turned into the body of POST /api/v1/messages (and …/preview). Runs
 * in the browser: no Node modules. The server checks everything again and is the authority on
 * which recipients it refuses; these rules only catch what a person can fix before asking.
 */
import { z } from "zod";
import { applyDefaultSignature } from "@/lib/channels/send-settings";
import type { ReasonParams } from "@/lib/i18n/reason";
import { MAX_TEXT_CHARACTERS, countCharacters } from "./send-schema";

export type ChannelType = "jsms" | "cmpp";
export type AudienceChoice = "userids" | "phones" | "file" | "everyone";
export const AUDIENCE_CHOICES: readonly AudienceChoice[] = ["userids", "phones", "file", "everyone"];

/** What POST /api/v1/messages/audience-file answers: one column of a .csv or .xlsx file. */
export interface AudienceFile {
  fileName: string;
  kind: "userids" | "phones";
  values: string[];
  /** The first refused rows; `rejectedCount` counts them all. */
  /** `reason` in English; `reasonKey` and `reasonParams` (lib/i18n/reason.ts) say it in the operator's language. */
  rejected: { row: number; value: string; reason: string; reasonKey?: string; reasonParams?: ReasonParams }[];
  rejectedCount: number;
}

export interface TemplateParamRow {
  key: string;
  value: string;
}

/** Every field of the form, for both channel types; the channel decides which ones count. */
export interface ComposeDraft {
  channelKey: string;
  text: string;
  templateId: string;
  signId: string;
  params: TemplateParamRow[];
  audience: AudienceChoice;
  userids: string;
  phones: string;
  file: AudienceFile | null;
}

/** What the form needs to know of the chosen channel. */
export interface ComposeChannel {
  type: ChannelType;
  /** A CMPP channel's 【…】 signature, "" for none. */
  defaultSignature: string;
}

export interface SendRequestBody {
  channelKey: string;
  userids?: string[];
  phones?: string[];
  audience?: "everyone";
  text?: string;
  template?: { id: number; params?: Record<string, string>; signId?: number };
  idempotencyKey?: string;
}

export const EMPTY_DRAFT: ComposeDraft = {
  channelKey: "",
  text: "",
  templateId: "",
  signId: "",
  params: [],
  audience: "userids",
  userids: "",
  phones: "",
  file: null,
};

// Lines, and ASCII or full-width commas and semicolons (a Chinese IME types ，and ；).
const RECIPIENT_SEPARATORS = /[\r\n,;\uff0c\uff1b]+/;

/**
 * Pasted user IDs or phone numbers: one per line, or separated by commas or semicolons. Each is
 * trimmed and blanks are dropped; spaces inside stay ("+86 138 0013 8000" is one number).
 * Duplicates are kept: the server reports them among the refused inputs, where the operator sees them.
 */
export function parseRecipientList(pasted: string): string[] {
  return pasted
    .split(RECIPIENT_SEPARATORS)
    .map((value) => value.trim())
    .filter((value) => value !== "");
}

/**
 * The text as the channel sends it (the sender's own rule: the default signature in front unless
 * the text starts with a 【…】 of its own). Nothing is written yet while the text is blank, so the
 * counter shows nothing rather than the signature alone.
 */
export function textAsSent(text: string, defaultSignature: string): string {
  return text.trim() === "" ? text : applyDefaultSignature(text, defaultSignature);
}

const DIGITS = /^\d+$/;

/** A template or signature id: digits that make a safe integer above 0. */
function parseId(raw: string): number | null {
  const trimmed = raw.trim();
  if (!DIGITS.test(trimmed)) return null;
  const id = Number(trimmed);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

function filledRows(rows: TemplateParamRow[]): { row: TemplateParamRow; index: number }[] {
  return rows.map((row, index) => ({ row, index })).filter(({ row }) => row.key.trim() !== "" || row.value !== "");
}

function audienceOf(draft: ComposeDraft): Pick<SendRequestBody, "userids" | "phones" | "audience"> {
  switch (draft.audience) {
    case "userids":
      return { userids: parseRecipientList(draft.userids) };
    case "phones":
      return { phones: parseRecipientList(draft.phones) };
    case "file":
      return draft.file?.kind === "phones" ? { phones: draft.file.values } : { userids: draft.file?.values ?? [] };
    case "everyone":
      return { audience: "everyone" };
  }
}

/**
 * The request body for a draft. The fields are always written in the same order, so two equal
 * drafts give the same JSON: the form compares that JSON to tell whether anything changed.
 */
export function toSendRequest(draft: ComposeDraft, channel: ComposeChannel): SendRequestBody {
  const body: SendRequestBody = { channelKey: draft.channelKey, ...audienceOf(draft) };
  if (channel.type === "cmpp") {
    body.text = draft.text;
    return body;
  }
  const rows = filledRows(draft.params);
  const template: NonNullable<SendRequestBody["template"]> = { id: parseId(draft.templateId) ?? 0 };
  if (rows.length > 0) template.params = Object.fromEntries(rows.map(({ row }) => [row.key.trim(), row.value]));
  const signId = parseId(draft.signId);
  if (signId !== null) template.signId = signId;
  body.template = template;
  return body;
}

/**
 * The form's rules for a channel. Messages are catalogue keys ("send.errors.…"), shown in the
 * operator's language by the form.
 */
export function composeDraftSchema(channel: ComposeChannel | null) {
  return z
    .object({
      channelKey: z.string(),
      text: z.string(),
      templateId: z.string(),
      signId: z.string(),
      params: z.array(z.object({ key: z.string(), value: z.string() })),
      audience: z.enum(["userids", "phones", "file", "everyone"]),
      userids: z.string(),
      phones: z.string(),
      file: z.custom<AudienceFile | null>(),
    })
    .superRefine((draft, ctx) => {
      const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
      if (draft.channelKey === "" || channel === null) issue(["channelKey"], "send.errors.channel_required");

      if (channel?.type === "cmpp") {
        if (draft.text.trim() === "") issue(["text"], "send.errors.text_required");
        // The server's limit, on the text as typed (the signature is the channel's, not the operator's).
        else if (countCharacters(draft.text) > MAX_TEXT_CHARACTERS) issue(["text"], "send.errors.text_too_long");
      }
      if (channel?.type === "jsms") {
        if (parseId(draft.templateId) === null) issue(["templateId"], "send.errors.template_id_digits");
        if (draft.signId.trim() !== "" && parseId(draft.signId) === null) issue(["signId"], "send.errors.sign_id_digits");
        const seen = new Set<string>();
        for (const { row, index } of filledRows(draft.params)) {
          const key = row.key.trim();
          if (key === "") issue(["params", index, "key"], "send.errors.param_name_required");
          else if (seen.has(key)) issue(["params", index, "key"], "send.errors.param_name_duplicate");
          seen.add(key);
        }
      }

      if (draft.audience === "userids" && parseRecipientList(draft.userids).length === 0) issue(["userids"], "send.errors.userids_required");
      if (draft.audience === "phones" && parseRecipientList(draft.phones).length === 0) issue(["phones"], "send.errors.phones_required");
      if (draft.audience === "file" && (draft.file === null || draft.file.values.length === 0)) issue(["file"], "send.errors.file_required");
    });
}

/** A random UUID v4. crypto.randomUUID exists only in secure contexts (HTTPS or localhost); a console
 * reached over plain HTTP on a LAN address still has crypto.getRandomValues. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface IdempotencyKeeper {
  /** The key for a request body: the same until the body changes or a send succeeds. */
  keyFor(body: string): string;
  /** After a successful send: the next send, even of the same body, is a new one. */
  renew(): void;
}

/**
 * One idempotency key per composed message, so a double click or a retry after a lost answer
 * makes one send, while changing the message (or sending it again on purpose) makes another.
 */
export function createIdempotencyKeeper(generate: () => string = newIdempotencyKey): IdempotencyKeeper {
  let current: { body: string; key: string } | null = null;
  return {
    keyFor(body) {
      if (current?.body !== body) current = { body, key: generate() };
      return current.key;
    },
    renew() {
      current = null;
    },
  };
}
