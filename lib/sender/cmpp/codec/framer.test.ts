import { describe, expect, it } from "vitest";
import { CmppFramer } from "./framer";
import { encodePdu } from "./codec";
import { MAX_FRAME_LENGTH } from "./constants";

const frames = () => [
  encodePdu({ command: "active_test", sequenceId: 1 }, "3.0"),
  encodePdu({ command: "submit_resp", sequenceId: 2, msgId: "0123456789abcdef", result: 0 }, "3.0"),
  encodePdu({ command: "active_test_resp", sequenceId: 3, reserved: 0 }, "3.0"),
];

function collect(framer: CmppFramer, chunks: Buffer[]): { out: string[]; errors: string[] } {
  const out: string[] = [];
  const errors: string[] = [];
  for (const chunk of chunks) {
    // Copy out: a frame may be a view into the chunk, valid only during the callback.
    const error = framer.push(chunk, (f) => out.push(Buffer.from(f).toString("hex")));
    if (error) errors.push(error.reason);
  }
  return { out, errors };
}

describe("CmppFramer", () => {
  it("cuts frames packed into one read", () => {
    const all = frames();
    const { out, errors } = collect(new CmppFramer(), [Buffer.concat(all)]);
    expect(out).toEqual(all.map((f) => f.toString("hex")));
    expect(errors).toEqual([]);
  });

  it("reassembles frames split at every possible point, including inside the length field", () => {
    const stream = Buffer.concat(frames());
    for (let cut = 1; cut < stream.length; cut++) {
      for (let cut2 = cut; cut2 < stream.length; cut2 += 7) {
        const { out } = collect(new CmppFramer(), [stream.subarray(0, cut), stream.subarray(cut, cut2), stream.subarray(cut2)]);
        expect(out).toEqual(frames().map((f) => f.toString("hex")));
      }
    }
  });

  it("handles a stream delivered one octet at a time", () => {
    const stream = Buffer.concat(frames());
    const chunks = [...stream].map((b) => Buffer.from([b]));
    const framer = new CmppFramer();
    const { out } = collect(framer, chunks);
    expect(out).toHaveLength(3);
    expect(framer.bufferedBytes).toBe(0);
  });

  it("stops on a length under 12 and reports why", () => {
    const framer = new CmppFramer();
    const { out, errors } = collect(framer, [Buffer.from("0000000b0000000800000001", "hex"), frames()[0]]);
    expect(out).toEqual([]);
    expect(errors[0]).toMatch(/Total_Length 11 is shorter than the 12-octet header/);
    expect(framer.failed).not.toBeNull();
  });

  it("stops on an impossible length before allocating it", () => {
    const framer = new CmppFramer();
    const claim = Buffer.from("ffffffff00000004", "hex");
    const { errors } = collect(framer, [claim]);
    expect(errors[0]).toMatch(/4294967295 exceeds the largest legal frame \(3586 octets\)/);
    expect(framer.bufferedBytes).toBe(0);
  });

  it("accepts exactly the largest legal frame and refuses one octet more", () => {
    const ok = Buffer.alloc(MAX_FRAME_LENGTH);
    ok.writeUInt32BE(MAX_FRAME_LENGTH, 0);
    expect(collect(new CmppFramer(), [ok]).out).toHaveLength(1);
    const tooBig = Buffer.alloc(16);
    tooBig.writeUInt32BE(MAX_FRAME_LENGTH + 1, 0);
    expect(collect(new CmppFramer(), [tooBig]).errors).toHaveLength(1);
  });

  it("holds at most one partial frame between reads", () => {
    const framer = new CmppFramer();
    const big = Buffer.alloc(3000);
    big.writeUInt32BE(3000, 0);
    framer.push(big.subarray(0, 2999), () => {});
    expect(framer.bufferedBytes).toBe(2999);
    let got = 0;
    framer.push(big.subarray(2999), () => got++);
    expect(got).toBe(1);
    expect(framer.bufferedBytes).toBe(0);
  });
});
