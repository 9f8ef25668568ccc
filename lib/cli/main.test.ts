import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/lib/db/client";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { verifyOperatorLogin } from "@/lib/auth/operators";

/** `npm run console` as an operator runs it: a process of its own, on a fresh DATA_DIR. */
const root = path.resolve(__dirname, "../..");
const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runConsole(args: string[], options: { env: NodeJS.ProcessEnv; stdin?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, "lib/cli/main.ts", ...args], { cwd: root, env: options.env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin.write(options.stdin);
    child.stdin.end();
  });
}

/** The parent's environment without anything that would point the console elsewhere. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["DATABASE_URL", "APP_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD", "IMPORT_MAX_BYTES"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

const targets: ("pglite" | "postgres")[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

for (const kind of targets) {
  describe(`create-operator takes the password from standard input [${kind}]`, () => {
    let dataDir: string;
    let databaseUrl: string | undefined;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      if (kind === "postgres") ({ url: databaseUrl, drop } = await createScratchDatabase(process.env.DATABASE_URL!));
    });
    afterAll(async () => drop?.());
    beforeEach(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "console-cli-"));
    });
    afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    const env = () => cleanEnv({ DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });

    /** Opened after the process has ended: the embedded database belongs to one process at a time. */
    async function signIns(email: string, passwords: string[]) {
      const handle = await openDatabase({ databaseUrl, dataDir });
      try {
        const results = [];
        for (const password of passwords) results.push(await verifyOperatorLogin(handle.db, { email, password }, "127.0.0.1"));
        return results;
      } finally {
        await handle.close();
      }
    }

    it("--password-stdin reads the first line, and the operator signs in with it", async () => {
      const email = `stdin-${kind}@example.com`;
      const run = await runConsole(["create-operator", "--email", email, "--role", "operator", "--password-stdin"], {
        env: env(),
        stdin: "piped-password-0123\nnot part of it\n",
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`operator ${email} (operator) created`);
      const [right, secondLine] = await signIns(email, ["piped-password-0123", "not part of it"]);
      expect(right).toMatchObject({ email, role: "operator" });
      expect(secondLine).toBeNull();
    }, 120_000);

    it("without --password, reads piped input the same way (a Windows line ending is not part of it)", async () => {
      const email = `piped-${kind}@example.com`;
      const run = await runConsole(["create-operator", "--email", email, "--role", "viewer"], {
        env: env(),
        stdin: "windows-password-0123\r\n",
      });
      expect(run.code).toBe(0);
      expect((await signIns(email, ["windows-password-0123"]))[0]).toMatchObject({ email, role: "viewer" });
    }, 120_000);
  });
}

describe("the console CLI stops on configuration it cannot use", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "console-cli-config-"));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("refuses --password with --password-stdin, and empty input, before touching the database", async () => {
    const both = await runConsole(
      ["create-operator", "--email", "both@example.com", "--role", "viewer", "--password", "x-password-0123", "--password-stdin"],
      { env: cleanEnv({ DATA_DIR: dataDir }), stdin: "y-password-0123\n" },
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("error: give --password or --password-stdin, not both");

    const empty = await runConsole(["create-operator", "--email", "empty@example.com", "--role", "viewer", "--password-stdin"], {
      env: cleanEnv({ DATA_DIR: dataDir }),
      stdin: "",
    });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("error: no password on standard input");
    expect(fs.existsSync(path.join(dataDir, "pglite"))).toBe(false);
  });

  it("names a variable that does not parse", async () => {
    const run = await runConsole(["migrate"], { env: cleanEnv({ DATA_DIR: dataDir, IMPORT_MAX_BYTES: "abc" }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: The server's environment is not valid:");
    expect(run.stderr).toContain("IMPORT_MAX_BYTES: must be a whole number");
    expect(run.stdout).not.toContain("migrations applied");
  });

  it("names a short APP_SECRET, before touching the database", async () => {
    const run = await runConsole(["migrate"], { env: cleanEnv({ DATA_DIR: dataDir, APP_SECRET: "too-short" }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: APP_SECRET is 9 bytes long; it must be at least 32");
    expect(fs.existsSync(path.join(dataDir, "pglite"))).toBe(false);
  });

  it("names an empty DATA_DIR/app-secret", async () => {
    fs.writeFileSync(path.join(dataDir, "app-secret"), "");
    const run = await runConsole(["migrate"], { env: cleanEnv({ DATA_DIR: dataDir }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${path.join(dataDir, "app-secret")} is empty`);
  });
});
