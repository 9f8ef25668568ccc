import path from "node:path";
import { z } from "zod";

/**
 * The server's environment (DESIGN.md section 6), parsed by one schema. A value that does not
 * parse stops the server with a message naming the variable (`IMPORT_MAX_BYTES=abc` must not
 * silently mean "no limit"). Read once per call so tests can set variables before they open a
 * database. Nothing here touches the disk.
 */
export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      "The server's environment is not valid:\n" + problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n"),
    );
    this.name = "EnvError";
  }
}

/** Unset and empty both mean "use the default": an empty variable in a unit file is not a value. */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

function integer(defaultValue: number, min: number, max: number) {
  return optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, "must be a whole number")
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .optional()
      .transform((v) => v ?? defaultValue),
  );
}

function url(defaultValue: string | undefined, protocols: string[]) {
  return optionalText.pipe(
    z
      .string()
      .refine((v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, `must be a URL starting with ${protocols.map((p) => p + "//").join(" or ")}`)
      .optional()
      .transform((v) => (v ?? defaultValue)?.replace(/\/+$/, "")),
  );
}

const onOff = optionalText.transform((v) => v?.trim().toLowerCase()).pipe(
  z
    .enum(["on", "off", "true", "false", "1", "0"], { message: "must be on or off" })
    .optional()
    .transform((v) => v === undefined || v === "on" || v === "true" || v === "1"),
);

const envSchema = z.object({
  PORT: integer(3000, 1, 65535),
  DATA_DIR: optionalText,
  DATABASE_URL: url(undefined, ["postgres:", "postgresql:"]),
  APP_SECRET: optionalText,
  PUBLIC_URL: url(undefined, ["http:", "https:"]),
  JSMS_BASE_URL: url("https://api.sms.jpush.cn", ["http:", "https:"]),
  ADMIN_EMAIL: optionalText,
  ADMIN_PASSWORD: optionalText,
  WORKER: onOff,
  IMPORT_MAX_BYTES: integer(100 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
  IMPORT_MAX_ROWS: integer(2_000_000, 1, 100_000_000),
  IMPORT_WRITE_LANES: integer(2, 1, 16),
  SESSION_IDLE_MINUTES: integer(120, 1, 7 * 24 * 60),
  TRUST_PROXY: integer(0, 0, 10),
  // A guessable scrape token would open the figures to anyone: at least 16 characters.
  METRICS_TOKEN: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
});

export interface ServerEnv {
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  appSecret: string | undefined;
  publicUrl: string;
  /** PUBLIC_URL is https: cookies are Secure and HSTS is sent, whatever a proxy says. */
  secureCookies: boolean;
  jsmsBaseUrl: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  workerEnabled: boolean;
  importMaxBytes: number;
  importMaxRows: number;
  importWriteLanes: number;
  /** A console session unused for this long ends. */
  sessionIdleMs: number;
  /** Reverse proxies in front of the console whose X-Forwarded-For is believed (0: none). */
  trustProxyHops: number;
  /** `Authorization: Bearer …` that GET /api/metrics accepts besides an admin API key; unset: API keys only. */
  metricsToken: string | undefined;
}

export function readServerEnv(env: Readonly<Record<string, string | undefined>> = process.env): ServerEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? "?"), message: i.message })));
  }
  const v = parsed.data;
  const publicUrl = v.PUBLIC_URL ?? `http://localhost:${v.PORT}`;
  return {
    port: v.PORT,
    dataDir: path.resolve(/*turbopackIgnore: true*/ v.DATA_DIR ?? "./data"),
    databaseUrl: v.DATABASE_URL,
    appSecret: v.APP_SECRET,
    publicUrl,
    secureCookies: publicUrl.startsWith("https:"),
    jsmsBaseUrl: v.JSMS_BASE_URL!,
    adminEmail: v.ADMIN_EMAIL,
    adminPassword: v.ADMIN_PASSWORD,
    workerEnabled: v.WORKER,
    importMaxBytes: v.IMPORT_MAX_BYTES,
    importMaxRows: v.IMPORT_MAX_ROWS,
    importWriteLanes: v.IMPORT_WRITE_LANES,
    sessionIdleMs: v.SESSION_IDLE_MINUTES * 60_000,
    trustProxyHops: v.TRUST_PROXY,
    metricsToken: v.METRICS_TOKEN,
  };
}
