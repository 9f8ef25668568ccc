import { describe, expect, it } from "vitest";
import { Reassembler } from "./reassembler";

const part = (s: string) => Buffer.from(s);

describe("Reassembler", () => {
  it("completes a message whose parts arrive out of order, ignoring a resent part", () => {
    const r = new Reassembler<number>(1000);
    expect(r.add("a", { reference: 1, total: 3, sequence: 3 }, part("C"), 3, 0)).toBeNull();
    expect(r.add("a", { reference: 1, total: 3, sequence: 1 }, part("A"), 1, 0)).toBeNull();
    expect(r.add("a", { reference: 1, total: 3, sequence: 1 }, part("X"), 9, 0)).toBeNull();
    const done = r.add("a", { reference: 1, total: 3, sequence: 2 }, part("B"), 2, 0);
    expect(done?.complete).toBe(true);
    expect(Buffer.concat(done?.parts as Buffer[]).toString()).toBe("ABC");
    expect(done?.metas).toEqual([3, 1, 2]);
    expect(r.size).toBe(0);
  });

  it("keeps messages from different senders or references apart", () => {
    const r = new Reassembler<number>(1000);
    r.add("a", { reference: 1, total: 2, sequence: 1 }, part("a1"), 0, 0);
    r.add("b", { reference: 1, total: 2, sequence: 1 }, part("b1"), 0, 0);
    r.add("a", { reference: 2, total: 2, sequence: 1 }, part("x1"), 0, 0);
    expect(Buffer.concat(r.add("b", { reference: 1, total: 2, sequence: 2 }, part("b2"), 0, 0)?.parts as Buffer[]).toString()).toBe("b1b2");
    expect(r.size).toBe(2);
  });

  it("gives up on old incomplete messages and bounds how many it holds", () => {
    const r = new Reassembler<number>(100, 2);
    r.add("a", { reference: 1, total: 2, sequence: 1 }, part("a"), 0, 0);
    r.add("b", { reference: 1, total: 2, sequence: 2 }, part("b"), 0, 50);
    const evicted: string[] = [];
    r.add("c", { reference: 1, total: 2, sequence: 1 }, part("c"), 0, 60, (m) => evicted.push(String(m.parts[0])));
    expect(evicted).toEqual(["a"]);
    const expired = r.expire(155);
    expect(expired.map((m) => m.complete)).toEqual([false]);
    expect(expired[0].parts[1]?.toString()).toBe("b");
    expect(r.size).toBe(1);
  });
});
