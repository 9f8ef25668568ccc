import crypto from "node:crypto";
import type { NextRequest } from "next/server";
import { DomainError } from "@/lib/util/errors";
import { errorResponse } from "./error-response";

/**
 * The answers of a route to the methods it does not take. Next.js answers those itself with an
 * empty 405 and, for OPTIONS, an Allow header listing every exported method; a route that exports
 * these instead answers 405 in the error shape with the Allow header HTTP asks for, and OPTIONS
 * lists only the methods it really takes. In a route file:
 *
 *   export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
 */
export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

type Answer = (req: NextRequest) => Response;

export function otherMethods<T extends Partial<Record<RouteMethod, unknown>>>(
  implemented: T,
): Record<Exclude<RouteMethod, keyof T> | "OPTIONS", Answer> {
  const taken: string[] = ROUTE_METHODS.filter((method) => implemented[method] !== undefined);
  // Next.js answers HEAD with the GET handler.
  const allow = [...taken, ...(taken.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
  const notAllowed: Answer = (req) => {
    const error = new DomainError("method_not_allowed", 405, `This address does not take ${req.method}; it takes ${allow}.`);
    const response = errorResponse(error, crypto.randomUUID(), req);
    response.headers.set("allow", allow);
    return response;
  };
  const answers: Partial<Record<RouteMethod | "OPTIONS", Answer>> = {
    OPTIONS: () => new Response(null, { status: 204, headers: { allow } }),
  };
  for (const method of ROUTE_METHODS) if (!taken.includes(method)) answers[method] = notAllowed;
  return answers as Record<Exclude<RouteMethod, keyof T> | "OPTIONS", Answer>;
}
