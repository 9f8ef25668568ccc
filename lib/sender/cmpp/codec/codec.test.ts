/**
 * One byte vector per PDU and version, written out field by field from the spec's tables (not
 * produced by the encoder), checked in both directions.
 */
import { describe, expect, it } from "vitest";
import { decodePdu, encodePdu } from "./codec";
import { authenticatorIsmg, authenticatorSource, cmppTimestamp, timestampString, verifyAuthenticatorIsmg } from "./auth";
import { MAX_FRAME_LENGTH } from "./constants";
import type { CmppPdu } from "./pdu";
import type { CmppVersion } from "../types";
import { sampleDeliver, sampleSubmit } from "../testing/pdus";

/** Hex with spaces and `|` separators allowed for readability. */
const hex = (s: string) => s.replace(/[\s|]/g, "");
/** An octet string: ASCII, right-padded with NULs. */
const str = (value: string, width: number) => Buffer.from(value, "latin1").toString("hex") + "00".repeat(width - value.length);
const zeros = (n: number) => "00".repeat(n);
const u32 = (n: number) => n.toString(16).padStart(8, "0");

function roundTrip(pdu: CmppPdu, version: CmppVersion, vector: string): void {
  expect(encodePdu(pdu, version).toString("hex")).toBe(hex(vector));
  expect(decodePdu(Buffer.from(hex(vector), "hex"), version)).toEqual(pdu);
}

const AUTH_SOURCE = "90d00c1d517abd0b4f65f6bcf8535d16";

describe("authenticators (spec 8.4.1)", () => {
  it("matches the published vector for 900001 / 888888 / 1021080510", () => {
    expect(authenticatorSource("900001", "888888", 1021080510).toString("hex")).toBe(AUTH_SOURCE);
  });

  it("computes AuthenticatorISMG = MD5(Status + AuthenticatorSource + secret) with the version's Status width", () => {
    const source = Buffer.from(AUTH_SOURCE, "hex");
    expect(authenticatorIsmg(0, source, "888888", "2.0").toString("hex")).toBe("6c0b846e25bab6daa4ed1c466e0f4bd8");
    // 3.0: Status is 4 octets, so the hash differs.
    expect(authenticatorIsmg(0, source, "888888", "3.0").toString("hex")).toBe("7942977274098cf210ab0c16c367bc8d");
  });

  it("verifies the gateway's authenticator, accepting the 1-octet form on 3.0 but not a wrong secret", () => {
    const source = Buffer.from(AUTH_SOURCE, "hex");
    const oneOctet = Buffer.from("6c0b846e25bab6daa4ed1c466e0f4bd8", "hex");
    expect(verifyAuthenticatorIsmg(oneOctet, 0, source, "888888", "3.0")).toBe(true);
    expect(verifyAuthenticatorIsmg(oneOctet, 0, source, "888889", "3.0")).toBe(false);
    expect(verifyAuthenticatorIsmg(Buffer.alloc(16), 0, source, "888888", "2.0")).toBe(false);
  });

  it("formats the timestamp as MMDDHHMMSS, zero-padded for January", () => {
    expect(cmppTimestamp(new Date(Date.UTC(2024, 9, 21, 0, 5, 10)), 8 * 60)).toBe(1021080510);
    const january = cmppTimestamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 0);
    expect(january).toBe(102030405);
    expect(timestampString(january)).toBe("0102030405");
  });
});

describe("CONNECT / CONNECT_RESP", () => {
  it("CONNECT is the same 39 octets in both versions", () => {
    const pdu: CmppPdu = {
      command: "connect",
      sequenceId: 1,
      sourceAddr: "900001",
      authenticatorSource: Buffer.from(AUTH_SOURCE, "hex"),
      version: 0x30,
      timestamp: 1021080510,
    };
    roundTrip(pdu, "3.0", `00000027 00000001 00000001 | ${str("900001", 6)} | ${AUTH_SOURCE} | 30 | 3cdc73be`);
    roundTrip({ ...pdu, version: 0x20 }, "2.0", `00000027 00000001 00000001 | ${str("900001", 6)} | ${AUTH_SOURCE} | 20 | 3cdc73be`);
  });

  it("zero-pads a short Source_Addr", () => {
    const pdu: CmppPdu = { command: "connect", sequenceId: 2, sourceAddr: "9001", authenticatorSource: Buffer.alloc(16, 1), version: 0x30, timestamp: 1 };
    expect(encodePdu(pdu, "3.0").subarray(12, 18).toString("hex")).toBe("393030310000");
  });

  it("CONNECT_RESP has a 1-octet Status in 2.0 (30 octets) and 4 in 3.0 (33 octets)", () => {
    const v2: CmppPdu = { command: "connect_resp", sequenceId: 1, status: 0, authenticatorIsmg: Buffer.from("6c0b846e25bab6daa4ed1c466e0f4bd8", "hex"), version: 0x20 };
    roundTrip(v2, "2.0", "0000001e 80000001 00000001 | 00 | 6c0b846e25bab6daa4ed1c466e0f4bd8 | 20");
    const v3: CmppPdu = { command: "connect_resp", sequenceId: 1, status: 3, authenticatorIsmg: Buffer.alloc(16), version: 0x30 };
    roundTrip(v3, "3.0", `00000021 80000001 00000001 | 00000003 | ${zeros(16)} | 30`);
  });

  it("reads CONNECT_RESP by its length whatever version was asked for", () => {
    const frame = Buffer.from(hex(`0000001e 80000001 00000009 | 04 | ${zeros(16)} | 20`), "hex");
    expect(decodePdu(frame, "3.0")).toMatchObject({ command: "connect_resp", status: 4, version: 0x20 });
  });
});


