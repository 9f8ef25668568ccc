import type { z } from "zod";
import { DomainError, ValidationError, type ErrorDetail } from "@/lib/util/errors";
import { issuesToDetails } from "@/lib/util/zod";

/**
 * The query string and path segments of a request, parsed with a route's schemas (lib/api/
 * query-schemas.ts holds the shared pieces). A bad query value is the caller's mistake: 400
 * invalid_query. A path segment that fails its schema cannot name anything, so the address names
 * nothing: 404 not_found, like an unknown path (app/api/[[...path]]/route.ts).
 */
export type QueryInput = Record<string, string | string[]>;

/** The query string as an object; a key given more than once holds all its values, for the schema to refuse. */
export function queryObject(searchParams: URLSearchParams): QueryInput {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of searchParams) {
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  // fromEntries defines own properties, so "?__proto__=x" is only a key like any other.
  return Object.fromEntries([...grouped].map(([key, values]) => [key, values.length === 1 ? values[0]! : values]));
}

export function parseQuery<S extends z.ZodType>(schema: S, searchParams: URLSearchParams): z.output<S> {
  const result = schema.safeParse(queryObject(searchParams));
  if (!result.success) {
    throw new ValidationError("Some query parameters are not valid.", issuesToDetails(result.error, "(query)"), "invalid_query");
  }
  return result.data;
}

export class PathNotFoundError extends DomainError {
  constructor(message = "There is nothing at this address.", details: ErrorDetail[] = []) {
    super("not_found", 404, message, details);
  }
}

export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params ?? {});
  if (!result.success) throw new PathNotFoundError("There is nothing at this address: a part of the path cannot name anything.", issuesToDetails(result.error, "(path)"));
  return result.data;
}
