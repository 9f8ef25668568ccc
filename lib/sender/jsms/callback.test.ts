import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  authenticateCallback,
  buildCallbackForm,
  checkCallbackTimestamp,
  computeCallbackSignature,
  generateCallbackNonce,
  parseCallbackForm,
  verifyCallbackSignature,
  type CallbackParseResult,
} from "@/lib/sender/jsms/callback";

// Expected digests computed outside this code base, with coreutils:
//   printf '%s' 'appKey=dev_sample_appKey&appMasterSecret=dev_sample_appMasterSecret&nonce=7659972084945889195&timestamp=1492150740274' | sha1sum
//   printf '%s' 'appKey=7d431e42dfa6a6d693ac2d04&appMasterSecret=5e987ac6d2e04d95a9d8f0d1&nonce=7659972084945889195&timestamp=1492150740274' | sha1sum
//   printf '%s' 'appKey=4c6921c9b20b2fd9bcd8ca3d&appMasterSecret=5b3e2979c8a48b84cebeaaf4&nonce=-3141592653589793238&timestamp=1700000000123' | sha1sum
//   printf '%s' 'appKey=a&appMasterSecret=b&nonce=1&timestamp=2' | sha1sum
const VECTORS = [
  ["dev_sample_appKey", "dev_sample_appMasterSecret", "7659972084945889195", "1492150740274", "57858e063e5a802e09f7e87169b587701537d4d9"],
  ["7d431e42dfa6a6d693ac2d04", "5e987ac6d2e04d95a9d8f0d1", "7659972084945889195", "1492150740274", "268d92c1b6358285a56e0ccdb0c39c72acebd81d"],
  ["4c6921c9b20b2fd9bcd8ca3d", "5b3e2979c8a48b84cebeaaf4", "-3141592653589793238", "1700000000123", "d8c9d272849d17fb9a9395be4b20d80fbf3b4e1e"],
  ["a", "b", "1", "2", "019077d3547c956e1527d3b1dfeeec6a0f9ef7f8"],
] as const;

const CREDS = { appKey: "7d431e42dfa6a6d693ac2d04", masterSecret: "5e987ac6d2e04d95a9d8f0d1" };
const NOW = 1_700_000_000_000;

function reportForm(data: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const signed = Object.fromEntries(buildCallbackForm({ ...CREDS, type: "SMS_REPORT", data, nonce: "42", timestamp: NOW }));
  return { ...signed, ...overrides };
}

function expectFailure(result: CallbackParseResult, field: string, reason: RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.field).toBe(field);
  expect(result.reason).toMatch(reason);
}

describe("computeCallbackSignature", () => {
  it.each(VECTORS)("matches sha1sum for appKey=%s nonce=%s", (appKey, secret, nonce, timestamp, expected) => {
    expect(computeCallbackSignature(appKey, secret, nonce, timestamp)).toBe(expected);
  });
});

