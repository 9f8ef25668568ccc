import crypto from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { authenticateApiKey, parseBasicAuth } from "@/lib/auth/api-keys";
import type { Actor } from "@/lib/auth/actor";
import { hasRole, type Role } from "@/lib/auth/roles";
import { getSessionActor } from "@/lib/auth/session";
import { translateMessage } from "@/lib/i18n/messages";
import { LOCALE_COOKIE, isLocale, localeFromAcceptLanguage, type Locale } from "@/lib/i18n/locales";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { DomainError, ForbiddenError, UnauthorizedError, ValidationError, type ErrorDetail } from "@/lib/util/errors";
import { logger } from "@/lib/util/logger";
import { issuesToDetails } from "@/lib/util/zod";

/**
 * The one wrapper around every REST route handler: it authenticates (API key or console
 * session), checks the role, reads and size-checks the JSON body, and turns domain errors into
 * the error shape of DESIGN.md section 6 with a request id. A handler's own body then calls
 * one lib function and shapes the answer.
 */
export interface ApiContext<P> {
  req: NextRequest;
  actor: Actor;
  params: P;
  runtime: Runtime;
  requestId: string;
  /** The request body as JSON (400 when it is not JSON, 413 when too large). */
  json(): Promise<unknown>;
  /** The request body parsed with a zod schema (400 with one detail per wrong field). */
  parse<S extends z.ZodType>(schema: S): Promise<z.infer<S>>;
}

interface ApiOptions {
  /** The weakest role allowed. */
  role: Role;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

type Handler<P> = (ctx: ApiContext<P>) => Promise<Response>;

export function apiRoute<P = Record<string, never>>(options: ApiOptions, handler: Handler<P>) {
  return async (req: NextRequest, route: { params: Promise<P> }): Promise<Response> => {
    const requestId = crypto.randomUUID();
    try {
      const runtime = await getRuntime();
      const actor = await authenticate(req, runtime);
      if (!hasRole(actor.role, options.role)) {
        throw new ForbiddenError(`This call needs the ${options.role} role; yours is ${actor.role}.`);
      }
      const maxBytes = options.maxBodyBytes ?? 1024 * 1024;
      let body: Promise<unknown> | undefined;
      const json = () => (body ??= readJson(req, maxBytes));
      const ctx: ApiContext<P> = {
        req,
        actor,
        params: await route.params,
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
}

/** Field messages follow the console's language choice, else the caller's Accept-Language (English by default). */
function localeOf(req: NextRequest | undefined): Locale {
  if (!req) return "en";
  const chosen = req.cookies.get(LOCALE_COOKIE)?.value;
  return isLocale(chosen) ? chosen : localeFromAcceptLanguage(req.headers.get("accept-language"));
}

async function authenticate(req: NextRequest, runtime: Runtime): Promise<Actor> {
  const header = req.headers.get("authorization");
  if (header) {
    const basic = parseBasicAuth(header);
    const actor = basic ? await authenticateApiKey(runtime.db, basic.user, basic.pass) : null;
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

async function readJson(req: NextRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > maxBytes) throw new DomainError("payload_too_large", 413, `The body is larger than ${maxBytes} bytes.`);
  const text = await req.text();
  if (Buffer.byteLength(text) > maxBytes) throw new DomainError("payload_too_large", 413, `The body is larger than ${maxBytes} bytes.`);
  if (text.trim() === "") throw new ValidationError("The request needs a JSON body.", [], "invalid_json");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}`, [], "invalid_json");
  }
}

export function errorResponse(error: unknown, requestId: string, req?: NextRequest): Response {
  if (error instanceof DomainError) {
    const details: ErrorDetail[] = error.details.map((d) => ({ path: d.path, message: translateMessage(d.message, localeOf(req)) }));
    const headers: Record<string, string> = { "x-request-id": requestId };
    if (error.status === 401) headers["www-authenticate"] = 'Basic realm="sms-console"';
    return NextResponse.json(
      { error: { code: error.code, message: error.message, details, requestId } },
      { status: error.status, headers },
    );
  }
  logger.error("unhandled error in route handler", { requestId, method: req?.method, path: req?.nextUrl.pathname, error });
  return NextResponse.json(
    { error: { code: "internal_error", message: `Something went wrong on our side (request ${requestId}).`, details: [], requestId } },
    { status: 500, headers: { "x-request-id": requestId } },
  );
}

export function json(body: unknown, status = 200): Response {
  return NextResponse.json(body, { status });
}
