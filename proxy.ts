import { NextResponse, type NextRequest } from "next/server";
import { readServerEnv } from "@/lib/config/env";
import { createNonce, securityHeadersFor } from "@/lib/http/security-headers";

/**
 * Runs before every page and route handler: gives each page answer a Content-Security-Policy
 * with a fresh nonce (Next.js finds it in the request's copy and puts it on its scripts), route
 * handlers a policy that allows nothing, and both HSTS when PUBLIC_URL is https.
 */
export function proxy(request: NextRequest) {
  const headers = securityHeadersFor(request.nextUrl.pathname, createNonce(), {
    https: readServerEnv().secureCookies,
    development: process.env.NODE_ENV === "development",
  });
  const requestHeaders = new Headers(request.headers);
  for (const [key, value] of Object.entries(headers.request)) requestHeaders.set(key, value);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [key, value] of Object.entries(headers.response)) response.headers.set(key, value);
  return response;
}

export const config = {
  // Build output and the favicon are files, not documents: the fixed headers of next.config.ts suffice.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
