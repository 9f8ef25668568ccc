import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { testCmppConnection } from "./test-connection";
import { createCmppPool } from "./pool/pool";
import { silentLogger } from "./logger";
import { ACCOUNT, PASSWORD, channel, closeSimulators, simulator, waitFor } from "./testing/fixtures";

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await closeSimulators();
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP server that does `onConnection` with every socket (never speaks CMPP). */
async function rawServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

const settings = (port: number, overrides: Partial<{ account: string; password: string; version: "2.0" | "3.0"; timeoutMs: number }> = {}) => ({
  host: "127.0.0.1",
  port,
  account: ACCOUNT,
  password: PASSWORD,
  version: "3.0" as const,
  timeoutMs: 2_000,
  ...overrides,
});

describe("testCmppConnection", () => {
  it("logs in, reports the round trip, and logs out with TERMINATE", async () => {
    const sim = await simulator();
    const result = await testCmppConnection(settings(sim.port));
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.latencyMs).toBeLessThan(1_000);
    expect(result.detail).toMatch(/Logged in to 127\.0\.0\.1:\d+ as 900001 with CMPP 3\.0.*logged out/);
    expect(sim.stats.terminatesReceived).toBe(1);
    expect(sim.stats.loginsAccepted).toBe(1);
  });

  it("explains a wrong password", async () => {
    const sim = await simulator();
    const result = await testCmppConnection(settings(sim.port, { password: "nope" }));
    expect(result).toMatchObject({ ok: false });
    expect(result.detail).toMatch(/authentication failed.*\(status 3\)/);
  });

  it("explains an unknown account", async () => {
    const sim = await simulator();
    const result = await testCmppConnection(settings(sim.port, { account: "123456" }));
    expect(result.detail).toMatch(/illegal source address.*\(status 2\)/);
  });

  it("explains a version the gateway does not support", async () => {
    const sim = await simulator({ version: "2.0" });
    const result = await testCmppConnection(settings(sim.port));
    expect(result.detail).toMatch(/version too high.*\(status 4\)/);
    expect((await testCmppConnection(settings(sim.port, { version: "2.0" }))).ok).toBe(true);
  });

  it("explains too many connections", async () => {
    const sim = await simulator({ maxConnections: 1 });
    const pool = createCmppPool(channel(sim.port), { logger: silentLogger });
    await pool.ready();
    const result = await testCmppConnection(settings(sim.port));
    await pool.close();
    expect(result.detail).toMatch(/too many connections.*\(status 5\)/);
  });

  it("explains other refusals by their status", async () => {
    const sim = await simulator({ faults: { refuseAuth: 9 } });
    expect((await testCmppConnection(settings(sim.port))).detail).toMatch(/refused with status 9/);
  });

  it("explains a refused TCP connection", async () => {
    const port = await rawServer(() => {});
    await new Promise((r) => servers.pop()?.close(r));
    const result = await testCmppConnection(settings(port));
    expect(result).toMatchObject({ ok: false });
    expect(result.detail).toMatch(/Connection refused by 127\.0\.0\.1:\d+/);
  });

  it("explains a gateway that accepts TCP but never answers the login", async () => {
    const port = await rawServer(() => {});
    const started = Date.now();
    const result = await testCmppConnection(settings(port, { timeoutMs: 300 }));
    expect(result.detail).toMatch(/did not answer the login in time/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("explains a gateway that hangs up during the login", async () => {
    const port = await rawServer((socket) => socket.destroy());
    const result = await testCmppConnection(settings(port));
    expect(result.detail).toMatch(/closed the connection during the login/);
  });

  it("rejects an account CMPP cannot carry without connecting", async () => {
    const result = await testCmppConnection(settings(1, { account: "1234567" }));
    expect(result).toEqual({ ok: false, latencyMs: 0, detail: expect.stringMatching(/1 to 6 characters/) });
  });

  it("leaves no connection behind", async () => {
    const sim = await simulator();
    await testCmppConnection(settings(sim.port));
    await waitFor(() => sim.connectionCount() === 0, "the test connection to close");
  });
});
