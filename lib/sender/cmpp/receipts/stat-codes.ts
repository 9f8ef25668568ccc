/**
 * CMPP status-report Stat values and their outcomes for loss analysis.
 *
 * The standard values are in spec table 1 (8.4.5.1). The "XX:nnnn" vendor codes are reported by the
 * network element named by the prefix (M = SMSC, C = SCP, D = DSMP, S = SP, I = next ISMG; A = no
 * answer, B = error answer, C = no report; MK/MI/MN carry the SMSC's delivery error, mostly GSM MAP
 * errors). The numbers after the prefix are vendor-specific: the rows below are the meanings
 * commonly seen on China Mobile (Huawei SMSC/ISMG tables and field practice). They are defaults,
 * seeded into the editable receipt_codes table; operators correct them per provider.
 */
import type { OutcomeCategory, ReceiptCodeMapping } from "@/lib/sender/outcome";

const row = (code: string, category: OutcomeCategory, description: string, final = true): ReceiptCodeMapping => ({
  code,
  category,
  final,
  description,
});

export const DEFAULT_CMPP_STAT_CODES: ReceiptCodeMapping[] = [
  // Spec table 1
  row("DELIVRD", "delivered", "Delivered to the handset."),
  row("EXPIRED", "expired", "Validity period expired before the handset could be reached (often off or out of coverage for long)."),
  row("DELETED", "carrier_block", "Deleted by the SMSC before delivery."),
  row("UNDELIV", "handset_off", "Undeliverable: most often the handset is off, suspended or unreachable (some carriers also use it for numbers that do not exist)."),
  row("ACCEPTD", "unknown", "Accepted, not yet delivered: an intermediate state; a final report follows.", false),
  row("UNKNOWN", "unknown", "The SMSC reports the message in an unknown state."),
  row("REJECTD", "carrier_block", "Rejected by the SMSC."),
  // Common non-standard words
  row("DTBLACK", "blacklisted", "The destination number is on a blacklist."),
  row("BLACK", "blacklisted", "The number is on a blacklist."),
  row("KEYWORD", "content_rejected", "Blocked by a keyword filter."),
  row("SIGFAIL", "content_rejected", "The signature (【…】) was not approved."),
  row("NOROUTE", "carrier_block", "No route to the destination number."),
  // SMSC delivery errors (MK / MI / MN), mostly GSM MAP errors
  row("MK:0000", "invalid_number", "Commonly reported for numbers that do not exist."),
  row("MK:0001", "invalid_number", "Unknown subscriber: the HLR does not know the number (empty number)."),
  row("MK:0002", "handset_off", "Unidentified subscriber at the MSC (not registered there)."),
  row("MK:0003", "carrier_block", "Illegal subscriber: authentication of the handset failed."),
  row("MK:0004", "carrier_block", "Teleservice not provisioned for this subscriber."),
  row("MK:0005", "handset_off", "Call barred: the subscriber's SMS service is barred (suspended)."),
  row("MK:0006", "carrier_block", "Closed user group rejection."),
  row("MK:0007", "carrier_block", "Facility not supported by the subscriber's HLR."),
  row("MK:0008", "handset_off", "Absent subscriber: out of coverage."),
  row("MK:0009", "handset_off", "Absent subscriber (message-waiting flag set)."),
  row("MK:0010", "handset_off", "Short message delivery failure."),
  row("MK:0011", "handset_off", "Message waiting list full at the HLR."),
  row("MK:0012", "invalid_number", "Commonly reported for numbers that do not exist."),
  row("MK:0013", "handset_off", "Commonly reported for suspended numbers."),
  row("MK:0015", "handset_off", "Handset error while receiving."),
  row("MK:0017", "handset_off", "Handset memory full."),
  row("MK:0022", "carrier_block", "Illegal equipment (IMEI)."),
  row("MK:0023", "handset_off", "Subscriber busy receiving or sending another message."),
  row("MK:0024", "handset_off", "Handset switched off."),
  row("MI:0013", "handset_off", "Commonly reported for suspended numbers."),
  row("MI:0024", "handset_off", "Handset switched off."),
  row("MN:0001", "invalid_number", "Commonly reported for numbers that do not exist."),
  row("MN:0013", "handset_off", "Commonly reported for suspended numbers."),
  row("MN:0054", "handset_off", "Number out of service or handset off."),
  // SMSC refused (MB), SMSC silent (MA, MC)
  row("MB:0011", "invalid_number", "The SMSC rejected the destination address."),
  row("MB:1026", "rate_limited", "SMSC licence limit reached (throughput)."),
  row("MB:1042", "rate_limited", "Too many messages queued for this recipient at the SMSC."),
  row("MB:1043", "invalid_number", "The subscriber does not exist or is invalid."),
  row("MB:1070", "rate_limited", "SMSC flow control (congestion)."),
  row("MB:1077", "blacklisted", "The recipient is on the SMSC blacklist."),
  row("MB:1078", "carrier_block", "No delivery route for the message."),
  row("MA:0051", "unknown", "The gateway had no connection to the SMSC."),
  row("MA:0052", "unknown", "The gateway was not logged in to the SMSC."),
  row("MA:0053", "unknown", "Sending to the SMSC failed."),
  row("MA:0054", "unknown", "The SMSC did not answer in time."),
  row("MC:0001", "unknown", "The SMSC sent the gateway no status report."),
  row("MC:0151", "unknown", "The SMSC sent the gateway no status report."),
  // DSMP (subscription / security platform)
  row("DB:0010", "rate_limited", "DSMP flow control."),
  row("DB:0100", "invalid_number", "The number does not exist."),
  row("DB:0101", "invalid_number", "Wrong number."),
  row("DB:0102", "handset_off", "The subscriber is suspended."),
  row("DB:0103", "handset_off", "The subscriber is in arrears."),
  row("DB:0141", "blacklisted", "The subscriber is on a blacklist."),
  row("DB:0142", "rate_limited", "Daily MT limit exceeded."),
  row("DB:0143", "rate_limited", "Monthly MT limit exceeded."),
  row("DB:0144", "blacklisted", "The subscriber is on the global blacklist."),
  row("DB:0145", "blacklisted", "The subscriber is on the enterprise's blacklist."),
  row("DB:0146", "blacklisted", "The subscriber is on the SP's blacklist."),
  row("DB:0151", "content_rejected", "Content signature check failed."),
  // ISMG (next gateway, or the gateway itself: ID)
  row("IA:0051", "unknown", "The gateway had no connection to the next gateway."),
  row("IA:0054", "unknown", "The next gateway did not answer in time."),
  row("IB:0008", "rate_limited", "Flow control at the next gateway."),
  row("IC:0001", "unknown", "No status report came back from the next gateway."),
  row("IC:0151", "unknown", "No status report came back from the next gateway."),
  row("ID:0008", "rate_limited", "Gateway flow control."),
  row("ID:0013", "invalid_number", "Bad destination number."),
  row("ID:0045", "rate_limited", "Monthly sending limit exceeded."),
  row("ID:0046", "rate_limited", "Daily sending limit exceeded."),
  row("ID:0069", "blacklisted", "The number is on a blacklist."),
  row("ID:0070", "unknown", "Network disconnected or the destination closed its interface."),
  row("ID:0072", "carrier_block", "No route."),
  row("ID:0076", "content_rejected", "Information-security (content) check failed."),
  row("ID:0096", "blacklisted", "The number is on the sender blacklist."),
  row("ID:0097", "blacklisted", "The number is on the recipient blacklist."),
  row("ID:0100", "invalid_number", "The number does not exist."),
  row("ID:0101", "invalid_number", "Wrong number."),
  row("ID:0102", "handset_off", "The subscriber is suspended."),
  row("ID:0103", "handset_off", "The subscriber is in arrears."),
  row("ID:0141", "blacklisted", "The subscriber is on a blacklist."),
  row("ID:0142", "rate_limited", "Daily MT limit exceeded."),
  row("ID:0143", "rate_limited", "Monthly MT limit exceeded."),
  row("ID:0310", "expired", "The message expired at the gateway."),
  row("ID:0311", "rate_limited", "Gateway flow control."),
  row("ID:0318", "content_rejected", "Blocked by the keyword filter."),
];

