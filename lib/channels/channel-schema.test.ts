import { describe, expect, it } from "vitest";
import { channelCreateSchema, channelUpdateSchema, REPORT_DEADLINE_MAX_SECONDS, SEND_SETTING_DEFAULTS } from "./channel-schema";

const jsms = { type: "jsms", name: "Marketing", appKey: "dd1066407b044738b6479275", masterSecret: "2b38ce69b1de2a7fa95706ea" };
const cmpp = {
  type: "cmpp",
  name: "Carrier A",
  provider: "china_mobile",
  host: "10.1.2.3",
  port: 7890,
  account: "901234",
  password: "s3cret!",
  accessNumber: "1065712345",
  connections: 4,
};

/** The catalogue keys of the fields a parse refuses, by field. */
function refused(input: unknown, schema = channelCreateSchema): Record<string, string> {
  const result = schema.safeParse(input);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
}

function parsed(input: unknown, schema = channelCreateSchema) {
  const result = schema.safeParse(input);
  if (!result.success) throw new Error(`refused: ${JSON.stringify(result.error.issues)}`);
  return result.data as unknown as Record<string, unknown>;
}

describe("channel schema: send settings", () => {
  it("gives a CMPP channel without them the defaults: no signature, resubmit, 72 h, UTC+8", () => {
    expect(parsed(cmpp)).toMatchObject({
      defaultSignature: "",
      resubmitUncertain: true,
      reportDeadlineSeconds: 259_200,
      timestampUtcOffsetMinutes: 480,
    });
    expect(SEND_SETTING_DEFAULTS.reportDeadlineSeconds).toBe(72 * 3600);
  });

  it("gives a JSMS channel the report deadline only", () => {
    const value = parsed(jsms);
    expect(value.reportDeadlineSeconds).toBe(259_200);
    expect(value).not.toHaveProperty("defaultSignature");
    expect(value).not.toHaveProperty("resubmitUncertain");
    expect(value).not.toHaveProperty("timestampUtcOffsetMinutes");
  });

  it("reads a config stored before the settings existed (the update schema fills the defaults)", () => {
    const stored = { ...cmpp, version: "3.0", serviceId: "", tpsPerConnection: 100, passwordSet: true, password: "" };
    expect(parsed(stored, channelUpdateSchema)).toMatchObject({ resubmitUncertain: true, reportDeadlineSeconds: 259_200 });
    const storedJsms = { type: "jsms", name: "J", appKeyHint: "dd10…9275", appKeySet: true, masterSecretSet: true };
    expect(parsed(storedJsms, channelUpdateSchema)).toMatchObject({ reportDeadlineSeconds: 259_200 });
  });

  it("takes the values it is given, numbers as JSON numbers or digit strings", () => {
    const value = parsed({
      ...cmpp,
      defaultSignature: " 【ACME】 ",
      resubmitUncertain: false,
      reportDeadlineSeconds: "3600",
      timestampUtcOffsetMinutes: "-180",
    });
    expect(value).toMatchObject({
      defaultSignature: "【ACME】",
      resubmitUncertain: false,
      reportDeadlineSeconds: 3600,
      timestampUtcOffsetMinutes: -180,
    });
    expect(parsed({ ...jsms, reportDeadlineSeconds: 60 }).reportDeadlineSeconds).toBe(60);
  });

  it.each([
    ["【A】", true],
    ["【阿里云】", true],
    ["【" + "签".repeat(20) + "】", true],
    ["【ACME Ltd】", true],
    ["【" + "签".repeat(21) + "】", false],
    ["【】", false],
    ["ACME", false],
    ["[ACME]", false],
    ["【ACME", false],
    ["【ACME】hello", false],
    ["【AC】ME】", false],
    ["【 ACME】", false],
    ["【AC\nME】", false],
  ])("a default signature %j is accepted: %s", (signature, ok) => {
    const errors = refused({ ...cmpp, defaultSignature: signature });
    expect(errors.defaultSignature === undefined).toBe(ok);
    if (!ok) expect(errors.defaultSignature).toBe("errors.default_signature_format");
  });

  it("counts a signature's characters by code point, so 20 emoji fit", () => {
    expect(refused({ ...cmpp, defaultSignature: "【" + "😀".repeat(20) + "】" })).toEqual({});
    expect(refused({ ...cmpp, defaultSignature: "【" + "😀".repeat(21) + "】" })).toHaveProperty("defaultSignature");
  });

  it("accepts the report deadline from 1 second to 30 days", () => {
    expect(refused({ ...cmpp, reportDeadlineSeconds: 1 })).toEqual({});
    expect(refused({ ...cmpp, reportDeadlineSeconds: REPORT_DEADLINE_MAX_SECONDS })).toEqual({});
    expect(REPORT_DEADLINE_MAX_SECONDS).toBe(30 * 24 * 3600);
    for (const bad of [0, -1, REPORT_DEADLINE_MAX_SECONDS + 1, 1.5, "", "0", String(REPORT_DEADLINE_MAX_SECONDS + 1), true, null]) {
      expect(refused({ ...cmpp, reportDeadlineSeconds: bad }), String(bad)).toEqual({ reportDeadlineSeconds: "errors.report_deadline_range" });
      expect(refused({ ...jsms, reportDeadlineSeconds: bad }), String(bad)).toEqual({ reportDeadlineSeconds: "errors.report_deadline_range" });
    }
    for (const bad of ["1e3", "0x10", "12.0", "72h", "-1", "36 00"]) {
      expect(refused({ ...cmpp, reportDeadlineSeconds: bad }), bad).toEqual({ reportDeadlineSeconds: "errors.digits_only" });
      expect(refused({ ...jsms, reportDeadlineSeconds: bad }), bad).toEqual({ reportDeadlineSeconds: "errors.digits_only" });
    }
  });

  it("accepts a timestamp offset from UTC−12:00 to UTC+14:00 in whole minutes", () => {
    for (const ok of [-720, 0, 330, 480, 840, "-720", "0"]) {
      expect(refused({ ...cmpp, timestampUtcOffsetMinutes: ok }), String(ok)).toEqual({});
    }
    for (const bad of [-721, 841, 480.5, "-721", "", false]) {
      expect(refused({ ...cmpp, timestampUtcOffsetMinutes: bad }), String(bad)).toEqual({
        timestampUtcOffsetMinutes: "errors.utc_offset_range",
      });
    }
    for (const bad of ["+480", "8h", "--1", "-", "4 80", "480.0", "- 180"]) {
      expect(refused({ ...cmpp, timestampUtcOffsetMinutes: bad }), bad).toEqual({ timestampUtcOffsetMinutes: "errors.digits_only_signed" });
    }
  });

  it("takes resubmitUncertain as a boolean only", () => {
    for (const bad of ["true", 1, 0, "no"]) {
      expect(refused({ ...cmpp, resubmitUncertain: bad }), String(bad)).toEqual({ resubmitUncertain: "errors.resubmit_uncertain_invalid" });
    }
  });
});

