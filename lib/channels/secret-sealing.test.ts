import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { SealedSecretError, sealSecrets, unsealLegacySecrets, unsealSecrets } from "./secret-sealing";

const key = crypto.randomBytes(32);
const channelId = "4a4b1f0e-8a52-4d2b-9d35-2f4bb1c3d001";
const otherChannelId = "4a4b1f0e-8a52-4d2b-9d35-2f4bb1c3d002";
const secrets = { appKey: "dd1066407b044738b6479275", masterSecret: "2b38ce69b1de2a7fa95706ea" };

/** The stored layout: "v2." + base64url(iv[12] | tag[16] | ciphertext). */
function parts(sealed: string) {
  expect(sealed.startsWith("v2.")).toBe(true);
  const raw = Buffer.from(sealed.slice(3), "base64url");
  return { raw, iv: [0, 12] as const, tag: [12, 28] as const, body: [28, raw.length] as const };
}

function flipBit(sealed: string, byteIndex: number): string {
  const { raw } = parts(sealed);
  const copy = Buffer.from(raw);
  copy[byteIndex]! ^= 0x01;
  return "v2." + copy.toString("base64url");
}

/** A v1 blob as earlier versions wrote it: the same envelope without associated data. */
function sealV1(k: Buffer, value: Record<string, string>): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", k, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return "v1." + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

describe("channel secret sealing", () => {
  it("unseals what it sealed, with the same key and channel id", () => {
    const sealed = sealSecrets(key, channelId, secrets);
    expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]+$/);
    expect(unsealSecrets(key, channelId, sealed)).toEqual(secrets);
  });

  it("uses a fresh iv each time, so the same secrets never seal to the same text", () => {
    const a = sealSecrets(key, channelId, secrets);
    const b = sealSecrets(key, channelId, secrets);
    expect(a).not.toBe(b);
    expect(parts(a).raw.subarray(0, 12).equals(parts(b).raw.subarray(0, 12))).toBe(false);
  });

  it("keeps the 12-byte iv, the 16-byte tag and the ciphertext in that order", () => {
    const sealed = sealSecrets(key, channelId, secrets);
    const { raw } = parts(sealed);
    expect(raw.length).toBe(12 + 16 + Buffer.byteLength(JSON.stringify(secrets)));
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    decipher.setAAD(Buffer.from(channelId, "utf8"));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    expect(JSON.parse(plain)).toEqual(secrets);
  });

  it.each([
    ["the iv", 0],
    ["the iv's last byte", 11],
    ["the tag", 12],
    ["the tag's last byte", 27],
    ["the ciphertext", 28],
    ["the ciphertext's last byte", -1],
  ])("refuses secrets with one bit of %s flipped", (_part, index) => {
    const sealed = sealSecrets(key, channelId, secrets);
    const at = index < 0 ? parts(sealed).raw.length + index : index;
    expect(() => unsealSecrets(key, channelId, flipBit(sealed, at))).toThrow(SealedSecretError);
  });

  it("refuses another key", () => {
    const sealed = sealSecrets(key, channelId, secrets);
    expect(() => unsealSecrets(crypto.randomBytes(32), channelId, sealed)).toThrow(/do not open/);
  });

  it("refuses a blob copied onto another channel", () => {
    const sealed = sealSecrets(key, channelId, secrets);
    expect(() => unsealSecrets(key, otherChannelId, sealed)).toThrow(/do not open/);
    expect(() => unsealSecrets(key, "", sealed)).toThrow(/do not open/);
  });

  it("does not store the secrets in clear nor merely encoded", () => {
    const sealed = sealSecrets(key, channelId, secrets);
    const plaintexts = [...Object.values(secrets), JSON.stringify(secrets)];
    for (const plain of plaintexts) {
      const bytes = Buffer.from(plain, "utf8");
      for (const encoded of [plain, bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex")]) {
        // Any 12-character run of an encoding would be there if the secret were only encoded.
        expect(sealed).not.toContain(encoded.slice(0, 12));
      }
    }
    const decoded = Buffer.from(sealed.slice(3), "base64url");
    for (const plain of plaintexts) expect(decoded.includes(Buffer.from(plain, "utf8"))).toBe(false);
  });

  it("refuses a v1 blob, which carries no channel binding", () => {
    const legacy = sealV1(key, secrets);
    expect(() => unsealSecrets(key, channelId, legacy)).toThrow(/v1/);
    // ...while the one-time reseal can still read it.
    expect(unsealLegacySecrets(key, legacy)).toEqual(secrets);
    expect(() => unsealLegacySecrets(crypto.randomBytes(32), legacy)).toThrow(/do not open/);
  });

  it("reads only v1 blobs as legacy", () => {
    expect(() => unsealLegacySecrets(key, sealSecrets(key, channelId, secrets))).toThrow(/Not a v1/);
  });

  it.each([
    ["an unknown version", "v3." + Buffer.alloc(40).toString("base64url"), /Unknown/],
    ["no version", Buffer.alloc(40).toString("base64url"), /Unknown/],
    ["a truncated envelope", "v2." + Buffer.alloc(27).toString("base64url"), /truncated/],
    ["an empty envelope", "v2.", /truncated/],
  ])("refuses %s with a clear error", (_what, sealed, message) => {
    expect(() => unsealSecrets(key, channelId, sealed)).toThrow(SealedSecretError);
    expect(() => unsealSecrets(key, channelId, sealed)).toThrow(message);
  });
});