/** Used when a Stat is not in the dictionary: its prefix still says which network element failed. */
export const CMPP_STAT_PREFIX_RULES: ReadonlyArray<{ prefix: string; category: OutcomeCategory; description: string }> = [
  { prefix: "MA:", category: "unknown", description: "The SMSC did not answer the gateway" },
  { prefix: "MB:", category: "carrier_block", description: "The SMSC refused the message" },
  { prefix: "MC:", category: "unknown", description: "The SMSC sent no status report" },
  { prefix: "MK:", category: "handset_off", description: "The SMSC could not deliver to the handset" },
  { prefix: "MI:", category: "handset_off", description: "The SMSC could not deliver to the handset" },
  { prefix: "MN:", category: "handset_off", description: "The SMSC could not deliver to the handset" },
  { prefix: "CA:", category: "unknown", description: "The SCP (billing) did not answer" },
  { prefix: "CB:", category: "carrier_block", description: "The SCP (billing) refused the message" },
  { prefix: "DA:", category: "unknown", description: "The DSMP did not answer" },
  { prefix: "DB:", category: "carrier_block", description: "The DSMP refused the message" },
  { prefix: "SA:", category: "unknown", description: "The SP did not answer" },
  { prefix: "SB:", category: "carrier_block", description: "The SP answered with an error" },
  { prefix: "IA:", category: "unknown", description: "The next gateway did not answer" },
  { prefix: "IB:", category: "carrier_block", description: "The next gateway refused the message" },
  { prefix: "IC:", category: "unknown", description: "The next gateway sent no status report" },
  { prefix: "ID:", category: "carrier_block", description: "The gateway refused the message" },
];

