import { describe, expect, it } from "vitest";
import {
  API_CONTENT_SECURITY_POLICY,
  FIXED_SECURITY_HEADERS,
  createNonce,
  pageContentSecurityPolicy,
  securityHeadersFor,
} from "./security-headers";

const production = { https: false, development: false };

function directive(policy: string, name: string): string[] | undefined {
  const found = policy.split("; ").find((d) => d.split(" ")[0] === name);
  return found?.split(" ").slice(1);
}

describe("the fixed headers", () => {
  it("forbid framing and sniffing, trim the referrer, and deny powerful features", () => {
    expect(Object.fromEntries(FIXED_SECURITY_HEADERS.map((h) => [h.key, h.value]))).toEqual({
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    });
  });
});

describe("a page's Content-Security-Policy", () => {
  it("allows scripts by nonce and what they load, never eval or inline code, in production", () => {
    const policy = pageContentSecurityPolicy("abc123==", production);
    expect(directive(policy, "script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(directive(policy, "style-src")).toEqual(["'self'", "'nonce-abc123=='"]);
    expect(policy).not.toContain("unsafe");
    expect(directive(policy, "object-src")).toEqual(["'none'"]);
    expect(directive(policy, "base-uri")).toEqual(["'self'"]);
    expect(directive(policy, "form-action")).toEqual(["'self'"]);
    expect(directive(policy, "frame-ancestors")).toEqual(["'none'"]);
    expect(directive(policy, "upgrade-insecure-requests")).toBeUndefined();
  });

  it("lets `next dev` eval and inject styles", () => {
    const policy = pageContentSecurityPolicy("n", { https: false, development: true });
    expect(directive(policy, "script-src")).toContain("'unsafe-eval'");
    expect(directive(policy, "style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it("upgrades insecure requests when the console is served over https", () => {
    expect(directive(pageContentSecurityPolicy("n", { https: true, development: false }), "upgrade-insecure-requests")).toEqual([]);
  });
});

describe("the headers for one request", () => {
  it("give a page the nonce policy on the request (for Next.js to find) and on the answer", () => {
    const headers = securityHeadersFor("/channels/new", "n0nce==", production);
    expect(headers.request["Content-Security-Policy"]).toBe(pageContentSecurityPolicy("n0nce==", production));
    expect(headers.response["Content-Security-Policy"]).toBe(headers.request["Content-Security-Policy"]);
    expect(headers.response["Strict-Transport-Security"]).toBeUndefined();
  });

  it("give route handlers a policy that allows nothing, and leave their request alone", () => {
    for (const pathname of ["/api", "/api/v1/channels", "/api/jsms/callback/abc"]) {
      expect(securityHeadersFor(pathname, "n", production)).toEqual({
        request: {},
        response: { "Content-Security-Policy": API_CONTENT_SECURITY_POLICY },
      });
    }
    expect(API_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("treat a page whose name begins with api as a page", () => {
    expect(securityHeadersFor("/apiary", "n", production).response["Content-Security-Policy"]).toContain("'nonce-n'");
  });

  it("add HSTS to pages and API answers alike when PUBLIC_URL is https", () => {
    const https = { https: true, development: false };
    for (const pathname of ["/login", "/api/health"]) {
      expect(securityHeadersFor(pathname, "n", https).response["Strict-Transport-Security"]).toBe("max-age=31536000; includeSubDomains");
    }
  });
});

describe("the nonce", () => {
  it("is 128 random bits in base64, new every time", () => {
    const nonces = new Set(Array.from({ length: 1000 }, createNonce));
    expect(nonces.size).toBe(1000);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
