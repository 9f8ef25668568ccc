/**
 * The decoder fed frames a broken or hostile gateway could send: valid frames of every command
 * with bytes flipped, overwritten, cut short or padded, and arbitrary bodies behind every
 * Command_Id, in both versions. decodePdu answers a typed PDU or a typed InvalidFrame, never a
 * throw; the framer refuses a Total_Length up to 4 GB without allocating it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMAND_IDS, decodePdu, encodePdu } from "./codec";
import { HEADER_LENGTH, MAX_FRAME_LENGTH } from "./constants";
import { CmppFramer } from "./framer";
import type { InvalidFrame } from "./invalid-frame";
import type { CmppPdu } from "./pdu";
import { encodeStatusReport, parseStatusReport } from "./status-report";
import { parseUserData } from "../message/udh";
import { sampleDeliver, sampleSubmit } from "../testing/pdus";
import type { CmppVersion } from "../types";

/** One valid PDU of every command, and a DELIVER carrying a status report, for each version. */
function samples(version: CmppVersion): CmppPdu[] {
  const report = encodeStatusReport(
    { msgId: "0123456789abcdef", stat: "DELIVRD", submitTime: "2410211200", doneTime: "2410211201", destTerminalId: "13800138000", smscSequence: 7 },
    version,
  );
  return [
    { command: "connect", sequenceId: 1, sourceAddr: "900001", authenticatorSource: Buffer.alloc(16, 7), version: version === "3.0" ? 0x30 : 0x20, timestamp: 1021080510 },
    { command: "connect_resp", sequenceId: 1, status: 0, authenticatorIsmg: Buffer.alloc(16, 9), version: 0x30 },
    { command: "terminate", sequenceId: 2 },
    { command: "terminate_resp", sequenceId: 2 },
    sampleSubmit({ sequenceId: 3, destTerminalIds: ["13800138000", "13900139000"], tpUdhi: 1, msgFmt: 8, msgContent: Buffer.from("050003010201004e2d6587", "hex") }),
    { command: "submit_resp", sequenceId: 3, msgId: "0123456789abcdef", result: 0 },
    sampleDeliver({ sequenceId: 4 }),
    sampleDeliver({ sequenceId: 5, registeredDelivery: 1, msgContent: report }),
    { command: "deliver_resp", sequenceId: 5, msgId: "0000000000000001", result: 0 },
    { command: "query", sequenceId: 6, time: "20241021", queryType: 1, queryCode: "MSG", reserve: "" },
    { command: "query_resp", sequenceId: 6, time: "20241021", queryType: 1, queryCode: "MSG", mtTlMsg: 1, mtTlUsr: 2, mtScs: 3, mtWt: 4, mtFl: 5, moScs: 6, moWt: 7, moFl: 8 },
    { command: "cancel", sequenceId: 7, msgId: "0000000000000002" },
    { command: "cancel_resp", sequenceId: 7, successId: 1 },
    { command: "active_test", sequenceId: 8 },
    { command: "active_test_resp", sequenceId: 8, reserved: 0 },
  ];
}

const COMMANDS = new Set(Object.keys(COMMAND_IDS));

/** A frame as the framer hands it over: its Total_Length is its size. */
function asFramed(frame: Buffer): Buffer {
  if (frame.length >= 4) frame.writeUInt32BE(frame.length, 0);
  return frame;
}

/**
 * Decodes and checks the answer's type: an InvalidFrame with a gateway Result and a reason, or a
 * PDU of a known command with the frame's Sequence_Id whose report and UDH parse too. A throw of
 * any kind fails the property.
 */
function decodeChecked(frame: Buffer, version: CmppVersion): CmppPdu | InvalidFrame {
  const pdu = decodePdu(frame, version);
  if (pdu.command === "invalid") {
    expect([1, 2, 4]).toContain(pdu.result);
    expect(pdu.reason.length).toBeGreaterThan(0);
    if (frame.length >= HEADER_LENGTH) expect(pdu.commandId).toBe(frame.readUInt32BE(4));
    return pdu;
  }
  expect(COMMANDS.has(pdu.command), pdu.command).toBe(true);
  expect(pdu.sequenceId).toBe(frame.readUInt32BE(8));
  expect(COMMAND_IDS[pdu.command]).toBe(frame.readUInt32BE(4));
  if (pdu.command === "deliver") {
    const report = parseStatusReport(pdu.msgContent);
    if (report) expect(report.msgId).toMatch(/^[0-9a-f]{16}$/);
    parseUserData(pdu.msgContent);
  }
  if (pdu.command === "submit") parseUserData(pdu.msgContent);
  if ("msgId" in pdu && typeof pdu.msgId === "string") expect(pdu.msgId).toMatch(/^[0-9a-f]{16}$/);
  return pdu;
}