describe("channel schema: other numeric fields take digits only", () => {
  it.each(["1e3", "0x50", "8 0", "8.0", "443.0", "+80", "-80", "80px", "８０"])("refuses the port %j, which Number() would read or a user might mean", (bad) => {
    expect(refused({ ...cmpp, port: bad })).toEqual({ port: "errors.digits_only" });
  });

  it("refuses what is no number at all, or out of range, with the range", () => {
    for (const bad of [" ", "", true, null, 0, 65536, "0", "65536", 80.5, Number.NaN]) {
      expect(refused({ ...cmpp, port: bad }), String(bad)).toEqual({ port: "errors.port_range" });
    }
    expect(refused({ ...cmpp, connections: true })).toEqual({ connections: "errors.connections_range" });
    expect(refused({ ...cmpp, connections: "65" })).toEqual({ connections: "errors.connections_range" });
  });

  it("refuses non-digit strings for connections and messages per second as well", () => {
    expect(refused({ ...cmpp, connections: "1e1" })).toEqual({ connections: "errors.digits_only" });
    expect(refused({ ...cmpp, connections: "2.0" })).toEqual({ connections: "errors.digits_only" });
    expect(refused({ ...cmpp, tpsPerConnection: "1e3" })).toEqual({ tpsPerConnection: "errors.digits_only" });
    expect(refused({ ...cmpp, tpsPerConnection: "0x64" })).toEqual({ tpsPerConnection: "errors.digits_only" });
  });

  it("takes the access number as digits only", () => {
    for (const bad of ["1065 712", "1065e3", "+1065712", "1065.7"]) {
      expect(refused({ ...cmpp, accessNumber: bad }), bad).toEqual({ accessNumber: "errors.access_number_format" });
    }
    expect(parsed({ ...cmpp, accessNumber: " 1065712345 " }).accessNumber).toBe("1065712345");
  });

  it("still reads the digit strings a form sends, spaces around them trimmed", () => {
    expect(parsed({ ...cmpp, port: " 443 ", connections: "2", tpsPerConnection: "50" })).toMatchObject({
      port: 443,
      connections: 2,
      tpsPerConnection: 50,
    });
  });

  it("keeps taking JSON numbers from the REST API", () => {
    expect(parsed({ ...cmpp, port: 80, connections: 64, tpsPerConnection: 10000, reportDeadlineSeconds: 1, timestampUtcOffsetMinutes: -720 })).toMatchObject({
      port: 80,
      connections: 64,
      tpsPerConnection: 10000,
      reportDeadlineSeconds: 1,
      timestampUtcOffsetMinutes: -720,
    });
    // 1e3 in JSON is the number 1000: the digits rule is about text, not about how JSON spells a number.
    expect(parsed(JSON.parse('{"type":"cmpp","name":"N","provider":"other","host":"h.example","port":1e3,"account":"1","password":"p","accessNumber":"1","connections":1}')).port).toBe(1000);
  });
});
