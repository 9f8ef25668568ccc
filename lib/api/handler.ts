import crypto from "node:crypto";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { authenticateApiKey, parseBasicAuth } from "@/lib/auth/api-keys";
import type { Actor } from "@/lib/auth/actor";
import { hasRole, type Role } from "@/lib/auth/roles";
import { getSessionActor } from "@/lib/auth/session";
import { readTextCapped } from "@/lib/http/read-body";
import { clientAddressOf } from "@/lib/server/client-address";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { ForbiddenError, UnauthorizedError, ValidationError } from "@/lib/util/errors";
import { issuesToDetails } from "@/lib/util/zod";
import { errorResponse } from "./error-response";
import { couldBeApiKeyId } from "./query-schemas";
import { parseParams, parseQuery } from "./request-input";

export { errorResponse, json } from "./error-response";

/**
 * The one wrapper around every REST route handler: it authenticates (API key or console
 * session), checks the role, parses the path segments and the query string with the route's
 * schemas, reads and size-checks the JSON body, and turns domain errors into the error shape of
 * DESIGN.md section 6 with a request id. A handler's own body then calls one lib function and
 * shapes the answer.
 */
export interface ApiContext<Q, P> {
  req: NextRequest;
  actor: Actor;
  /** The path segments as the `params` schema parsed them (404 when they cannot name anything). */
  params: P;
  /** The query string as the `query` schema parsed it (400 invalid_query with a detail per field). */
  query: Q;
  runtime: Runtime;
  requestId: string;
  /** The request body as JSON (400 when it is not JSON, 413 when too large). */
  json(): Promise<unknown>;
  /** The request body parsed with a zod schema (400 with one detail per wrong field). */
  parse<S extends z.ZodType>(schema: S): Promise<z.infer<S>>;
}

export interface ApiOptions<QS extends z.ZodType | undefined, PS extends z.ZodType | undefined> {
  /** The weakest role allowed. */
  role: Role;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** The query string's schema (lib/api/query-schemas.ts); without one the handler sees `{}`. */
  query?: QS;
  /** The path segments' schema; without one the handler sees `{}`. */
  params?: PS;
}

/** What apiRoute was given, kept on the handler so tests can check every route declares its schemas. */
export interface ApiRouteMeta {
  role: Role;
  maxBodyBytes: number;
  query?: z.ZodType;
  params?: z.ZodType;
}

/** How Next.js calls a route handler; the segments are typed by the `params` schema, not here. */
export type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export type ApiRouteHandler = ((req: NextRequest, route?: RouteContext) => Promise<Response>) & { readonly meta: ApiRouteMeta };

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function apiRoute<QS extends z.ZodType | undefined = undefined, PS extends z.ZodType | undefined = undefined>(
  options: ApiOptions<QS, PS>,
  handler: (ctx: ApiContext<Parsed<QS>, Parsed<PS>>) => Promise<Response>,
): ApiRouteHandler {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const route = async (req: NextRequest, context?: RouteContext): Promise<Response> => {
    const requestId = crypto.randomUUID();
    try {
      const runtime = await getRuntime();
      const actor = await authenticate(req, runtime);
      if (!hasRole(actor.role, options.role)) {
        throw new ForbiddenError(`This call needs the ${options.role} role; yours is ${actor.role}.`);
      }
      const rawParams = (await context?.params) ?? {};
      const params = (options.params ? parseParams(options.params, rawParams) : {}) as Parsed<PS>;
      const query = (options.query ? parseQuery(options.query, req.nextUrl.searchParams) : {}) as Parsed<QS>;
      let body: Promise<unknown> | undefined;
      const json = () => (body ??= readJson(req, maxBytes));
      const ctx: ApiContext<Parsed<QS>, Parsed<PS>> = {
        req,
        actor,
        params,
        query,
        runtime,
        requestId,
        json,
        parse: async (schema) => {
          const result = schema.safeParse(await json());
          if (!result.success) throw new ValidationError("Some fields are not valid.", issuesToDetails(result.error));
          return result.data;
        },
      };
      const response = await handler(ctx);
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId, req);
    }
  };
  const meta: ApiRouteMeta = { role: options.role, maxBodyBytes: maxBytes, query: options.query, params: options.params };
  return Object.defineProperty(route, "meta", { value: meta, enumerable: false }) as ApiRouteHandler;
}

/** The actor of the request, with the client address the audit log records. */
async function authenticate(req: NextRequest, runtime: Runtime): Promise<Actor> {
  const actor = await actorOf(req, runtime);
  return { ...actor, address: clientAddressOf(req.headers) };
}

async function actorOf(req: NextRequest, runtime: Runtime): Promise<Actor> {
  const header = req.headers.get("authorization");
  if (header) {
    const basic = parseBasicAuth(header);
    // A user part that no key id could be (a NUL, 10,000 characters) is not looked up at all.
    const actor = basic && couldBeApiKeyId(basic.user) ? await authenticateApiKey(runtime.db, basic.user, basic.pass) : null;
    if (!actor) throw new UnauthorizedError("The API key is unknown, revoked, or its secret is wrong.");
    return actor;
  }
  const actor = await getSessionActor();
  if (!actor) throw new UnauthorizedError();
  if (!["GET", "HEAD", "OPTIONS"].includes(req.method)) assertSameOrigin(req);
  return actor;
}

/**
 * Cookie-authenticated writes must come from the console's own pages. SameSite=Lax cookies
 * already keep most cross-site requests out; this closes the rest (CSRF).
 */
function assertSameOrigin(req: NextRequest): void {
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new ForbiddenError("Cross-site request refused.");
  const origin = req.headers.get("origin");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (origin && host && originHost(origin) !== host) throw new ForbiddenError("Cross-site request refused.");
}

/** The host of an Origin header; "null" (sandboxed frames) and garbage match no host. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** The body as JSON, read within the cap as it arrives (413 past it, with or without Content-Length). */
async function readJson(req: NextRequest, maxBytes: number): Promise<unknown> {
  const text = await readTextCapped(req, maxBytes);
  if (text.trim() === "") throw new ValidationError("The request needs a JSON body.", [], "invalid_json");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}`, [], "invalid_json");
  }
}
