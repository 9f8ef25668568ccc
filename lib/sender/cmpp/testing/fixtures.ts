/** Helpers shared by the TCP-level tests: a simulator per test, channel settings pointing at it. */
import { startCmppSimulator, type CmppSimulator } from "../simulator/simulator";
import type { CmppSimulatorOptions } from "../simulator/simulator-types";
import type { CmppChannelSettings } from "../types";

export const ACCOUNT = "900001";
export const PASSWORD = "888888";
export const ACCESS_NUMBER = "10690001";

const running: CmppSimulator[] = [];

export async function simulator(options: Partial<CmppSimulatorOptions> = {}): Promise<CmppSimulator> {
  const sim = await startCmppSimulator({ account: ACCOUNT, password: PASSWORD, accessNumber: ACCESS_NUMBER, ...options });
  running.push(sim);
  return sim;
}

/** For afterEach: closes every simulator the test started. */
export async function closeSimulators(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.close()));
}

export function channel(port: number, overrides: Partial<CmppChannelSettings> = {}): CmppChannelSettings {
  return {
    provider: "china_mobile",
    host: "127.0.0.1",
    port,
    account: ACCOUNT,
    password: PASSWORD,
    accessNumber: ACCESS_NUMBER,
    connections: 1,
    version: "3.0",
    serviceId: "TEST",
    tpsPerConnection: 0,
    ...overrides,
  };
}

/** Polls until `predicate` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A mainland mobile number, distinct per i. */
export const mobile = (i: number) => `138${String(i).padStart(8, "0")}`;
