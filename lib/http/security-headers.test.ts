import { describe, expect, it } from "vitest";
import {
  API_CONTENT_SECURITY_POLICY,
  CONFIG_HEADER_RULES,
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
    const headers = securityHeadersFor("n0nce==", production);
    expect(headers.request["Content-Security-Policy"]).toBe(pageContentSecurityPolicy("n0nce==", production));
    expect(headers.response["Content-Security-Policy"]).toBe(headers.request["Content-Security-Policy"]);
    expect(headers.response["Strict-Transport-Security"]).toBeUndefined();
  });

  it("give route handlers, through next.config, the fixed headers and a policy that allows nothing", () => {
    const forPath = (path: string) =>
      CONFIG_HEADER_RULES.filter((rule) => new RegExp("^" + rule.source.replace("/:path*", "(/.*)?") + "$").test(path)).flatMap((rule) => rule.headers);
    for (const path of ["/api", "/api/v1/channels", "/api/jsms/callback/abc"]) {
      expect(forPath(path)).toEqual([...FIXED_SECURITY_HEADERS, { key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }]);
    }
    expect(forPath("/apiary")).toEqual([...FIXED_SECURITY_HEADERS]);
    expect(API_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("add HSTS to pages when PUBLIC_URL is https", () => {
    expect(securityHeadersFor("n", { https: true, development: false }).response["Strict-Transport-Security"]).toBe("max-age=31536000; includeSubDomains");
  });
});

describe("the nonce", () => {
  it("is 128 random bits in base64, new every time", () => {
    const nonces = new Set(Array.from({ length: 1000 }, createNonce));
    expect(nonces.size).toBe(1000);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
