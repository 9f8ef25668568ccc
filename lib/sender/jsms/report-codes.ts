/**
 * JSMS delivery-report statuses (the `status` of an SMS_REPORT callback) and their outcomes.
 *
 * Source: Jiguang's callback documentation, "发送状态返回码" (docs.jiguang.cn/jsms/server/callback).
 * 4007–4009 are documented for voice messages only; they are listed so that one arriving on an SMS
 * channel is still understood rather than shown as unrecognised.
 */
import type { ReceiptCodeMapping } from "@/lib/sender/outcome";

export const DEFAULT_JSMS_REPORT_CODES: readonly ReceiptCodeMapping[] = Object.freeze([
  { code: "4001", category: "delivered", final: true, description: "Delivered." },
  { code: "4002", category: "blacklisted", final: true, description: "The number is on the carrier's blacklist; the carrier must lift it." },
  { code: "4003", category: "handset_off", final: true, description: "Handset problem: switched off, suspended or out of service." },
  { code: "4004", category: "invalid_number", final: true, description: "The number does not exist (empty number)." },
  { code: "4005", category: "no_balance", final: true, description: "The app's SMS balance was insufficient." },
  { code: "4006", category: "rate_limited", final: true, description: "Sent too often: the carrier's frequency limit was exceeded." },
  { code: "4007", category: "handset_off", final: true, description: "Voice only: the call was not answered or was refused." },
  { code: "4008", category: "handset_off", final: true, description: "Voice only: the line was busy." },
  { code: "4009", category: "handset_off", final: true, description: "Voice only: unreachable (no signal, out of the service area, or diverted)." },
  { code: "4010", category: "content_rejected", final: true, description: "Blocked by the carrier because the content contains sensitive words." },
  { code: "4100", category: "unknown", final: true, description: "Other error." },
] satisfies ReceiptCodeMapping[]);

/**
 * The outcome of a report status according to `dictionary` (the defaults above, or the operator's
 * edited copy). A status the dictionary does not know is a final "unknown", never an exception: a
 * report must always be recordable.
 */
export function classifyJsmsReport(
  dictionary: Iterable<ReceiptCodeMapping> | ReadonlyMap<string, ReceiptCodeMapping>,
  status: number | string,
): ReceiptCodeMapping {
  const code = String(status).trim();
  if (isMap(dictionary)) {
    const found = dictionary.get(code);
    if (found) return found;
  } else {
    for (const row of dictionary) if (row.code === code) return row;
  }
  return { code, category: "unknown", final: true, description: `Unrecognised JSMS report status ${code}.` };
}

function isMap(value: unknown): value is ReadonlyMap<string, ReceiptCodeMapping> {
  return value instanceof Map;
}
