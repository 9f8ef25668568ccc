import { NextResponse, type NextRequest } from "next/server";
import { readServerEnv } from "@/lib/config/env";
import { createNonce, securityHeadersFor } from "@/lib/http/security-headers";

/**
 * Runs before every page: gives its answer a Content-Security-Policy with a fresh nonce (Next.js
 * finds it in the request's copy and puts it on its scripts), and HSTS when PUBLIC_URL is https.
 * Route handlers get their fixed policy from next.config.ts (see lib/http/security-headers.ts).
 */
let https: boolean | undefined;

export function proxy(request: NextRequest) {
  // The environment is fixed for the life of the process: parse it once.
  https ??= readServerEnv().secureCookies;
  const headers = securityHeadersFor(createNonce(), { https, development: process.env.NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  for (const [key, value] of Object.entries(headers.request)) requestHeaders.set(key, value);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [key, value] of Object.entries(headers.response)) response.headers.set(key, value);
  return response;
}

export const config = {
  // Route handlers, build output and the favicon are not documents: next.config.ts's headers suffice.
  matcher: ["/((?!api/|api$|_next/static|_next/image|favicon.ico).*)"],
};
