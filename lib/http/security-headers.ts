/**
 * The security headers of every answer, in one place for the two things that set them:
 * next.config.ts puts the fixed ones on every path (static files included) and the API policy on
 * /api; proxy.ts puts the ones that vary on pages: the Content-Security-Policy (a fresh nonce per
 * page) and HSTS (it depends on PUBLIC_URL when the server starts, while next.config's headers are
 * fixed when it is built). Route handlers stay out of proxy.ts: running it halved the requests a
 * second the API could answer (measured on /api/ping: 300–580 against 600–1,040). HSTS is a
 * policy for the whole host, which a browser learns from the first page it loads.
 * No imports: next.config.ts loads this file outside the bundler.
 */

export interface HeaderEntry {
  key: string;
  value: string;
}

/** On every answer, whatever produced it. */
export const FIXED_SECURITY_HEADERS: readonly HeaderEntry[] = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  // The console uses none of these; a script injected despite the CSP gets none of them either.
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
];

/** Route handlers answer JSON and files, never markup: nothing they send may load or be framed. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

export interface SecurityHeaderOptions {
  /** PUBLIC_URL is https. */
  https: boolean;
  /** `next dev`: React's development build needs eval and injects unnonced styles. */
  development: boolean;
}

/**
 * A page's policy. Next.js reads the nonce from the request's copy of this header and puts it on
 * every script it renders; 'strict-dynamic' then lets those scripts load the route's chunks.
 * Styles come from Next's stylesheet files ('self') and its nonced inline tags. No 'unsafe-inline':
 * a `style` prop set in the browser goes through the CSSOM, which the policy does not govern, but
 * one rendered on the server becomes a style attribute and is blocked (use a class instead).
 */
export function pageContentSecurityPolicy(nonce: string, { https, development }: SecurityHeaderOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    development ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** 128 random bits, base64: unguessable, and in the alphabet Next.js accepts for a nonce. */
export function createNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export interface RequestSecurityHeaders {
  /** Set on the request before Next.js renders it (the page's CSP, for Next to find the nonce). */
  request: Record<string, string>;
  /** Set on the answer. */
  response: Record<string, string>;
}

/** What proxy.ts adds for one request; the fixed headers come from next.config.ts. */
export function securityHeadersFor(nonce: string, options: SecurityHeaderOptions): RequestSecurityHeaders {
  const policy = pageContentSecurityPolicy(nonce, options);
  const response: Record<string, string> = { "Content-Security-Policy": policy };
  if (options.https) response["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY;
  return { request: { "Content-Security-Policy": policy }, response };
}

/** next.config.ts `headers()`: the fixed headers everywhere, and the API policy on route handlers (`:path*` takes bare /api too). */
export const CONFIG_HEADER_RULES: readonly { source: string; headers: HeaderEntry[] }[] = [
  { source: "/:path*", headers: [...FIXED_SECURITY_HEADERS] },
  { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }] },
];
