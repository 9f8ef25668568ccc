/**
 * The decoder fed garbage: random streams, and valid streams with flipped bits, cut into random
 * reads. It must never throw, never hang, and never hold more than one frame's worth of memory.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CmppFramer } from "./framer";
import { decodePdu, encodePdu } from "./codec";
import { MAX_FRAME_LENGTH } from "./constants";
import { parseStatusReport } from "./status-report";
import { parseUserData } from "../message/udh";
import type { CmppPdu } from "./pdu";
import type { CmppVersion } from "../types";
import { sampleDeliver } from "../testing/pdus";

const SAMPLES: CmppPdu[] = [
  { command: "connect", sequenceId: 1, sourceAddr: "900001", authenticatorSource: Buffer.alloc(16, 7), version: 0x30, timestamp: 1021080510 },
  { command: "connect_resp", sequenceId: 1, status: 0, authenticatorIsmg: Buffer.alloc(16, 9), version: 0x30 },
  {
    command: "submit",
    sequenceId: 2,
    msgId: "0000000000000000",
    pkTotal: 2,
    pkNumber: 1,
    registeredDelivery: 1,
    msgLevel: 1,
    serviceId: "MSG",
    feeUserType: 2,
    feeTerminalId: "",
    feeTerminalType: 0,
    tpPid: 0,
    tpUdhi: 1,
    msgFmt: 8,
    msgSrc: "900001",
    feeType: "01",
    feeCode: "000000",
    validTime: "",
    atTime: "",
    srcId: "10690001",
    destTerminalIds: ["13800138000", "13900139000"],
    destTerminalType: 0,
    msgContent: Buffer.from("050003010201004e2d6587", "hex"),
    linkId: "",
  },
  { command: "submit_resp", sequenceId: 2, msgId: "0123456789abcdef", result: 0 },
  sampleDeliver({ sequenceId: 3 }),
  { command: "active_test", sequenceId: 4 },
  { command: "active_test_resp", sequenceId: 4, reserved: 0 },
  { command: "query", sequenceId: 5, time: "20241021", queryType: 0, queryCode: "", reserve: "" },
  { command: "cancel", sequenceId: 6, msgId: "0000000000000002" },
  { command: "terminate", sequenceId: 7 },
];

/** Runs the framer and decoder over `stream` cut at `cuts`; returns what it saw. Throws only on a bug. */
function decodeAll(stream: Buffer, cuts: number[], version: CmppVersion): { frames: number; stoppedEarly: boolean } {
  const framer = new CmppFramer();
  let frames = 0;
  let at = 0;
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  points.push(stream.length);
  for (const point of points) {
    if (point <= at) continue;
    const error = framer.push(stream.subarray(at, point), (frame) => {
      frames++;
      const pdu = decodePdu(frame, version);
      // Whatever came out must be a well-formed value, and report/UDH parsing must cope with it too.
      expect(typeof pdu.command).toBe("string");
      if (pdu.command === "deliver") {
        parseStatusReport(pdu.msgContent);
        parseUserData(pdu.msgContent);
      }
      if (pdu.command === "submit") parseUserData(pdu.msgContent);
    });
    expect(framer.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
    at = point;
    if (error) return { frames, stoppedEarly: true };
  }
  return { frames, stoppedEarly: false };
}

const version = fc.constantFrom<CmppVersion>("2.0", "3.0");
const cuts = fc.array(fc.nat(5000), { maxLength: 20 });

describe("framer + decoder under random input", () => {
  it("never throws on random byte streams", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), cuts, version, (bytes, c, v) => {
        decodeAll(Buffer.from(bytes), c, v);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random streams that start with a plausible header", () => {
    const framed = fc
      .tuple(fc.integer({ min: 12, max: 400 }), fc.constantFrom(1, 4, 5, 6, 7, 8, 0x80000001, 0x80000004, 0x80000005, 0x80000008, 2), fc.uint8Array({ maxLength: 400 }))
      .map(([length, command, body]) => {
        const frame = Buffer.alloc(length);
        frame.writeUInt32BE(length, 0);
        frame.writeUInt32BE(command, 4);
        Buffer.from(body).copy(frame, 12);
        return frame;
      });
    fc.assert(
      fc.property(fc.array(framed, { maxLength: 10 }), cuts, version, (list, c, v) => {
        const result = decodeAll(Buffer.concat(list), c, v);
        expect(result.frames).toBe(list.length);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on valid frames with flipped bits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SAMPLES), { minLength: 1, maxLength: 8 }),
        version,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
        cuts,
        (pdus, v, flips, c) => {
          const stream = Buffer.concat(pdus.map((p) => encodePdu(p, v)));
          for (const [position, bit] of flips) stream[position % stream.length] ^= 1 << bit;
          decodeAll(stream, c, v);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("decodes every valid stream to the same PDUs however it is cut", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SAMPLES), { minLength: 1, maxLength: 8 }), version, cuts, (pdus, v, c) => {
        const stream = Buffer.concat(pdus.map((p) => encodePdu(p, v)));
        expect(decodeAll(stream, c, v)).toEqual({ frames: pdus.length, stoppedEarly: false });
      }),
      { numRuns: 300 },
    );
  });
});
