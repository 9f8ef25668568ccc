import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppSecretError, loadRootSecret } from "./app-secret";

let dataDir: string;
let file: string;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "app-secret-"));
  file = path.join(dataDir, "app-secret");
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function refusal(run: () => unknown): AppSecretError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppSecretError);
    return error as AppSecretError;
  }
  throw new Error("the secret was accepted");
}

describe("the DATA_DIR/app-secret file", () => {
  it("is generated on first start: 32 random bytes, readable by the owner only, the same on the next start", () => {
    const first = loadRootSecret(undefined, dataDir);
    expect(first).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadRootSecret(undefined, dataDir).equals(first)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual(["app-secret"]);
  });

  it("is generated into a data directory that does not exist yet", () => {
    const nested = path.join(dataDir, "a", "b");
    expect(loadRootSecret(undefined, nested)).toHaveLength(32);
    expect(fs.existsSync(path.join(nested, "app-secret"))).toBe(true);
  });

  it("is used as it is when it holds a good key", () => {
    const key = crypto.randomBytes(48);
    fs.writeFileSync(file, key.toString("base64") + "\n");
    expect(loadRootSecret(undefined, dataDir).equals(key)).toBe(true);
  });

  it("stops the start when it is empty, naming the file and how to fix it, and is left as it is", () => {
    fs.writeFileSync(file, "\n");
    const error = refusal(() => loadRootSecret(undefined, dataDir));
    expect(error.message).toContain(`${file} is empty`);
    expect(error.message).toContain("openssl rand -base64 32");
    expect(fs.readFileSync(file, "utf8")).toBe("\n");
  });

  it("stops the start when it holds fewer than 32 bytes", () => {
    fs.writeFileSync(file, crypto.randomBytes(16).toString("base64"));
    const error = refusal(() => loadRootSecret(undefined, dataDir));
    expect(error.message).toContain(`${file} holds 16 bytes; it must hold at least 32`);
  });

  it("stops the start when it is not base64, rather than decoding a passphrase into a few bytes", () => {
    fs.writeFileSync(file, "my very own passphrase, long enough to look safe!");
    expect(refusal(() => loadRootSecret(undefined, dataDir)).message).toContain(`${file} is not base64`);
  });
});

describe("APP_SECRET", () => {
  it("is used instead of the file when it has at least 32 bytes, and no file is written", () => {
    const secret = "a".repeat(32);
    expect(loadRootSecret(secret, dataDir).equals(Buffer.from(secret))).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("counts bytes, not characters", () => {
    expect(loadRootSecret("密".repeat(11), dataDir)).toHaveLength(33);
    expect(refusal(() => loadRootSecret("密".repeat(10), dataDir)).message).toContain("APP_SECRET is 30 bytes long");
  });

  it.each([16, 31])("stops the start when it has %i bytes, naming APP_SECRET and how to make one", (length) => {
    const error = refusal(() => loadRootSecret("x".repeat(length), dataDir));
    expect(error.message).toContain(`APP_SECRET is ${length} bytes long; it must be at least 32`);
    expect(error.message).toContain("openssl rand -base64 32");
  });

  it("is refused even when a good file exists, rather than falling back to the file", () => {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64"));
    expect(refusal(() => loadRootSecret("short", dataDir)).message).toContain("APP_SECRET");
  });
});
