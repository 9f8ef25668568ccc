/**
 * `npm run jsms:sandbox -- --port 8787 --app KEY:SECRET [--app …] [--callback KEY=URL] …`
 *
 * Flags may also come from the environment (JSMS_SANDBOX_PORT, JSMS_SANDBOX_APPS="K:S,K2:S2",
 * JSMS_SANDBOX_CALLBACKS="K=URL,…"), which suits Playwright's webServer.env.
 */
import { parseArgs } from "node:util";
import { startJsmsSandbox, type SandboxApp, type SandboxTemplate } from "@/lib/sender/jsms/sandbox/server";

const HELP = `JSMS sandbox: a local imitation of api.sms.jpush.cn

  --port N                 listen port (default 8787; 0 = any free port)         env JSMS_SANDBOX_PORT
  --host H                 listen address (default 127.0.0.1)
  --app KEY:SECRET         an app it accepts (repeatable; without any, a demo app) env JSMS_SANDBOX_APPS=K:S,K2:S2
  --callback KEY=URL       callback URL of an app (repeatable)                     env JSMS_SANDBOX_CALLBACKS=K=URL,…
  --template ID[:a,b]      a known template and its parameter names (repeatable; default 1:code and 2)
  --balance N              starting balance of every app (default 1000000)
  --report-delay MS[-MS]   delay before a delivery report (default 1000)
  --mix 4001=90,4003=10    weights of report statuses (default 4001=1)
  --no-reports             post no delivery reports
  --duplicate-rate R       share of reports posted twice (0-1, default 0)
  --duplicate-delay MS     delay of the duplicate after the first (default 50)
  --rate-limit N           send requests per second per app before 50009 (default: none)
  --repeat-window MS       same message to the same number within MS → 50034, batch entries too (default: off)
  --unsubscribed NUMBER    a number that unsubscribed, 50024 (repeatable)
  --retry-delays A,B,C     callback retry delays in ms (default 180000,3600000,43200000)
  --seed N                 seed for report mix and duplicates
  --quiet                  no log lines besides the "listening" one

Callback URLs must pass Jiguang's check first: GET URL?echostr=X answered 200 with exactly X.

Control: GET /__sandbox/stats, GET /__sandbox/messages,
         POST /__sandbox/{apps,callback-url,balance,faults,limits,reply,report,callback}
         limits {rateLimitPerSecond: N|null, repeatSendWindowMs: MS} switch 50009 / 50034 on or off
         faults {failNext, failStatus, failBody: "jsms"|"html", dropNext, dropAfterAcceptNext,
                 lateAnswerNext, lateAnswerMs, latencyMs}`;

const DEMO_APP = { appKey: "5a4d5b0c0e1f2a3b4c5d6e7f", masterSecret: "0f1e2d3c4b5a69788796a5b4" };

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function fail(message: string): never {
  process.stderr.write(`jsms-sandbox: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

function toNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`${flag} needs a number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      app: { type: "string", multiple: true },
      callback: { type: "string", multiple: true },
      template: { type: "string", multiple: true },
      balance: { type: "string" },
      "report-delay": { type: "string" },
      mix: { type: "string" },
      "no-reports": { type: "boolean" },
      "duplicate-rate": { type: "string" },
      "duplicate-delay": { type: "string" },
      "rate-limit": { type: "string" },
      "repeat-window": { type: "string" },
      unsubscribed: { type: "string", multiple: true },
      "retry-delays": { type: "string" },
      seed: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }

  const apps = new Map<string, SandboxApp>();
  for (const spec of [...(values.app ?? []), ...splitList(process.env.JSMS_SANDBOX_APPS)]) {
    const colon = spec.indexOf(":");
    if (colon <= 0 || colon === spec.length - 1) fail(`--app needs KEY:SECRET, got "${spec}"`);
    apps.set(spec.slice(0, colon), { appKey: spec.slice(0, colon), masterSecret: spec.slice(colon + 1) });
  }
  if (apps.size === 0) {
    // Lets `npm run jsms:sandbox` work bare; both values are 24 hex characters like real ones.
    apps.set(DEMO_APP.appKey, { ...DEMO_APP });
    process.stdout.write(`no --app given: accepting the demo app ${DEMO_APP.appKey}:${DEMO_APP.masterSecret}\n`);
  }
  for (const spec of [...(values.callback ?? []), ...splitList(process.env.JSMS_SANDBOX_CALLBACKS)]) {
    const eq = spec.indexOf("=");
    const app = eq > 0 ? apps.get(spec.slice(0, eq)) : undefined;
    if (!app) fail(`--callback needs KEY=URL for a known app, got "${spec}"`);
    app.callbackUrl = spec.slice(eq + 1);
  }

  const templates: SandboxTemplate[] | undefined = values.template?.map((spec) => {
    const [id, params] = spec.split(":", 2);
    const tempId = Number(id);
    if (!Number.isInteger(tempId)) fail(`--template needs ID[:param,param], got "${spec}"`);
    return { tempId, params: splitList(params) };
  });

  let statusMix: Record<number, number> | undefined;
  if (values.mix) {
    statusMix = {};
    for (const pair of splitList(values.mix)) {
      const [status, weight] = pair.split("=");
      const s = Number(status);
      const w = Number(weight);
      if (!Number.isInteger(s) || !(w >= 0)) fail(`--mix needs STATUS=WEIGHT pairs, got "${pair}"`);
      statusMix[s] = w;
    }
  }
  const delay = values["report-delay"]?.split("-").map((v) => toNumber(v, "--report-delay") ?? 0);
  const log = values.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);

  const sandbox = await startJsmsSandbox({
    port: toNumber(values.port ?? process.env.JSMS_SANDBOX_PORT, "--port") ?? 8787,
    host: values.host,
    apps: [...apps.values()],
    templates,
    defaultBalance: toNumber(values.balance, "--balance"),
    rateLimitPerSecond: toNumber(values["rate-limit"], "--rate-limit"),
    repeatSendWindowMs: toNumber(values["repeat-window"], "--repeat-window"),
    unsubscribed: values.unsubscribed,
    reports: values["no-reports"]
      ? false
      : {
          delayMs: delay === undefined ? 1_000 : delay.length > 1 ? [delay[0], delay[1]] : delay[0],
          statusMix,
          duplicateRate: toNumber(values["duplicate-rate"], "--duplicate-rate"),
          duplicateDelayMs: toNumber(values["duplicate-delay"], "--duplicate-delay"),
        },
    callbackRetryDelaysMs: values["retry-delays"] ? splitList(values["retry-delays"]).map((v) => toNumber(v, "--retry-delays") ?? 0) : undefined,
    seed: toNumber(values.seed, "--seed"),
    log,
  });
  // Printed even with --quiet: scripts wait for this line to know the port.
  process.stdout.write(`JSMS sandbox listening on ${sandbox.url} (apps: ${[...apps.keys()].join(", ")})\n`);

  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`jsms-sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
