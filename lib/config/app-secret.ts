import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The root secret: APP_SECRET when set, otherwise 32 random bytes generated once into
 * DATA_DIR/app-secret (mode 0600). Several processes sharing one PostgreSQL database must
 * share it too: set APP_SECRET, or point them at the same DATA_DIR.
 */
export function loadRootSecret(appSecret: string | undefined, dataDir: string): Buffer {
  if (appSecret) {
    if (appSecret.length < 16) throw new Error("APP_SECRET must be at least 16 characters long.");
    return Buffer.from(appSecret, "utf8");
  }
  const file = path.join(dataDir, "app-secret");
  try {
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const generated = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, generated.toString("base64") + "\n", { flag: "wx", mode: 0o600 });
    return generated;
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    }
    throw error;
  }
}

/** One independent 32-byte key per purpose, so a key used for sessions never seals secrets. */
export function deriveKey(root: Buffer, purpose: "channel-secrets" | "session-jwt"): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", root, Buffer.alloc(0), `sms-console:${purpose}`, 32));
}
