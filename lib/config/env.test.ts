import { describe, expect, it } from "vitest";
import { EnvError, readServerEnv } from "./env";

function problemsOf(env: Record<string, string | undefined>): { variable: string; message: string }[] {
  try {
    readServerEnv(env);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe("the server's environment", () => {
  it("takes the documented defaults when nothing is set, and treats empty variables as unset", () => {
    for (const env of [{}, { PORT: "", IMPORT_MAX_BYTES: " ", WORKER: "", DATABASE_URL: "" }]) {
      expect(readServerEnv(env)).toMatchObject({
        port: 3000,
        databaseUrl: undefined,
        publicUrl: "http://localhost:3000",
        secureCookies: false,
        jsmsBaseUrl: "https://api.sms.jpush.cn",
        workerEnabled: true,
        importMaxBytes: 100 * 1024 * 1024,
        importMaxRows: 2_000_000,
        importWriteLanes: 2,
        sessionIdleMs: 120 * 60_000,
        trustProxyHops: 0,
      });
    }
  });

  it("refuses a value that does not parse, naming each variable, instead of falling back to no limit", () => {
    const problems = problemsOf({ IMPORT_MAX_BYTES: "abc", PORT: "1e3", IMPORT_MAX_ROWS: "0", WORKER: "maybe", PUBLIC_URL: "ftp://sms.example.com" });
    expect(Object.fromEntries(problems.map((p) => [p.variable, p.message]))).toEqual({
      IMPORT_MAX_BYTES: "must be a whole number",
      PORT: "must be a whole number",
      IMPORT_MAX_ROWS: "must be at least 1",
      WORKER: "must be on or off",
      PUBLIC_URL: "must be a URL starting with http:// or https://",
    });
    expect(() => readServerEnv({ IMPORT_MAX_BYTES: "abc" })).toThrow(/IMPORT_MAX_BYTES: must be a whole number/);
  });

  it("makes cookies Secure exactly when PUBLIC_URL is https, whatever else is set", () => {
    expect(readServerEnv({ PUBLIC_URL: "https://sms.example.com/" })).toMatchObject({ publicUrl: "https://sms.example.com", secureCookies: true });
    expect(readServerEnv({ PUBLIC_URL: "http://sms.example.com" }).secureCookies).toBe(false);
    expect(readServerEnv({ PORT: "8443" }).secureCookies).toBe(false);
  });

  it("reads the worker switch, the idle time and the trusted proxy hops", () => {
    expect(readServerEnv({ WORKER: "off" }).workerEnabled).toBe(false);
    expect(readServerEnv({ WORKER: "OFF" }).workerEnabled).toBe(false);
    expect(readServerEnv({ WORKER: "on" }).workerEnabled).toBe(true);
    expect(readServerEnv({ SESSION_IDLE_MINUTES: "15" }).sessionIdleMs).toBe(15 * 60_000);
    expect(readServerEnv({ TRUST_PROXY: "1" }).trustProxyHops).toBe(1);
    expect(problemsOf({ TRUST_PROXY: "-1" }).map((p) => p.variable)).toEqual(["TRUST_PROXY"]);
  });

  it("takes a metrics token of 16 characters or more, and none when unset or empty", () => {
    expect(readServerEnv({}).metricsToken).toBeUndefined();
    expect(readServerEnv({ METRICS_TOKEN: "" }).metricsToken).toBeUndefined();
    expect(readServerEnv({ METRICS_TOKEN: "0123456789abcdef" }).metricsToken).toBe("0123456789abcdef");
    expect(problemsOf({ METRICS_TOKEN: "short" })).toEqual([{ variable: "METRICS_TOKEN", message: "must be at least 16 characters" }]);
  });
});
