/**
 * JSMS message ids are kept as decimal strings.
 *
 * They arrive as JSON strings ("274887115920"), as JSON numbers (288193860302), and, through
 * `parseJsonExact`, as bigints when a number is beyond 2^53. Every form becomes the same string, so a
 * submit answer and its delivery report always match.
 */
import { z } from "zod";

export const msgIdSchema = z
  .union(
    [
      z.string().trim().min(1, "must not be empty").max(64, "must be at most 64 characters"),
      // .int() accepts safe integers only: a rounded double would silently name another message.
      z.number().int("must be an exact integer").nonnegative("must not be negative"),
      z.bigint().nonnegative("must not be negative"),
    ],
    { error: (issue) => (issue.input === undefined ? "is missing" : "must be a string or an integer") },
  )
  .transform((value) => (typeof value === "string" ? value : value.toString()));
