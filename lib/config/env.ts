import path from "node:path";

/**
 * The server's environment (DESIGN.md section 6), read once per call so tests can set
 * variables before they open a database. Nothing here touches the disk.
 */
export interface ServerEnv {
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  appSecret: string | undefined;
  publicUrl: string;
  jsmsBaseUrl: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  workerEnabled: boolean;
}

export function readServerEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const port = Number(env.PORT ?? 3000);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
  return {
    port,
    dataDir: path.resolve(/*turbopackIgnore: true*/ env.DATA_DIR ?? "./data"),
    databaseUrl: env.DATABASE_URL || undefined,
    appSecret: env.APP_SECRET || undefined,
    publicUrl,
    jsmsBaseUrl: (env.JSMS_BASE_URL ?? "https://api.sms.jpush.cn").replace(/\/+$/, ""),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    workerEnabled: (env.WORKER ?? "on").toLowerCase() !== "off",
  };
}
