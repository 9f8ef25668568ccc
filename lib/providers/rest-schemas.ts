import { z } from "zod";
import { OUTCOME_CATEGORIES } from "@/lib/sender/outcome";
import { MAX_CODE_LENGTH } from "./receipt-code-schema";

/**
 * The path segments and query strings of the providers' REST routes (app/api/v1/providers),
 * built like lib/api/query-schemas.ts: a value given twice is refused, a blank one is absent.
 */
const queryValue = z.string({ error: "errors.query_repeated" });

function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

/** A provider id: a preset word or `p_` and hex digits; anything that could name none is a 404. */
export const providerIdParam = z
  .string({ error: "providers.errors.provider_not_found" })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "providers.errors.provider_not_found" });

export const providerParams = z.object({ providerId: providerIdParam });

/** `?q=` (part of a code) and `?category=`: the dictionary page's filter. */
export const codeFilterQuery = z.object({
  q: optional(
    queryValue
      .trim()
      .max(MAX_CODE_LENGTH, { error: "providers.errors.code_too_long" })
      .refine((q) => !/[\p{Cc}\p{Cf}]/u.test(q), { error: "providers.errors.code_invisible" }),
  ),
  category: optional(queryValue.pipe(z.enum(OUTCOME_CATEGORIES, { error: "providers.errors.category_invalid" }))),
});

export const IMPORT_MODES = ["replace", "merge"] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** `?mode=` of an import; the multipart field `mode` may say it instead. */
export const importQuery = z.object({
  mode: optional(queryValue.pipe(z.enum(IMPORT_MODES, { error: "providers.errors.mode_invalid" }))),
});