describe("SUBMIT / SUBMIT_RESP", () => {
  const common = (feeTerminal: string) =>
    `0000000000000000 | 01 | 01 | 01 | 01 | ${str("MSG", 10)} | 02 | ${feeTerminal} | 00 | 00 | 00 | ${str("900001", 6)} | ${str("01", 2)} | ${str("000000", 6)} | ${zeros(17)} | ${zeros(17)} | ${str("10690001", 21)}`;

  it("2.0: 21-octet numbers, 8-octet Reserve (161 octets for 2 octets of text)", () => {
    roundTrip(sampleSubmit(), "2.0", `000000a1 00000004 00000007 | ${common(zeros(21))} | 01 | ${str("13800138000", 21)} | 02 | 4869 | ${zeros(8)}`);
  });

  it("3.0: 32-octet numbers with type octets, 20-octet LinkID (197 octets)", () => {
    roundTrip(
      sampleSubmit(),
      "3.0",
      `000000c5 00000004 00000007 | ${common(zeros(32) + "|00")} | 01 | ${str("13800138000", 32)} | 00 | 02 | 4869 | ${zeros(20)}`,
    );
  });

  it("carries several destinations and a LinkID", () => {
    const pdu = sampleSubmit({ destTerminalIds: ["13800138000", "13900139000"], linkId: "LINK1" });
    roundTrip(
      pdu,
      "3.0",
      `000000e5 00000004 00000007 | ${common(zeros(32) + "|00")} | 02 | ${str("13800138000", 32)}${str("13900139000", 32)} | 00 | 02 | 4869 | ${str("LINK1", 20)}`,
    );
  });

  it("SUBMIT_RESP: Result 1 octet in 2.0 (21 octets), 4 in 3.0 (24 octets)", () => {
    const pdu: CmppPdu = { command: "submit_resp", sequenceId: 7, msgId: "bcb739c010010000", result: 8 };
    roundTrip(pdu, "2.0", "00000015 80000004 00000007 | bcb739c010010000 | 08");
    roundTrip(pdu, "3.0", "00000018 80000004 00000007 | bcb739c010010000 | 00000008");
  });

  it("keeps all 64 bits of Msg_Id (no JS number rounding)", () => {
    const frame = Buffer.from(hex("00000018 80000004 00000001 | ffffffffffffffff | 00000000"), "hex");
    expect(decodePdu(frame, "3.0")).toMatchObject({ msgId: "ffffffffffffffff" });
  });

  it("rejects a SUBMIT whose Total_Length disagrees with Msg_Length (Result 4)", () => {
    const good = encodePdu(sampleSubmit(), "3.0");
    const bad = Buffer.concat([good, Buffer.from([0])]);
    bad.writeUInt32BE(bad.length, 0);
    expect(decodePdu(bad, "3.0")).toMatchObject({ command: "invalid", result: 4, sequenceId: 7 });
  });

  it("rejects DestUsr_tl 0 (Result 1)", () => {
    const frame = encodePdu(sampleSubmit(), "3.0");
    frame[12 + 129 - 1] = 0;
    expect(decodePdu(frame, "3.0")).toMatchObject({ command: "invalid", result: 1 });
  });
});

