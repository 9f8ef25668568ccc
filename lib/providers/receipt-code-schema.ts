import { z } from "zod";
import { OUTCOME_CATEGORIES, type OutcomeCategory } from "@/lib/sender/outcome";

/**
 * The one rule for a row of a receipt-code dictionary, used by the Providers page's form, the
 * REST API (PUT …/codes, and the server actions) and the file import alike. Error messages are
 * catalogue keys (`providers.errors.*`): the page shows them in the operator's language, the REST
 * API answers them in English. Browser-safe: no Node modules.
 */
export const RECEIPT_OUTCOMES = ["delivered", "failed", "pending"] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

export { OUTCOME_CATEGORIES };
export type { OutcomeCategory };

/**
 * Raw codes are short: a CMPP Stat is 7 octets, a JSMS status 4 digits, an API error 5; 32 leaves
 * room for aggregators' own words without letting a paragraph in as a "code".
 */
export const MAX_CODE_LENGTH = 32;
export const MAX_DESCRIPTION_LENGTH = 500;
/** Most rows one dictionary (PUT or file) may hold; the seeds are about 120. */
export const MAX_DICTIONARY_ROWS = 10_000;

/** Control characters (C0, DEL, C1) and the bidirectional and zero-width format marks. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

/**
 * A raw code as the gateway wrote it: surrounding spaces (and the NUL padding of a fixed-width
 * CMPP field) removed, case kept, since the messages keep the code exactly as reported.
 */
export function normalizeCode(raw: string): string {
  return raw.replace(/\0/g, "").trim();
}

export const receiptCodeField = z
  .string({ error: "providers.errors.code_required" })
  .transform(normalizeCode)
  .pipe(
    z
      .string()
      .min(1, { error: "providers.errors.code_required", abort: true })
      .max(MAX_CODE_LENGTH, { error: "providers.errors.code_too_long", abort: true })
      .refine((code) => !INVISIBLE.test(code), { error: "providers.errors.code_invisible" }),
  );

const description = z
  .string({ error: "providers.errors.description_invalid" })
  .trim()
  .max(MAX_DESCRIPTION_LENGTH, { error: "providers.errors.description_too_long" })
  .refine((text) => !/[\p{Cc}]/u.test(text.replace(/[\n\t]/g, "")), { error: "providers.errors.description_invalid" })
  .default("");

/** delivered ↔ category delivered; pending (not final, ACCEPTD) ↔ category unknown; failed ↔ any failure category. */
export function categoryFits(outcome: ReceiptOutcome, category: OutcomeCategory): boolean {
  if (outcome === "delivered") return category === "delivered";
  if (outcome === "pending") return category === "unknown";
  return category !== "delivered";
}

/** The catalogue key saying why a category does not go with an outcome. */
const MISFIT: Record<ReceiptOutcome, string> = {
  delivered: "providers.errors.category_must_be_delivered",
  pending: "providers.errors.category_must_be_unknown",
  failed: "providers.errors.category_not_delivered",
};

/**
 * One dictionary row. `description` is the English text (the REST field DESIGN.md names),
 * `descriptionZh` the Simplified Chinese one; both may be empty.
 */
export const receiptCodeSchema = z
  .object({
    code: receiptCodeField,
    outcome: z.enum(RECEIPT_OUTCOMES, { error: "providers.errors.outcome_invalid" }),
    category: z.enum(OUTCOME_CATEGORIES, { error: "providers.errors.category_invalid" }),
    description,
    descriptionZh: description,
  })
  .superRefine((row, ctx) => {
    if (!categoryFits(row.outcome, row.category)) {
      ctx.addIssue({ code: "custom", path: ["category"], message: MISFIT[row.outcome], input: row.category });
    }
  });

export type ReceiptCodeInput = z.input<typeof receiptCodeSchema>;
export type ReceiptCodeRow = z.output<typeof receiptCodeSchema>;

/** A whole dictionary (PUT …/codes): at most MAX_DICTIONARY_ROWS rows, each code once. */
export const receiptCodeListSchema = z.object({
  items: z
    .array(receiptCodeSchema, { error: "providers.errors.items_required" })
    .max(MAX_DICTIONARY_ROWS, { error: "providers.errors.too_many_rows" })
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        if (seen.has(item.code)) {
          ctx.addIssue({ code: "custom", path: [index, "code"], message: "providers.errors.code_repeated", input: item.code });
        }
        seen.add(item.code);
      });
    }),
});

/** The outcome a category implies, for forms that let the operator choose the category only. */
export function outcomeForCategory(category: OutcomeCategory): ReceiptOutcome {
  return category === "delivered" ? "delivered" : "failed";
}