const version = fc.constantFrom<CmppVersion>("2.0", "3.0");

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "overwrite"; at: number; bytes: Uint8Array }
  | { kind: "cut"; at: number }
  | { kind: "pad"; bytes: Uint8Array }
  | { kind: "command"; id: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("overwrite" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("pad" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
  // Another command's id over this body: every reader meets every other command's layout.
  fc.record({ kind: fc.constant("command" as const), id: fc.oneof(fc.constantFrom(...Object.values(COMMAND_IDS)), fc.nat({ max: 0xffffffff })) }),
);

function mutate(frame: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case "flip":
      // Past the length field: a flipped length is the framer's business (framer.property.test.ts).
      if (frame.length > 4) frame[4 + (m.at % (frame.length - 4))]! ^= 1 << m.bit;
      return frame;
    case "overwrite": {
      const at = 4 + (m.at % Math.max(1, frame.length - 4));
      Buffer.from(m.bytes).copy(frame, at);
      return frame;
    }
    case "cut":
      return Buffer.from(frame.subarray(0, m.at % (frame.length + 1)));
    case "pad":
      return Buffer.concat([frame, Buffer.from(m.bytes)]);
    case "command":
      if (frame.length >= 8) frame.writeUInt32BE(m.id >>> 0, 4);
      return frame;
  }
}

const counts = { mutated: 0, arbitrary: 0, roundTrips: 0, lengths: 0 };

describe("CMPP decoder under hostile frames", () => {
  it("decodes every valid frame of every command, in both versions, to the PDU that was encoded", () => {
    for (const v of ["2.0", "3.0"] as const) {
      for (const pdu of samples(v)) {
        const decoded = decodeChecked(encodePdu(pdu, v), v);
        expect(decoded.command, `${v} ${pdu.command}`).toBe(pdu.command);
      }
    }
  });

  it("answers mutated frames of every command with a typed PDU or a typed InvalidFrame, never a throw", () => {
    fc.assert(
      fc.property(version, fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (v, pick, mutations) => {
        counts.mutated++;
        const list = samples(v);
        let frame = encodePdu(list[pick % list.length]!, v);
        for (const m of mutations) frame = mutate(frame, m);
        decodeChecked(asFramed(frame), v);
      }),
      { numRuns: 5000 },
    );
  });

  it("answers arbitrary bodies behind every Command_Id, of every length up to the largest frame, without a throw", () => {
    const commandId = fc.oneof(fc.constantFrom(...Object.values(COMMAND_IDS)), fc.nat({ max: 0xffffffff }));
    fc.assert(
      fc.property(version, commandId, fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: MAX_FRAME_LENGTH - HEADER_LENGTH }), (v, id, seq, body) => {
        counts.arbitrary++;
        const frame = Buffer.alloc(HEADER_LENGTH + body.length);
        frame.writeUInt32BE(id, 4);
        frame.writeUInt32BE(seq, 8);
        Buffer.from(body).copy(frame, HEADER_LENGTH);
        decodeChecked(asFramed(frame), v);
      }),
      { numRuns: 3000 },
    );
  });

  it("answers frames shorter than a header with an InvalidFrame", () => {
    fc.assert(
      fc.property(version, fc.uint8Array({ maxLength: HEADER_LENGTH - 1 }), (v, bytes) => {
        expect(decodeChecked(Buffer.from(bytes), v).command).toBe("invalid");
      }),
      { numRuns: 200 },
    );
  });

  it("re-encodes whatever it decoded from a mutated frame of this version's layout to a frame that decodes to the same PDU", () => {
    fc.assert(
      fc.property(version, fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (v, pick, mutations) => {
        const list = samples(v);
        let frame = encodePdu(list[pick % list.length]!, v);
        for (const m of mutations) frame = mutate(frame, m);
        const pdu = decodeChecked(asFramed(frame), v);
        if (pdu.command === "invalid") return;
        let again: Buffer;
        try {
          again = encodePdu(pdu, v);
        } catch (error) {
          // A value the encoder refuses (an octet string past its field) must be refused with a RangeError, not crash otherwise.
          expect(error).toBeInstanceOf(RangeError);
          return;
        }
        // The readers also take the other version's layout (gateways mix them); this version's encoder cannot write that one.
        if (again.length !== frame.length) return;
        counts.roundTrips++;
        expect(decodePdu(again, v)).toEqual(pdu);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses any Total_Length past the largest frame, up to 4 GB, before allocating anything", () => {
    const before = process.memoryUsage().arrayBuffers;
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(0xffffffff, 0x80000000, MAX_FRAME_LENGTH + 1), fc.integer({ min: MAX_FRAME_LENGTH + 1, max: 0xffffffff })),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 1, max: 12 }),
        (length, rest, cut) => {
          counts.lengths++;
          const header = Buffer.alloc(12);
          header.writeUInt32BE(length, 0);
          header.writeUInt32BE(COMMAND_IDS.submit, 4);
          const stream = Buffer.concat([header, Buffer.from(rest)]);
          const framer = new CmppFramer();
          let frames = 0;
          // The length field may arrive split across reads.
          let error = framer.push(stream.subarray(0, Math.min(cut, stream.length)), () => frames++);
          error ??= framer.push(stream.subarray(Math.min(cut, stream.length)), () => frames++);
          expect(error?.reason).toMatch(/exceeds the largest legal frame/);
          expect(frames).toBe(0);
          expect(framer.bufferedBytes).toBe(0);
          // Stopped for good: later reads are not framed either.
          expect(framer.push(Buffer.alloc(100), () => frames++)).toBe(error);
          expect(frames).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
    // 2,000 claimed frames of up to 4 GB each: had any been allocated, this would be gigabytes.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it("holds at most one legal frame while waiting for a claimed length that never arrives", () => {
    fc.assert(
      fc.property(fc.integer({ min: HEADER_LENGTH, max: MAX_FRAME_LENGTH }), fc.integer({ min: 4, max: 64 }), (length, sent) => {
        const header = Buffer.alloc(sent);
        header.writeUInt32BE(length, 0);
        const framer = new CmppFramer();
        framer.push(header.subarray(0, Math.min(sent, length)), () => undefined);
        expect(framer.bufferedBytes).toBeLessThanOrEqual(length);
        expect(framer.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
      }),
      { numRuns: 500 },
    );
    console.log(`hostile CMPP frames: ${counts.mutated} mutated, ${counts.arbitrary} arbitrary bodies, ${counts.roundTrips} re-encoded, ${counts.lengths} oversized lengths`);
  });
});
