import { NextResponse, type NextRequest } from "next/server";
import { translateMessage } from "@/lib/i18n/messages";
import { localeOfRequest } from "@/lib/i18n/request-locale";
import { DomainError, type ErrorDetail } from "@/lib/util/errors";
import { logger } from "@/lib/util/logger";

/**
 * The error shape of DESIGN.md section 6, `{error:{code, message, details, requestId}}` (plus
 * `messageKey` and `messageParams` when the error names its catalogue key), for
 * every answer the REST API gives that is not a success: domain errors with their own status,
 * anything else as a 500 that is logged with the request id and told to the caller only by it.
 */
export function errorResponse(error: unknown, requestId: string, req?: NextRequest): NextResponse {
  if (error instanceof DomainError) {
    const details: ErrorDetail[] = error.details.map((d) => ({ path: d.path, message: translateMessage(d.message, localeOfRequest(req)) }));
    const headers: Record<string, string> = { "x-request-id": requestId };
    if (error.status === 401 && wantsBasicChallenge(req)) headers["www-authenticate"] = 'Basic realm="sms-console"';
    const translatable = error.messageKey ? { messageKey: error.messageKey, messageParams: error.messageParams ?? {} } : {};
    return NextResponse.json({ error: { code: error.code, message: error.message, details, requestId, ...translatable } }, { status: error.status, headers });
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

/** Auth.js session cookies, also when chunked ("authjs.session-token.0"). */
const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;

/**
 * A 401 names the Basic scheme for API clients, as HTTP asks. A browser shows its own login box
 * on that header, which must not happen to the console's pages when a session expires: so it is
 * left out when the request carried a session cookie, or came from a browser (Sec-Fetch-Mode,
 * which only browsers send) without Basic credentials of its own.
 */
export function wantsBasicChallenge(req: NextRequest | undefined): boolean {
  if (!req) return true;
  if (req.cookies.getAll().some((cookie) => SESSION_COOKIE.test(cookie.name))) return false;
  const sentBasic = /^Basic\s/i.test(req.headers.get("authorization") ?? "");
  return sentBasic || !req.headers.has("sec-fetch-mode");
}
