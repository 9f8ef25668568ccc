import { describe, expect, it } from "vitest";
import { BoundedMap, BoundedSet } from "./bounded";

describe("BoundedMap", () => {
  it("keeps at most `capacity` entries, forgetting the oldest generation", () => {
    const map = new BoundedMap<number, string>(4);
    for (let i = 0; i < 10; i++) map.set(i, `v${i}`);
    expect(map.size).toBeLessThanOrEqual(4);
    expect(map.get(9)).toBe("v9");
    expect(map.get(8)).toBe("v8");
    expect(map.get(0)).toBeUndefined();
  });

  it("finds, overwrites and deletes across generations", () => {
    const map = new BoundedMap<string, number>(4);
    map.set("a", 1);
    map.set("b", 2); // generation full: a, b become old
    map.set("a", 3); // moves to the young generation
    expect(map.get("a")).toBe(3);
    expect(map.get("b")).toBe(2);
    expect(map.delete("b")).toBe(true);
    expect(map.has("b")).toBe(false);
    expect(map.size).toBe(1);
  });
});

describe("BoundedSet", () => {
  it("reports duplicates while it remembers them", () => {
    const set = new BoundedSet<string>(100);
    expect(set.add("x")).toBe(true);
    expect(set.add("x")).toBe(false);
    for (let i = 0; i < 200; i++) set.add(`k${i}`);
    expect(set.size).toBeLessThanOrEqual(100);
    expect(set.add("x")).toBe(true); // long forgotten
  });
});