export type StatDictionary = Iterable<ReceiptCodeMapping> | ReadonlyMap<string, ReceiptCodeMapping>;

/** Indexes a dictionary by code once, so classifying a report is a map lookup. */
export function compileStatDictionary(dictionary: Iterable<ReceiptCodeMapping>): ReadonlyMap<string, ReceiptCodeMapping> {
  const map = new Map<string, ReceiptCodeMapping>();
  for (const entry of dictionary) map.set(normalizeStat(entry.code), entry);
  return map;
}

/**
 * The outcome of a Stat: the dictionary's row when it has one (exact code; or a row whose code
 * ends in "*", as a prefix the operator added, longest first), else the built-in prefix rules,
 * else a final "unknown". Never throws: every report must be recordable.
 */
export function classifyStat(dictionary: StatDictionary, stat: string): ReceiptCodeMapping {
  const code = normalizeStat(stat);
  const map = dictionary instanceof Map ? (dictionary as ReadonlyMap<string, ReceiptCodeMapping>) : null;
  const exact = map ? map.get(code) : findExact(dictionary as Iterable<ReceiptCodeMapping>, code);
  if (exact) return exact;
  let wildcard: ReceiptCodeMapping | undefined;
  for (const entry of map ? map.values() : (dictionary as Iterable<ReceiptCodeMapping>)) {
    const pattern = normalizeStat(entry.code);
    if (!pattern.endsWith("*")) continue;
    const prefix = pattern.slice(0, -1);
    if (code.startsWith(prefix) && (!wildcard || prefix.length > wildcard.code.length - 1)) wildcard = entry;
  }
  if (wildcard) return { ...wildcard, code };
  for (const rule of CMPP_STAT_PREFIX_RULES) {
    if (code.startsWith(rule.prefix)) {
      return { code, category: rule.category, final: true, description: `${rule.description} (code ${code} is not in the dictionary).` };
    }
  }
  return { code, category: "unknown", final: true, description: `Unrecognised CMPP Stat ${code || "(empty)"}.` };
}

function findExact(dictionary: Iterable<ReceiptCodeMapping>, code: string): ReceiptCodeMapping | undefined {
  for (const entry of dictionary) if (normalizeStat(entry.code) === code) return entry;
  return undefined;
}

/** Stat is a 7-octet field: peers pad with spaces or NULs and vary in case. */
export function normalizeStat(stat: string): string {
  return stat.replace(/\0/g, "").trim().toUpperCase();
}
