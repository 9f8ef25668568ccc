import { afterEach, expect, it } from "vitest";
import { startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms/sandbox/server";

/** The sandbox's outage of a while (faults.failForMs): every request in it fails, whatever their number, then none. */
const APP = { appKey: "0a1b2c3d4e5f60718293a4b5", masterSecret: "f0e1d2c3b4a5968778695a4b" };
const AUTH = "Basic " + Buffer.from(`${APP.appKey}:${APP.masterSecret}`).toString("base64");

let sandbox: JsmsSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const balance = async (s: JsmsSandbox) => (await fetch(`${s.url}/v1/accounts/app`, { headers: { authorization: AUTH } })).status;

it("is off by default", async () => {
  sandbox = await startJsmsSandbox({ apps: [APP], reports: false });
  expect(await balance(sandbox)).toBe(200);
  expect(sandbox.stats().faults.failed).toBe(0);
});

it("answers the next request and every one for failForMs after it with failStatus, then normally again", async () => {
  sandbox = await startJsmsSandbox({ apps: [APP], reports: false });
  sandbox.faults({ failForMs: 2_000, failStatus: 503 });
  // The outage begins with the next request, not when it is set.
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  const during = [await balance(sandbox), await balance(sandbox), await balance(sandbox)];
  expect(during).toEqual([503, 503, 503]);
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  expect(await balance(sandbox)).toBe(200);
  expect(sandbox.stats().faults.failed).toBe(3);
  // 0 ends an outage early.
  sandbox.faults({ failForMs: 60_000 });
  expect(await balance(sandbox)).toBe(503);
  sandbox.faults({ failForMs: 0 });
  expect(await balance(sandbox)).toBe(200);
});
