/**
 * What a delivery receipt (or a final submit error) means for loss analysis.
 * Every provider's raw codes (JSMS report statuses, CMPP Stat values, vendor codes such as MK:0001)
 * are mapped onto this one vocabulary, so a dashboard can compare channels of different kinds.
 */
export const OUTCOME_CATEGORIES = [
  "delivered",
  "invalid_number",
  "blacklisted",
  "handset_off",
  "expired",
  "carrier_block",
  "rate_limited",
  "content_rejected",
  "no_balance",
  "unknown",
] as const;

export type OutcomeCategory = (typeof OUTCOME_CATEGORIES)[number];

/** One row of a provider's receipt-code dictionary: raw code → outcome. */
export interface ReceiptCodeMapping {
  code: string;
  category: OutcomeCategory;
  /** false for intermediate states (CMPP ACCEPTD): the message waits for another report. */
  final: boolean;
  description: string;
}
