import crypto from "node:crypto";

/**
 * Channel secrets (MasterSecret, CMPP password, AppKey) are sealed with AES-256-GCM before they
 * reach the database. Format: "v2." + base64url(iv[12] | tag[16] | ciphertext), with the
 * channel's id as associated data: a sealed blob copied onto another channel's row (by a
 * database user, a bad restore or a bug) fails to unseal instead of lending that channel
 * someone else's credentials. The version prefix leaves room to rotate the algorithm or key.
 */
const VERSION = "v2.";
/** The earlier format, without channel binding; only resealLegacyChannelSecrets reads it. */
export const LEGACY_VERSION = "v1.";

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

export function sealSecrets(key: Buffer, channelId: string, secrets: Record<string, string>): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(channelId, "utf8"));
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function unsealSecrets(key: Buffer, channelId: string, sealed: string): Record<string, string> {
  // A v1 blob carries no channel binding, so accepting it here would let a v1 blob copied onto
  // another row unseal there. Start-up reseals every v1 row as v2, so none should remain.
  if (sealed.startsWith(LEGACY_VERSION)) {
    throw new SealedSecretError("These channel secrets are in the unbound v1 format; restart the console to reseal them.");
  }
  if (!sealed.startsWith(VERSION)) throw new SealedSecretError("Unknown sealed-secret format.");
  return openEnvelope(key, sealed.slice(VERSION.length), Buffer.from(channelId, "utf8"));
}

/** Reads a v1 blob (no associated data). For the one-time reseal only. */
export function unsealLegacySecrets(key: Buffer, sealed: string): Record<string, string> {
  if (!sealed.startsWith(LEGACY_VERSION)) throw new SealedSecretError("Not a v1 sealed secret.");
  return openEnvelope(key, sealed.slice(LEGACY_VERSION.length), null);
}

function openEnvelope(key: Buffer, encoded: string, aad: Buffer | null): Record<string, string> {
  const raw = Buffer.from(encoded, "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedSecretError("Sealed secret is truncated.");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  if (aad) decipher.setAAD(aad);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SealedSecretError(
      "The channel secrets do not open: sealed with another APP_SECRET, for another channel, or altered.",
    );
  }
  return JSON.parse(plain.toString("utf8")) as Record<string, string>;
}
