/**
 * The audit-log actions of receipt-code dictionaries, the target being the provider's id. The
 * start-up seeding reads them too: a provider without codes whose dictionary an operator changed
 * was emptied on purpose and is not seeded again.
 */
export const DICTIONARY_AUDIT_ACTIONS = [
  "receipt_code.set",
  "receipt_code.delete",
  "receipt_codes.replace",
  "receipt_codes.import",
] as const;

export type DictionaryAuditAction = (typeof DICTIONARY_AUDIT_ACTIONS)[number];
