import { z } from "zod";
import { isValidHost } from "./host";

/**
 * The one schema for channel input, used by the browser form (react-hook-form resolver) and by
 * the server (REST API and service). Error messages are catalogue keys under "errors." so the
 * form shows them in the operator's language and the REST API answers them in English.
 * Nothing in this file may import Node modules: it runs in the browser too.
 */
/**
 * The preset providers a CMPP channel may name by id (what the REST API has always accepted). Any
 * other provider is named by its name (1–64 characters), or by the id the console gave it; the
 * channel service resolves either to a providers.id (lib/providers/provider-service.ts).
 */
export const CMPP_PROVIDERS = ["china_mobile", "china_unicom", "china_telecom", "other"] as const;
export type CmppProvider = (typeof CMPP_PROVIDERS)[number];
export const PROVIDER_NAME_MAX = 64;
export const CMPP_VERSIONS = ["2.0", "3.0"] as const;

export const CMPP_DEFAULTS = {
  version: "3.0" as const,
  serviceId: "",
  tpsPerConnection: 100,
  connections: 1,
};

/**
 * Settings that shape how messages are sent. Channels saved before these existed have none of
 * them in their stored config, so every reader applies these defaults (see send-settings.ts).
 */
export const SEND_SETTING_DEFAULTS = {
  /** CMPP: none; the text is sent as written. */
  defaultSignature: "",
  /** CMPP: a SUBMIT that may or may not have reached the gateway is sent again. */
  resubmitUncertain: true,
  /** 72 hours: a report can come days late (a handset switched off); after this the message is unknown. */
  reportDeadlineSeconds: 259_200,
  /** China Standard Time (UTC+8): gateways in China expect the CONNECT timestamp in Beijing time. */
  timestampUtcOffsetMinutes: 480,
} as const;

/** 30 days. */
export const REPORT_DEADLINE_MAX_SECONDS = 2_592_000;
/** UTC−12:00 … UTC+14:00, the zones in use. */
export const UTC_OFFSET_MINUTES_RANGE = { min: -720, max: 840 } as const;

/**
 * A signature as Chinese carriers require it: full-width lenticular brackets around 1 to 20
 * characters (code points), neither a bracket nor a control character, nor space at either end.
 */
export const SIGNATURE_PATTERN = /^【(?!\s)[^【】\p{Cc}]{1,20}(?<!\s)】$/u;

const name = z
  .string({ error: "errors.name_required" })
  .trim()
  .min(1, { error: "errors.name_required", abort: true })
  .max(64, { error: "errors.name_too_long" });

/** A JSMS AppKey and MasterSecret are both 24 hexadecimal characters (Jiguang app settings page). */
const JIGUANG_KEY = /^[0-9a-f]{24}$/i;

/**
 * A secret field. On create it must be given; on update an empty or missing value means
 * "keep the stored one" (the form never receives the secret, so it cannot send it back).
 */
function secretField(pattern: RegExp | null, requiredKey: string, formatKey: string, required: boolean) {
  const base = z.string({ error: requiredKey }).trim().max(128, { error: formatKey });
  const checked = base.refine((v) => v === "" || pattern === null || pattern.test(v), { error: formatKey });
  if (required) return checked.refine((v) => v !== "", { error: requiredKey });
  return checked.optional();
}

/**
 * A whole number, as a JSON number (the REST API) or as a string of digits (what a form input
 * gives; spaces around it are trimmed). Strings such as "1e3", "0x50", "8 0" or "8.0" are refused
 * with `digitsKey` rather than read the way Number() would; an empty string, anything else, or a
 * number out of range gets the field's own `key`, which states the range.
 */
function wholeNumber(min: number, max: number, key: string, { signed = false } = {}) {
  const digits = signed ? /^-?\d+$/ : /^\d+$/;
  const digitsKey = signed ? "errors.digits_only_signed" : "errors.digits_only";
  return z
    .custom<number | string>((v) => (typeof v === "number" && Number.isFinite(v)) || typeof v === "string", { error: key })
    .transform((v, ctx) => {
      if (typeof v === "number") return v;
      const text = v.trim();
      if (text !== "" && digits.test(text)) return Number(text);
      ctx.addIssue({ code: "custom", message: text === "" ? key : digitsKey, input: v });
      return z.NEVER;
    })
    .refine((v) => Number.isInteger(v) && v >= min && v <= max, { error: key });
}

