import { describe, expect, it } from "vitest";
import { createBatcher } from "./batcher";

describe("batcher", () => {
  it("writes concurrent items in one flush and answers each its own result", async () => {
    const flushes: number[][] = [];
    const batcher = createBatcher<number, number>({ maxBatch: 100, maxWaitMs: 5, flush: async (items) => (flushes.push(items), items.map((i) => i * 2)) });
    const results = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results).toEqual([2, 4, 6]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it("closes a batch at maxBatch and rejects every item of a failed flush", async () => {
    const sizes: number[] = [];
    const batcher = createBatcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 1000,
      flush: async (items) => {
        sizes.push(items.length);
        if (items.includes(3)) throw new Error("disk full");
        return items;
      },
    });
    const all = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.submit(i)));
    expect(sizes).toEqual([2, 2]);
    expect(all.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
  });
});
