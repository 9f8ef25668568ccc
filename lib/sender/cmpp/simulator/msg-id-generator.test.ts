import { describe, expect, it } from "vitest";
import { MsgIdGenerator } from "./msg-id-generator";
import { parseMsgId } from "../codec/msg-id";

describe("MsgIdGenerator", () => {
  it("makes spec-shaped ids: now, the gateway code, a rising sequence", () => {
    const gen = new MsgIdGenerator(0x2abcde);
    const before = new Date();
    const a = parseMsgId(gen.next());
    const b = parseMsgId(gen.next(3));
    const c = parseMsgId(gen.next());
    expect(a.gatewayId).toBe(0x2abcde);
    expect(a.month).toBe(before.getMonth() + 1);
    expect(a.day).toBe(before.getDate());
    expect([a.sequence, b.sequence, c.sequence]).toEqual([0, 1, 4]); // a run of 3 reserved 1–3
  });

  it("stays unique past 65,536 ids in one second", () => {
    const gen = new MsgIdGenerator(1);
    const ids = new Set<string>();
    for (let i = 0; i < 70_000; i++) ids.add(gen.next());
    expect(ids.size).toBe(70_000);
  });
});