describe("DELIVER / DELIVER_RESP", () => {
  const report71 = `bcb739c010010000 | ${str("DELIVRD", 7)} | ${str("2410211200", 10)} | ${str("2410211201", 10)} | ${str("13800138000", 32)} | 0000002a`;

  it("3.0 status report: 32-octet Src_terminal_Id + type, 71-octet report, LinkID (180 octets)", () => {
    const pdu: CmppPdu = sampleDeliver({ msgContent: Buffer.from(hex(report71), "hex") });
    roundTrip(
      pdu,
      "3.0",
      `000000b4 00000005 00000009 | 0000000000000001 | ${str("10690001", 21)} | ${str("MSG", 10)} | 00 | 00 | 00 | ${str("13800138000", 32)} | 00 | 01 | 47 | ${report71} | ${zeros(20)}`,
    );
  });

  it("2.0 reply: 21-octet Src_terminal_Id, no type, 8-octet Reserved (87 octets for 2 octets)", () => {
    const pdu: CmppPdu = {
      command: "deliver",
      sequenceId: 10,
      msgId: "0000000000000002",
      destId: "10690001",
      serviceId: "",
      tpPid: 0,
      tpUdhi: 0,
      msgFmt: 0,
      srcTerminalId: "13800138000",
      srcTerminalType: 0,
      registeredDelivery: 0,
      msgContent: Buffer.from("OK"),
      linkId: "",
    };
    roundTrip(
      pdu,
      "2.0",
      `00000057 00000005 0000000a | 0000000000000002 | ${str("10690001", 21)} | ${zeros(10)} | 00 | 00 | 00 | ${str("13800138000", 21)} | 00 | 02 | 4f4b | ${zeros(8)}`,
    );
  });

  it("reads a 2.0-layout DELIVER on a 3.0 session when only that layout fits", () => {
    const v2 = encodePdu(
      { command: "deliver", sequenceId: 1, msgId: "0000000000000003", destId: "1", serviceId: "", tpPid: 0, tpUdhi: 0, msgFmt: 0, srcTerminalId: "13800138000", srcTerminalType: 0, registeredDelivery: 0, msgContent: Buffer.from("x"), linkId: "" },
      "2.0",
    );
    expect(decodePdu(v2, "3.0")).toMatchObject({ command: "deliver", srcTerminalId: "13800138000", msgContent: Buffer.from("x") });
  });

  it("DELIVER_RESP mirrors SUBMIT_RESP's widths", () => {
    const pdu: CmppPdu = { command: "deliver_resp", sequenceId: 9, msgId: "0000000000000001", result: 0 };
    roundTrip(pdu, "2.0", "00000015 80000005 00000009 | 0000000000000001 | 00");
    roundTrip(pdu, "3.0", "00000018 80000005 00000009 | 0000000000000001 | 00000000");
  });
});

describe("ACTIVE_TEST, TERMINATE, QUERY, CANCEL", () => {
  it("ACTIVE_TEST has no body; its response one Reserved octet (empty tolerated)", () => {
    roundTrip({ command: "active_test", sequenceId: 3 }, "3.0", "0000000c 00000008 00000003");
    roundTrip({ command: "active_test_resp", sequenceId: 3, reserved: 0 }, "2.0", "0000000d 80000008 00000003 | 00");
    expect(decodePdu(Buffer.from("0000000c8000000800000003", "hex"), "3.0")).toEqual({ command: "active_test_resp", sequenceId: 3, reserved: 0 });
  });

  it("TERMINATE and TERMINATE_RESP are bare headers", () => {
    roundTrip({ command: "terminate", sequenceId: 4 }, "2.0", "0000000c 00000002 00000004");
    roundTrip({ command: "terminate_resp", sequenceId: 4 }, "3.0", "0000000c 80000002 00000004");
  });

  it("QUERY (39 octets) and QUERY_RESP (63 octets) are the same in both versions", () => {
    const query: CmppPdu = { command: "query", sequenceId: 5, time: "20241021", queryType: 1, queryCode: "MSG", reserve: "" };
    roundTrip(query, "2.0", `00000027 00000006 00000005 | ${str("20241021", 8)} | 01 | ${str("MSG", 10)} | ${zeros(8)}`);
    const resp: CmppPdu = { command: "query_resp", sequenceId: 5, time: "20241021", queryType: 1, queryCode: "MSG", mtTlMsg: 1, mtTlUsr: 2, mtScs: 3, mtWt: 4, mtFl: 5, moScs: 6, moWt: 7, moFl: 8 };
    roundTrip(resp, "3.0", `0000003f 80000006 00000005 | ${str("20241021", 8)} | 01 | ${str("MSG", 10)} | ${[1, 2, 3, 4, 5, 6, 7, 8].map(u32).join("")}`);
  });

  it("CANCEL (20 octets); CANCEL_RESP Success_Id 1 octet in 2.0, 4 in 3.0", () => {
    roundTrip({ command: "cancel", sequenceId: 6, msgId: "bcb739c010010000" }, "3.0", "00000014 00000007 00000006 | bcb739c010010000");
    roundTrip({ command: "cancel_resp", sequenceId: 6, successId: 1 }, "2.0", "0000000d 80000007 00000006 | 01");
    roundTrip({ command: "cancel_resp", sequenceId: 6, successId: 0 }, "3.0", "00000010 80000007 00000006 | 00000000");
  });

  it("reports an unknown Command_Id as Result 2 with the sequence it came with", () => {
    expect(decodePdu(Buffer.from("0000000c0000000900000011", "hex"), "3.0")).toMatchObject({ command: "invalid", result: 2, sequenceId: 0x11, commandId: 9 });
  });

  it("the largest legal frame is a 3.0 SUBMIT to 99 numbers with 255 octets", () => {
    const pdu = sampleSubmit({ destTerminalIds: Array.from({ length: 99 }, (_, i) => `138${String(i).padStart(8, "0")}`), msgContent: Buffer.alloc(255, 0x41), msgFmt: 4 });
    expect(encodePdu(pdu, "3.0").length).toBe(MAX_FRAME_LENGTH);
    expect(MAX_FRAME_LENGTH).toBe(3586);
  });
});
