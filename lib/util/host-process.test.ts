import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { hostProcessPrefix, isGoneProcess, thisHostProcess } from "./host-process";
import { pidOfEndedProcess } from "./testing/ended-process";

describe.skipIf(thisHostProcess() === null)("telling that a process on this kernel is gone", () => {
  const prefix = hostProcessPrefix()!;

  it("names this process by boot, pid namespace and pid", () => {
    expect(thisHostProcess()).toBe(`${prefix}${process.pid}`);
    expect(prefix).toMatch(/^[0-9a-f-]{36}\/\d+\/$/);
  });

  it("a process that ended is gone; a running one, this one and one it cannot judge are not", async () => {
    expect(isGoneProcess(`${prefix}${pidOfEndedProcess()}`)).toBe(true);
    const running = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      expect(isGoneProcess(`${prefix}${running.pid}`)).toBe(false);
    } finally {
      running.kill();
    }
    expect(isGoneProcess(thisHostProcess())).toBe(false);
    // Another machine's, or another pid namespace's: its pid says nothing here.
    expect(isGoneProcess(`00000000-0000-0000-0000-000000000000/1/${pidOfEndedProcess()}`)).toBe(false);
    expect(isGoneProcess(null)).toBe(false);
    expect(isGoneProcess(`${prefix}not-a-pid`)).toBe(false);
  });
});
