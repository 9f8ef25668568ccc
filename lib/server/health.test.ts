import { afterEach, describe, expect, it, vi } from "vitest";
import { setDispatcherHealth } from "@/lib/messages/dispatcher/health-state";
import { healthReport } from "./health";
import { getRuntime, type Runtime } from "./runtime";

vi.mock("./runtime", () => ({ getRuntime: vi.fn() }));

function runtimeWithDatabase(up: boolean): Runtime {
  return { handle: { ping: async () => up } } as unknown as Runtime;
}

describe("/api/health", () => {
  const worker = process.env.WORKER;
  afterEach(() => {
    if (worker === undefined) delete process.env.WORKER;
    else process.env.WORKER = worker;
    setDispatcherHealth({ state: "not_running", claimed: 0, lastClaimAt: null });
  });

  it("reports this process's dispatcher as it reports itself", async () => {
    process.env.WORKER = "on";
    vi.mocked(getRuntime).mockResolvedValue(runtimeWithDatabase(true));
    expect(await healthReport()).toEqual({ ok: true, db: "ok", dispatcher: "not_running", dispatcherStatus: { state: "not_running", claimed: 0, lastClaimAt: null } });
    setDispatcherHealth({ state: "running", claimed: 12, lastClaimAt: "2026-03-01T08:00:00.000Z" });
    expect((await healthReport()).dispatcher).toBe("running");
    expect((await healthReport()).dispatcherStatus).toEqual({ state: "running", claimed: 12, lastClaimAt: "2026-03-01T08:00:00.000Z" });
  });

  it("says off in a web-only process (WORKER=off), whatever the dispatcher state holds", async () => {
    process.env.WORKER = "off";
    setDispatcherHealth({ state: "running", claimed: 5, lastClaimAt: null });
    vi.mocked(getRuntime).mockResolvedValue(runtimeWithDatabase(true));
    expect((await healthReport()).dispatcher).toBe("off");
    expect((await healthReport()).dispatcherStatus).toEqual({ state: "off", claimed: 0, lastClaimAt: null });
  });

  it("is not ok while the database does not answer, and still says what the dispatcher does", async () => {
    process.env.WORKER = "on";
    vi.mocked(getRuntime).mockRejectedValue(new Error("connection refused"));
    expect(await healthReport()).toEqual({ ok: false, db: "down", dispatcher: "not_running", dispatcherStatus: { state: "not_running", claimed: 0, lastClaimAt: null } });
  });
});