describe("verifyCallbackSignature", () => {
  const [appKey, masterSecret, nonce, timestamp, signature] = VECTORS[1];

  it("accepts the right signature, in either hex case", () => {
    expect(verifyCallbackSignature({ appKey, masterSecret }, { nonce, timestamp, signature })).toBe(true);
    expect(verifyCallbackSignature({ appKey, masterSecret }, { nonce, timestamp, signature: signature.toUpperCase() })).toBe(true);
  });

  it("rejects a signature made with another secret, nonce or timestamp", () => {
    expect(verifyCallbackSignature({ appKey, masterSecret: "0".repeat(24) }, { nonce, timestamp, signature })).toBe(false);
    expect(verifyCallbackSignature({ appKey, masterSecret }, { nonce: "7659972084945889196", timestamp, signature })).toBe(false);
    expect(verifyCallbackSignature({ appKey, masterSecret }, { nonce, timestamp: "1492150740275", signature })).toBe(false);
  });

  it("rejects a forged digest with one character changed, and signatures of the wrong length without throwing", () => {
    const forged = (signature[0] === "0" ? "1" : "0") + signature.slice(1);
    expect(verifyCallbackSignature({ appKey, masterSecret }, { nonce, timestamp, signature: forged })).toBe(false);
    for (const bad of ["", "abc", signature + "0", signature.slice(0, 39), "é".repeat(40)]) {
      expect(verifyCallbackSignature({ appKey, masterSecret }, { nonce, timestamp, signature: bad })).toBe(false);
    }
  });

  it("accepts exactly the signature it computes (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.nat(), (appKey, masterSecret, nonce, ts) => {
        const fields = { nonce: nonce.toString(), timestamp: String(ts) };
        const signature = computeCallbackSignature(appKey, masterSecret, fields.nonce, fields.timestamp);
        expect(verifyCallbackSignature({ appKey, masterSecret }, { ...fields, signature })).toBe(true);
        expect(verifyCallbackSignature({ appKey, masterSecret: masterSecret + "x" }, { ...fields, signature })).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe("generateCallbackNonce", () => {
  it("gives signed 64-bit integers, negative ones included", () => {
    const nonces = Array.from({ length: 200 }, generateCallbackNonce);
    for (const n of nonces) {
      expect(n).toMatch(/^-?\d{1,19}$/);
      expect(BigInt(n) >= -(2n ** 63n) && BigInt(n) < 2n ** 63n).toBe(true);
    }
    expect(nonces.some((n) => n.startsWith("-"))).toBe(true);
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

describe("checkCallbackTimestamp", () => {
  const HOUR = 3_600_000;

  it("by default accepts Jiguang's last retry (about 13 h after the first try) and refuses a day-old callback", () => {
    expect(checkCallbackTimestamp(String(NOW - 13 * HOUR - 3 * 60_000), { now: NOW })).toEqual({ ok: true, ageMs: 13 * HOUR + 3 * 60_000 });
    const stale = checkCallbackTimestamp(String(NOW - 24 * HOUR - 1), { now: NOW });
    expect(stale).toMatchObject({ ok: false, reason: "stale_timestamp" });
  });

  it("honours a configured window and refuses timestamps too far in the future", () => {
    expect(checkCallbackTimestamp(NOW - 61_000, { now: NOW, maxAgeMs: 60_000 })).toMatchObject({ ok: false, reason: "stale_timestamp" });
    expect(checkCallbackTimestamp(NOW - 59_000, { now: NOW, maxAgeMs: 60_000 }).ok).toBe(true);
    expect(checkCallbackTimestamp(NOW + 4 * 60_000, { now: NOW }).ok).toBe(true);
    expect(checkCallbackTimestamp(NOW + 6 * 60_000, { now: NOW })).toMatchObject({ ok: false, reason: "future_timestamp" });
  });

  it("refuses text that is not epoch milliseconds", () => {
    for (const bad of ["", "abc", "1.5", "-5", "1e12", "9".repeat(16)]) {
      expect(checkCallbackTimestamp(bad, { now: NOW })).toMatchObject({ ok: false, reason: "invalid_timestamp" });
    }
  });
});

describe("authenticateCallback", () => {
  const fields = Object.fromEntries(buildCallbackForm({ ...CREDS, type: "SMS_REPLY", data: "{}", nonce: "-9", timestamp: NOW }));
  const callback = { nonce: fields.nonce, timestamp: fields.timestamp, signature: fields.signature };

  it("accepts a fresh, correctly signed callback", () => {
    expect(authenticateCallback(callback, CREDS, { now: NOW + 1000 })).toEqual({ ok: true });
  });

  it("names the failure: forged signature, stale timestamp", () => {
    expect(authenticateCallback(callback, { ...CREDS, masterSecret: "other" }, { now: NOW })).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(authenticateCallback(callback, CREDS, { now: NOW + 25 * 3_600_000 })).toMatchObject({ ok: false, reason: "stale_timestamp" });
  });
});

describe("parseCallbackForm", () => {
  const REPORT = '{"msgId":"1652496","phone":"15822889320","receiveTime":1492150741392,"status":4001}';

  it("parses the documented SMS_REPORT example from URL-encoded form text", () => {
    const body = buildCallbackForm({ ...CREDS, type: "SMS_REPORT", data: REPORT, nonce: "7659972084945889195", timestamp: 1492150740274 }).toString();
    const result = parseCallbackForm(new URLSearchParams(body));
    expect(result).toEqual({
      ok: true,
      value: {
        nonce: "7659972084945889195",
        timestamp: "1492150740274",
        timestampMs: 1492150740274,
        signature: "268d92c1b6358285a56e0ccdb0c39c72acebd81d",
        rawData: REPORT,
        type: "SMS_REPORT",
        data: { msgId: "1652496", phone: "15822889320", receiveTime: 1492150741392, status: 4001 },
      },
    });
  });

  it("keeps a numeric msgId beyond 2^53 exact", () => {
    const result = parseCallbackForm(reportForm('{"msgId":1234567890123456789,"phone":"13800138000","receiveTime":1,"status":4001}'));
    expect(result.ok && result.value.type === "SMS_REPORT" && result.value.data.msgId).toBe("1234567890123456789");
    // The same digits through JSON.parse would have become ...6800:
    expect(String(JSON.parse("1234567890123456789"))).not.toBe("1234567890123456789");
  });

  it("accepts numbers as strings and the documented test msgId given as a number", () => {
    const result = parseCallbackForm(reportForm('{"msgId":1857496,"phone":13000000000,"receiveTime":"1492150740292","status":"4002"}'));
    expect(result).toMatchObject({ ok: true, value: { data: { msgId: "1857496", phone: "13000000000", receiveTime: 1492150740292, status: 4002 } } });
  });

  it("reads a yyyy-MM-dd HH:mm:ss time as Beijing time", () => {
    const result = parseCallbackForm(reportForm('{"msgId":"1","phone":"13800138000","receiveTime":"2017-04-14 14:19:01","status":4001}'));
    expect(result.ok && result.value.type === "SMS_REPORT" && result.value.data.receiveTime).toBe(Date.UTC(2017, 3, 14, 6, 19, 1));
  });

  it("parses SMS_REPLY, SMS_TEMPLATE and SMS_SIGN (refuseReason null or text)", () => {
    const form = (type: string, data: string) => Object.fromEntries(buildCallbackForm({ ...CREDS, type, data, nonce: "1", timestamp: NOW }));
    expect(parseCallbackForm(form("SMS_REPLY", '{"content":"TD","phone":"13720481024","replyTime":1492150740292}'))).toMatchObject({
      ok: true,
      value: { type: "SMS_REPLY", data: { phone: "13720481024", replyTime: 1492150740292, content: "TD" } },
    });
    expect(parseCallbackForm(form("SMS_TEMPLATE", '{"tempId":57496,"status":1,"refuseReason":null}'))).toMatchObject({
      ok: true,
      value: { type: "SMS_TEMPLATE", data: { tempId: 57496, status: 1, refuseReason: null } },
    });
    expect(parseCallbackForm(form("SMS_SIGN", '{"signId":123,"status":2,"refuseReason":"资质不全"}'))).toMatchObject({
      ok: true,
      value: { type: "SMS_SIGN", data: { signId: 123, status: 2, refuseReason: "资质不全" } },
    });
    expect(parseCallbackForm(form("SMS_SIGN", '{"signId":123,"status":1}'))).toMatchObject({ ok: true, value: { data: { refuseReason: null } } });
  });

  it("accepts FormData and record inputs alike", () => {
    const fields = reportForm(REPORT);
    const formData = new FormData();
    for (const [k, v] of Object.entries(fields)) formData.append(k, v ?? "");
    const fromFormData = parseCallbackForm(formData);
    const fromRecord = parseCallbackForm(fields);
    expect(fromFormData.ok).toBe(true);
    expect(fromFormData).toEqual(fromRecord);
  });

  describe("refuses malformed input with a specific reason", () => {
    it.each([
      ["nonce", { nonce: undefined }, /^missing field "nonce"$/],
      ["signature", { signature: undefined }, /^missing field "signature"$/],
      ["data", { data: undefined }, /^missing field "data"$/],
      ["nonce", { nonce: "12a" }, /nonce must be a 64-bit integer/],
      ["nonce", { nonce: "9223372036854775808" }, /nonce must be a 64-bit integer/],
      ["timestamp", { timestamp: "1492150740274.5" }, /timestamp must be milliseconds/],
      ["signature", { signature: "xyz" }, /signature must be 40 hexadecimal/],
      ["type", { type: "SMS_STATE" }, /unknown type "SMS_STATE"; expected one of SMS_REPORT, SMS_REPLY, SMS_TEMPLATE, SMS_SIGN/],
      ["type", { type: "__proto__" }, /^unknown type "__proto__"/],
      ["type", { type: "toString" }, /^unknown type "toString"/],
      ["data", { data: "msgId=1" }, /^data is not valid JSON: .* at position 0$/],
      ["data", { data: '{"msgId":"1",' }, /^data is not valid JSON: Unexpected end of JSON input at position 13$/],
      ["data", { data: "[1,2]" }, /^data must be a JSON object, not an array$/],
      ["data", { data: "42" }, /^data must be a JSON object, not a number$/],
      ["data", { data: '{"phone":"13800138000","receiveTime":1,"status":4001}' }, /^data\.msgId is missing$/],
      ["data", { data: '{"msgId":"1","phone":"13800138000","receiveTime":1}' }, /^data\.status is missing$/],
      ["data", { data: '{"msgId":"1","phone":"13800138000","receiveTime":1,"status":"ok"}' }, /^data\.status must be an integer$/],
      ["data", { data: '{"msgId":true,"phone":"13800138000","receiveTime":1,"status":4001}' }, /^data\.msgId must be a string or an integer$/],
      ["data", { data: '{"msgId":1.5,"phone":"13800138000","receiveTime":1,"status":4001}' }, /^data\.msgId must be a string or an integer$/],
      ["data", { data: '{"msgId":"1","phone":"13800138000","receiveTime":"yesterday","status":4001}' }, /^data\.receiveTime must be epoch milliseconds/],
      ["data", { data: '{"msgId":"1","phone":["138"],"receiveTime":1,"status":4001}' }, /^data\.phone must be a string$/],
    ] as const)("%s: %s", (field, overrides, reason) => {
      expectFailure(parseCallbackForm(reportForm(REPORT, overrides)), field, reason);
    });

    it("refuses a review status other than 1 or 2, and a reply without content", () => {
      const form = (type: string, data: string) => Object.fromEntries(buildCallbackForm({ ...CREDS, type, data, nonce: "1", timestamp: NOW }));
      expectFailure(parseCallbackForm(form("SMS_TEMPLATE", '{"tempId":1,"status":3}')), "data", /^data\.status must be 1 \(approved\) or 2 \(rejected\)$/);
      expectFailure(parseCallbackForm(form("SMS_REPLY", '{"phone":"13800138000","replyTime":1}')), "data", /^data\.content is missing$/);
    });

    it("refuses a field given twice", () => {
      const params = new URLSearchParams(reportForm(REPORT) as Record<string, string>);
      params.append("nonce", "43");
      expectFailure(parseCallbackForm(params), "nonce", /^field "nonce" appears 2 times$/);
    });
  });
});
