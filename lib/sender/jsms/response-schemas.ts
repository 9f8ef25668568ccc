/**
 * Shapes of JSMS answers, as documented by Jiguang (send, batch send, app balance, error body).
 * Parsed from `parseJsonExact` output, so numbers may be bigints where they exceed 2^53.
 */
import { z } from "zod";
import { msgIdSchema } from "@/lib/sender/jsms/msg-id";

const mobileSchema = z.union([z.string(), z.number().int()]).transform(String);

export const errorBodySchema = z.object({
  error: z.object({
    code: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
    message: z.string().optional(),
  }),
});

export const singleSendAnswerSchema = z.object({ msg_id: msgIdSchema });

/**
 * A batch entry. Jiguang's documented example puts `msg_id` on failed entries too (beside
 * `error_code: "50006"`), so success is "no error code", not "has a msg_id".
 */
export const batchRecipientAnswerSchema = z.object({
  mobile: mobileSchema,
  msg_id: msgIdSchema.optional(),
  error_code: z.union([z.string(), z.number().int()]).nullish(),
  error_message: z.string().nullish(),
});

export const batchSendAnswerSchema = z.object({
  success_count: z.number().int().nonnegative().optional(),
  failure_count: z.number().int().nonnegative().optional(),
  recipients: z.array(batchRecipientAnswerSchema),
});

/** `null` means "no quota allocated" for that kind of message (Jiguang's wording). */
const quota = z.number().int().nullish().transform((v) => v ?? null);

export const appBalanceAnswerSchema = z.object({
  app_balance: quota,
  app_voice: quota,
  app_industry: quota,
  app_market: quota,
});

export type BatchRecipientAnswer = z.output<typeof batchRecipientAnswerSchema>;
