import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { readServerEnv } from "@/lib/config/env";
import type { TestDb } from "@/lib/db/test-databases";
import type { Runtime } from "@/lib/server/runtime";

/**
 * For tests of REST routes: a process runtime around a test database (tests hand it to a mocked
 * getRuntime), and requests as a client sends them.
 */
export function testRuntime(t: TestDb): Runtime {
  return {
    env: readServerEnv({
      NODE_ENV: "test",
      DATA_DIR: path.join(os.tmpdir(), "sms-console-route-tests"),
      APP_SECRET: "route-test-secret-0123456789abcdef",
    }),
    handle: { db: t.db, kind: t.kind, ping: async () => true, close: async () => {} },
    db: t.db,
    sealKey: Buffer.alloc(32, 7),
    sessionSecret: "route-test-session-secret",
  };
}

export function basicAuth(credentials: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(credentials, "utf8").toString("base64")}` };
}

export function apiRequest(
  pathAndQuery: string,
  init: { method?: string; headers?: Record<string, string>; body?: BodyInit; duplex?: "half" } = {},
): NextRequest {
  return new NextRequest(new URL(pathAndQuery, "http://console.test"), init);
}

/** The second argument Next.js passes a route handler. */
export function segments(params: Record<string, string | string[]> = {}) {
  return { params: Promise.resolve(params) };
}
