import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSettledAnnouncer } from "./settled-announcer";

describe("createSettledAnnouncer", () => {
  let heard: string[];
  beforeEach(() => {
    vi.useFakeTimers();
    heard = [];
  });
  afterEach(() => vi.useRealTimers());

  it("announces only the message that stays for the delay, not each keystroke's", () => {
    const a = createSettledAnnouncer((t) => heard.push(t), { delayMs: 1000 });
    for (const port of ["7", "78", "789", "7890"]) {
      a.update(`Port ${port}`);
      vi.advanceTimersByTime(400);
    }
    expect(heard).toEqual([]);
    vi.advanceTimersByTime(600);
    expect(heard).toEqual(["Port 7890"]);
    vi.advanceTimersByTime(5000);
    expect(heard).toEqual(["Port 7890"]);
  });

  it("says the pending message at once when the operator leaves the field, and only once", () => {
    const a = createSettledAnnouncer((t) => heard.push(t));
    a.update("Port 8080");
    a.flush();
    expect(heard).toEqual(["Port 8080"]);
    vi.advanceTimersByTime(2000);
    a.flush();
    expect(heard).toEqual(["Port 8080"]);
  });

  it("does not repeat a message the listener heard, but does once it went away and came back", () => {
    const a = createSettledAnnouncer((t) => heard.push(t), { delayMs: 10 });
    a.update("Port 8080");
    vi.advanceTimersByTime(10);
    a.update("Port 8080");
    vi.advanceTimersByTime(10);
    expect(heard).toEqual(["Port 8080"]);
    a.update(undefined);
    a.update("Port 8080");
    vi.advanceTimersByTime(10);
    expect(heard).toEqual(["Port 8080", "Port 8080"]);
  });

  it("cancels a pending message that is replaced by nothing before the delay", () => {
    const a = createSettledAnnouncer((t) => heard.push(t), { delayMs: 1000 });
    a.update("Port 1");
    vi.advanceTimersByTime(500);
    a.update(undefined);
    vi.advanceTimersByTime(2000);
    a.flush();
    expect(heard).toEqual([]);
  });

  it("keeps quiet about the message the page opened with", () => {
    const a = createSettledAnnouncer((t) => heard.push(t), { delayMs: 10, initialKey: "Port 7890" });
    a.update("Port 7890");
    vi.advanceTimersByTime(100);
    expect(heard).toEqual([]);
  });

  it("compares by key when given, so a counter speaks only when what matters changes", () => {
    const a = createSettledAnnouncer((t) => heard.push(t), { delayMs: 10 });
    a.update("5 characters · 1 SMS", "1");
    vi.advanceTimersByTime(10);
    a.update("6 characters · 1 SMS", "1");
    vi.advanceTimersByTime(10);
    a.update("71 characters · 2 SMS", "2");
    vi.advanceTimersByTime(10);
    expect(heard).toEqual(["5 characters · 1 SMS", "71 characters · 2 SMS"]);
  });

  it("says nothing after it is disposed", () => {
    const a = createSettledAnnouncer((t) => heard.push(t), { delayMs: 10 });
    a.update("Port 8080");
    a.dispose();
    vi.advanceTimersByTime(100);
    a.flush();
    expect(heard).toEqual([]);
  });
});
