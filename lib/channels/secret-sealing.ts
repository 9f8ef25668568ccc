import crypto from "node:crypto";

/**
 * Channel secrets (MasterSecret, CMPP password, AppKey) are sealed with AES-256-GCM before they
 * reach the database. Format: "v1." + base64url(iv[12] | tag[16] | ciphertext). The version
 * prefix leaves room to rotate the algorithm or key later.
 */
const VERSION = "v1.";

export function sealSecrets(key: Buffer, secrets: Record<string, string>): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function unsealSecrets(key: Buffer, sealed: string): Record<string, string> {
  if (!sealed.startsWith(VERSION)) throw new Error("Unknown sealed-secret format");
  const raw = Buffer.from(sealed.slice(VERSION.length), "base64url");
  if (raw.length < 28) throw new Error("Sealed secret is truncated");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  return JSON.parse(plain.toString("utf8")) as Record<string, string>;
}