/** Each send setting's rule alone, so stored config can be read field by field (send-settings.ts). */
export const sendSettingFields = {
  defaultSignature: z
    .string({ error: "errors.default_signature_format" })
    .trim()
    .refine((v) => v === "" || SIGNATURE_PATTERN.test(v), { error: "errors.default_signature_format" })
    .default(SEND_SETTING_DEFAULTS.defaultSignature),
  resubmitUncertain: z
    .boolean({ error: "errors.resubmit_uncertain_invalid" })
    .default(SEND_SETTING_DEFAULTS.resubmitUncertain),
  reportDeadlineSeconds: wholeNumber(1, REPORT_DEADLINE_MAX_SECONDS, "errors.report_deadline_range").default(
    SEND_SETTING_DEFAULTS.reportDeadlineSeconds,
  ),
  timestampUtcOffsetMinutes: wholeNumber(
    UTC_OFFSET_MINUTES_RANGE.min,
    UTC_OFFSET_MINUTES_RANGE.max,
    "errors.utc_offset_range",
    { signed: true },
  ).default(SEND_SETTING_DEFAULTS.timestampUtcOffsetMinutes),
};

function buildSchemas(required: boolean) {
  const jsms = z.object({
    type: z.literal("jsms"),
    name,
    appKey: secretField(JIGUANG_KEY, "errors.app_key_required", "errors.app_key_format", required),
    masterSecret: secretField(JIGUANG_KEY, "errors.master_secret_required", "errors.master_secret_format", required),
    reportDeadlineSeconds: sendSettingFields.reportDeadlineSeconds,
  });
  const cmpp = z.object({
    type: z.literal("cmpp"),
    name,
    provider: z
      .string({ error: "errors.provider_invalid" })
      .transform((v) => v.normalize("NFC").trim())
      .pipe(
        z
          .string()
          .min(1, { error: "channels.providerErrors.required", abort: true })
          // Characters as people count them (code points), not UTF-16 units.
          .refine((v) => Array.from(v).length <= PROVIDER_NAME_MAX, { error: "channels.providerErrors.too_long", abort: true })
          .refine((v) => !/[\p{Cc}\p{Cf}]/u.test(v), { error: "channels.providerErrors.invisible" }),
      ),
    host: z
      .string({ error: "errors.host_required" })
      .trim()
      .min(1, { error: "errors.host_required", abort: true })
      .refine(isValidHost, { error: "errors.host_invalid" }),
    port: wholeNumber(1, 65535, "errors.port_range"),
    // CMPP Source_Addr is 6 octets: the SP's enterprise code (SP_Id).
    account: z
      .string({ error: "errors.account_required" })
      .trim()
      .min(1, { error: "errors.account_required", abort: true })
      .regex(/^[0-9A-Za-z]{1,6}$/, { error: "errors.account_format" }),
    password: secretField(/^[\x20-\x7e]{1,64}$/, "errors.password_required", "errors.password_format", required),
    // Src_Id is 21 octets of digits: the access number (and any extension the SP appends).
    accessNumber: z
      .string({ error: "errors.access_number_required" })
      .trim()
      .min(1, { error: "errors.access_number_required", abort: true })
      .regex(/^\d{1,21}$/, { error: "errors.access_number_format" }),
    connections: wholeNumber(1, 64, "errors.connections_range"),
    version: z.enum(CMPP_VERSIONS, { error: "errors.version_invalid" }).default(CMPP_DEFAULTS.version),
    // Service_Id is 10 octets.
    serviceId: z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z_.-]{0,10}$/, { error: "errors.service_id_format" })
      .default(CMPP_DEFAULTS.serviceId),
    tpsPerConnection: wholeNumber(1, 10000, "errors.tps_range").default(CMPP_DEFAULTS.tpsPerConnection),
    ...sendSettingFields,
  });
  return { jsms, cmpp, any: z.discriminatedUnion("type", [jsms, cmpp], { error: "errors.type_invalid" }) };
}

const createSchemas = buildSchemas(true);
const updateSchemas = buildSchemas(false);

/** POST /api/v1/channels and the "new channel" form. */
export const channelCreateSchema = createSchemas.any;
/** The edit form and the merged result of PATCH: secrets may be left empty to keep them. */
export const channelUpdateSchema = updateSchemas.any;

export type ChannelCreateInput = z.infer<typeof channelCreateSchema>;
export type ChannelUpdateInput = z.infer<typeof channelUpdateSchema>;
export type ChannelFormValues = z.input<typeof channelCreateSchema>;
export type ChannelType = ChannelCreateInput["type"];

/** Secret field names per channel type: what gets sealed and never sent back. */
export const SECRET_FIELDS = {
  jsms: ["appKey", "masterSecret"],
  cmpp: ["password"],
} as const satisfies Record<ChannelType, readonly string[]>;
