import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const CLI = path.join(ROOT, "lib/sender/jsms/sandbox/cli.ts");

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGTERM");
  child = undefined;
});

function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; output: () => string }> {
  child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line; output: ${output}`)), 15_000);
    child!.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output });
      }
    });
    child!.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child!.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${output}`));
    });
  });
}

describe("jsms:sandbox command", () => {
  it("starts with apps from flags and environment and serves JSMS and its stats", async () => {
    const { url } = await start(["--port", "0", "--app", "key1:secret1", "--template", "9:name", "--balance", "5", "--no-reports", "--quiet"], {
      JSMS_SANDBOX_APPS: "key2:secret2",
    });
    const auth = (k: string, s: string) => ({ Authorization: "Basic " + Buffer.from(`${k}:${s}`).toString("base64"), "Content-Type": "application/json" });
    const sent = await fetch(`${url}/v1/messages`, { method: "POST", headers: auth("key2", "secret2"), body: JSON.stringify({ mobile: "13800138000", temp_id: 9, temp_para: { name: "x" } }) });
    expect(sent.status).toBe(200);
    const balance = await (await fetch(`${url}/v1/accounts/app`, { headers: auth("key1", "secret1") })).json();
    expect(balance.app_balance).toBe(5);
    const stats = await (await fetch(`${url}/__sandbox/stats`)).json();
    expect(stats.apps.key2).toMatchObject({ accepted: 1, balance: 4 });
  });

  it("switches on the rate limit (50009) and the repeat check (50034, batch entries too) from flags", async () => {
    const { url } = await start(["--port", "0", "--app", "key1:secret1", "--rate-limit", "1", "--repeat-window", "60000", "--no-reports", "--quiet"]);
    const headers = { Authorization: "Basic " + Buffer.from("key1:secret1").toString("base64"), "Content-Type": "application/json" };
    const batch = (mobiles: string[]) =>
      fetch(`${url}/v1/messages/batch`, { method: "POST", headers, body: JSON.stringify({ temp_id: 1, recipients: mobiles.map((mobile) => ({ mobile, temp_para: { code: "1" } })) }) });
    const first = await (await batch(["13800138000", "13800138000"])).json();
    expect(first.recipients.map((r: { error_code?: string }) => r.error_code ?? "ok")).toEqual(["ok", "50034"]);
    const limited = await batch(["13800138001"]);
    expect(limited.status).toBe(403);
    expect((await limited.json()).error.code).toBe(50009);
  });

  it("starts bare with a demo app it names, and refuses a malformed --app", async () => {
    const { url, output } = await start(["--port", "0", "--quiet"]);
    const demo = /demo app ([0-9a-f]{24}):([0-9a-f]{24})/.exec(output());
    expect(demo).not.toBeNull();
    const auth = "Basic " + Buffer.from(`${demo![1]}:${demo![2]}`).toString("base64");
    expect((await fetch(`${url}/v1/accounts/app`, { headers: { Authorization: auth } })).status).toBe(200);
    child?.kill("SIGTERM");
    await expect(start(["--port", "0", "--app", "no-colon"])).rejects.toThrow(/exited with 2: .*--app needs KEY:SECRET/s);
  });
});
