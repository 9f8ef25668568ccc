import type { z } from "zod";
import { ValidationError, type ErrorDetail } from "./errors";

/**
 * Zod issues as error details: the path joined with dots ("rows.3.phone"), the message as given
 * (a catalogue key). An issue about the whole input is named by `root`: what was parsed.
 */
export function issuesToDetails(error: z.ZodError, root = "(body)"): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || root,
    message: issue.message,
  }));
}

/** Parses with a schema and turns a failure into the domain ValidationError (400 at the edge). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError("Some fields are not valid.", issuesToDetails(result.error));
  }
  return result.data;
}
