import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRows, openDatabase, type DatabaseHandle } from "@/lib/db/client";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { buildCallbackForm, computeCallbackSignature } from "@/lib/sender/jsms/callback";
import { startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms/sandbox/server";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { ensureConsoleBuild, repositoryRoot, startConsoleServer, type ConsoleServer } from "./testing/console-server";
import { ExchangeRecorder, json, type RecordedExchange } from "./testing/exchange-recorder";
import { findBcryptHash, findSecrets, searchableText, type NamedSecret, type SecretHit } from "./testing/secret-scan";
import { FIXED_PORTS } from "./testing/fixed-ports";

/**
 * Secrets never leave the console. A production server (scripts/server.mjs, its whole stdout and
 * stderr kept in a file) is driven through a full working day with distinctive secrets: first-run
 * set-up and sign-in in Chromium, a JSMS channel (on the local JSMS sandbox) and a CMPP channel
 * (on the gateway simulator) created in the form and edited, "test connection" with a wrong
 * secret, a send on each, Jiguang's signed callbacks, users upserted and imported, every page
 * (HTML and its RSC payload), every GET route with an API key, the audit log, the metrics, and
 * error paths fed secrets to echo. Every answer (headers and body, spreadsheets unzipped) and the
 * whole log are then searched for every secret in every encoding (plain, JSON/HTML-escaped,
 * URL-encoded, hex, base64 at any alignment), for the stored password and API-key hashes, the
 * sealed envelopes, any bcrypt hash at all, and the session cookie. The one answer allowed to
 * carry a secret is the API key's creation, which shows it once. Last, every table is read and
 * no channel secret, password or key is stored in plain text: channel secrets are sealed.
 *
 * Runs on the embedded database, and on PostgreSQL too when DATABASE_URL is set (a scratch
 * database of its own). The two runs start the two ways a console is set up: the embedded one
 * with the set-up page and a generated DATA_DIR/app-secret, the PostgreSQL one headless, with
 * ADMIN_EMAIL + ADMIN_PASSWORD and APP_SECRET in its environment.
 */
const BASE_PORT = FIXED_PORTS.secrets;
const rand = (bytes: number) => crypto.randomBytes(bytes).toString("hex");
const randWord = (bytes: number) => crypto.randomBytes(bytes).toString("base64url").replace(/[-_]/g, "x");

const targets: { kind: "pglite" | "postgres"; port: number }[] = [{ kind: "pglite", port: BASE_PORT }];
if (process.env.DATABASE_URL) targets.push({ kind: "postgres", port: BASE_PORT + 10 });

const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Placeholder names in app/ paths → the run's own ids. */
type Ids = Record<"channelKey" | "cmppChannelKey" | "messageId" | "sendId" | "providerId" | "userid" | "importId" | "keyId" | "operatorId", string>;

function listFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(full, name));
    else if (entry.name === name) found.push(full);
  }
  return found.sort();
}

/** An app/ file's URL path with its [param] segments filled in from `ids` (throws on a placeholder it does not know). */
function routePath(file: string, ids: Ids, fillers: Record<string, string> = {}): string {
  const segments = path
    .relative(path.join(repositoryRoot, "app"), path.dirname(file))
    .split(path.sep)
    .filter((s) => s !== "" && !/^\(.*\)$/.test(s))
    .map((segment) => {
      const param = /^\[{1,2}(?:\.\.\.)?([^\]]+)\]{1,2}$/.exec(segment)?.[1];
      if (!param) return segment;
      const value = fillers[param] ?? (ids as Record<string, string>)[param];
      if (value === undefined) throw new Error(`${path.relative(repositoryRoot, file)}: no value for [${param}]; add one to the test`);
      return encodeURIComponent(value);
    });
  return "/" + segments.join("/");
}

interface RunSecrets {
  appKey: string;
  masterSecret: string;
  wrongMasterSecret: string;
  invalidMasterSecret: string;
  cmppAccount: string;
  cmppPassword: string;
  wrongCmppPassword: string;
  invalidCmppPassword: string;
  adminPassword: string;
  wrongAdminPassword: string;
  operatorPassword: string;
  appSecret: string;
  metricsToken: string;
  wrongApiKeySecret: string;
}

function makeSecrets(): RunSecrets {
  return {
    appKey: `a5e1${rand(10)}`,
    masterSecret: `7f3a${rand(10)}`,
    wrongMasterSecret: `0e9b${rand(10)}`,
    invalidMasterSecret: `MSsecret-7f3a${randWord(12)}`,
    cmppAccount: "900077",
    cmppPassword: `cmpp-pw-Q9${randWord(12)}`,
    wrongCmppPassword: `cmpp-wrong-Q9${randWord(12)}`,
    invalidCmppPassword: `cmpp-pw-long-${randWord(48)}`,
    adminPassword: `Pw-Z8${randWord(12)}`,
    wrongAdminPassword: `Pw-wrong-Z8${randWord(12)}`,
    operatorPassword: `Op-Pw-K4${randWord(12)}`,
    appSecret: `app-secret-${randWord(32)}`,
    metricsToken: `metrics-token-${randWord(18)}`,
    wrongApiKeySecret: randWord(32),
  };
}

function basic(credentials: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe.skipIf(!chromiumPath).each(targets)("secrets never leave the console [$kind]", ({ kind, port }) => {
  const s = makeSecrets();
  const headless = kind === "postgres";
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-leak-"));
  const logFile = path.join(workDir, "server.log");
  let scratch: { url: string; drop: () => Promise<void> } | undefined;
  let sandbox: JsmsSandbox;
  let simulator: CmppSimulator;
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rec: ExchangeRecorder;
  let apiKey: { keyId: string; secret: string; credentials: string };
  let keyCreation: RecordedExchange;
  let sessionToken = "";
  const ids: Partial<Ids> = {};

  const api = (label: string, method: string, p: string, options: Parameters<ExchangeRecorder["call"]>[3] = {}) =>
    rec.call(label, method, p, { ...options, headers: { ...basic(apiKey.credentials), ...options.headers } });
  const sessionHeaders = async () => ({
    cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; "),
  });

  beforeAll(async () => {
    await ensureConsoleBuild();
    if (kind === "postgres") scratch = await createScratchDatabase(process.env.DATABASE_URL!);
    sandbox = await startJsmsSandbox({ host: "127.0.0.1", apps: [{ appKey: s.appKey, masterSecret: s.masterSecret }], reports: { delayMs: 200 }, callbackRetryDelaysMs: [500, 1000] });
    simulator = await startCmppSimulator({ host: "127.0.0.1", account: s.cmppAccount, password: s.cmppPassword, accessNumber: "10690077", reports: { delayMs: 200 }, logger: silentLogger });
    server = await startConsoleServer({
      port,
      logFile,
      env: (chosen) => ({
        DATA_DIR: path.join(workDir, "data"),
        ...(headless ? { APP_SECRET: s.appSecret, ADMIN_EMAIL: "admin@example.com", ADMIN_PASSWORD: s.adminPassword } : {}),
        PUBLIC_URL: `http://127.0.0.1:${chosen}`,
        JSMS_BASE_URL: sandbox.url,
        METRICS_TOKEN: s.metricsToken,
        // Debug lines too: every line the console can write is searched.
        DEBUG: "1",
        ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      }),
    });
    rec = new ExchangeRecorder(server.url);
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    context = await browser.newContext({ baseURL: server.url, locale: "en-US" });
    rec.watch(context);
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    await sandbox?.close().catch(() => {});
    await simulator?.close().catch(() => {});
    await scratch?.drop().catch(() => {});
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("runs a working day, and no answer, page or log line carries a secret", async () => {
    const phases: string[] = [];
    let phaseStart = performance.now();
    const phase = (name: string) => {
      phases.push(`${name} ${((performance.now() - phaseStart) / 1000).toFixed(1)} s`);
      phaseStart = performance.now();
    };
    // --- First-run set-up, sign-out, a wrong password, sign-in (Auth.js credentials) -------------
    await page.goto("/");
    if (!headless) {
      await page.waitForURL(/\/setup$/);
      await page.getByLabel("Admin email").fill("admin@example.com");
      await page.getByLabel("Password", { exact: true }).fill(s.adminPassword);
      await page.getByLabel("Repeat the password").fill(s.adminPassword);
      await page.getByRole("button", { name: "Create admin and sign in" }).click();
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
    }
    await page.waitForURL(/\/login/);
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill(s.wrongAdminPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "The email or password is wrong" }).waitFor();
    await page.getByLabel("Password").fill(s.adminPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name.includes("session-token"));
    expect(cookie, "the session cookie").toBeDefined();
    sessionToken = cookie!.value;

    phase("sign-in");
    // --- An API key, shown once ---------------------------------------------------------------
    keyCreation = await rec.call("api key creation", "POST", "/api/v1/api-keys", { headers: await sessionHeaders(), json: { name: "secrets check", role: "admin" } });
    expect(keyCreation.status).toBe(201);
    const created = json<{ key: { keyId: string }; secret: string; credentials: string }>(keyCreation);
    apiKey = { keyId: created.key.keyId, secret: created.secret, credentials: created.credentials };
    expect(apiKey.credentials).toBe(`${apiKey.keyId}:${apiKey.secret}`);
    ids.keyId = apiKey.keyId;
    const operator = await api("rest", "POST", "/api/v1/operators", { json: { email: "op@example.com", password: s.operatorPassword, role: "operator" } });
    expect(operator.status).toBe(201);
    ids.operatorId = json<{ id: string }>(operator).id;

    phase("api key");
    // --- Channels created in the form, then edited ------------------------------------------------
    await page.goto("/channels/new");
    await page.getByLabel("Name").fill("Secret JSMS");
    await page.getByLabel("AppKey").fill(s.appKey);
    await page.getByLabel("MasterSecret").fill(s.masterSecret);
    await page.getByRole("button", { name: "Create channel" }).click();
    await page.getByRole("heading", { name: "Secret JSMS" }).waitFor();
    ids.channelKey = (await page.getByTestId("channel-key").textContent())!.trim();

    await page.goto("/channels/new");
    await page.getByLabel("Carrier gateway (CMPP)").check();
    await page.getByLabel("Name").fill("Secret CMPP");
    await page.getByLabel("Provider").selectOption("china_mobile");
    await page.getByLabel("Gateway IP").fill("127.0.0.1");
    await page.getByLabel("Gateway port").fill(String(simulator.port));
    await page.getByLabel("Account").fill(s.cmppAccount);
    await page.getByLabel("Password").fill(s.cmppPassword);
    await page.getByLabel("Access number").fill("10690077");
    await page.getByLabel("Number of connections").fill("1");
    await page.getByRole("button", { name: "Create channel" }).click();
    await page.getByRole("heading", { name: "Secret CMPP" }).waitFor();
    ids.cmppChannelKey = (await page.getByTestId("channel-key").textContent())!.trim();
    // Edited in the form without retyping the secret (it is kept), and over REST with it.
    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Name").fill("Secret CMPP edited");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Secret CMPP edited" }).waitFor();
    const patched = await api("rest", "PATCH", `/api/v1/channels/${ids.channelKey}`, { json: { name: "Secret JSMS edited", masterSecret: s.masterSecret } });
    expect(patched.status).toBe(200);
    // Refused by the server after the form sent a secret: the refusal shown does not carry it back.
    await page.goto("/channels/new");
    await page.getByLabel("Name").fill("secret jsms edited");
    await page.getByLabel("AppKey").fill(s.appKey);
    await page.getByLabel("MasterSecret").fill(s.wrongMasterSecret);
    await page.getByRole("button", { name: "Create channel" }).click();
    await page.getByText("Another channel already has this name.").first().waitFor();
    await page.goto("/settings/operators");
    const addOperator = page.getByRole("form", { name: "Add an operator" });
    await addOperator.getByLabel("Email").fill("op@example.com");
    await addOperator.getByLabel("Initial password").fill(s.operatorPassword);
    await addOperator.getByRole("button", { name: "Add operator" }).click();
    await page.getByText("An operator with this email already exists.").first().waitFor();

    phase("channels");
    // --- Test connection with a wrong secret: refused, and the refusal does not echo it ---------
    expect((await api("rest", "PATCH", `/api/v1/channels/${ids.channelKey}`, { json: { masterSecret: s.wrongMasterSecret } })).status).toBe(200);
    const jsmsRefused = json<{ ok: boolean; detail: string }>(await api("rest", "POST", `/api/v1/channels/${ids.channelKey}/test`));
    expect(jsmsRefused.ok).toBe(false);
    await page.goto(`/channels/${ids.channelKey}`);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByRole("alert").filter({ hasText: "Connection failed" }).waitFor();
    // A send while the secret is wrong: the dispatcher meets the refusal (and logs it).
    const wrongSecretSends = [
      await api("rest", "POST", "/api/v1/messages", { json: { channelKey: ids.channelKey, phones: ["13700137001"], template: { id: 1, params: { code: "1111" } } } }),
    ];
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await api("rest", "PATCH", `/api/v1/channels/${ids.channelKey}`, { json: { masterSecret: s.masterSecret } })).status).toBe(200);
    expect(json<{ ok: boolean }>(await api("rest", "POST", `/api/v1/channels/${ids.channelKey}/test`)).ok).toBe(true);

    expect((await api("rest", "PATCH", `/api/v1/channels/${ids.cmppChannelKey}`, { json: { password: s.wrongCmppPassword } })).status).toBe(200);
    const cmppRefused = json<{ ok: boolean; detail: string }>(await api("rest", "POST", `/api/v1/channels/${ids.cmppChannelKey}/test`));
    expect(cmppRefused.ok).toBe(false);
    expect(cmppRefused.detail).toMatch(/auth/i);
    await page.goto(`/channels/${ids.cmppChannelKey}`);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByRole("alert").filter({ hasText: "Connection failed" }).waitFor();
    wrongSecretSends.push(await api("rest", "POST", "/api/v1/messages", { json: { channelKey: ids.cmppChannelKey, phones: ["13700137002"], text: "Sent while the password was wrong" } }));
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await api("rest", "PATCH", `/api/v1/channels/${ids.cmppChannelKey}`, { json: { password: s.cmppPassword } })).status).toBe(200);
    expect(json<{ ok: boolean }>(await api("rest", "POST", `/api/v1/channels/${ids.cmppChannelKey}/test`)).ok).toBe(true);

    phase("wrong secrets");
    // --- Users: the UMS upsert and a file import --------------------------------------------------
    const upsert = await api("rest", "POST", "/api/v1/users", {
      json: [
        { userid: "sec-u1", phone: { all: "13800138001" } },
        { userid: "sec-u2", phone: { [ids.cmppChannelKey]: "13800138002" } },
      ],
    });
    expect(json(upsert)).toMatchObject({ inserted: 2, failed: [] });
    const file = new FormData();
    file.append("file", new Blob([`userid,phone\nsec-u3,13800138003\nsec-bad,123\n`], { type: "text/csv" }), "users.csv");
    const queued = await api("rest", "POST", "/api/v1/users/import", { multipart: file });
    expect(queued.status).toBe(202);
    ids.importId = json<{ importId: string }>(queued).importId;
    const imported = await waitFor("the import", async () => {
      const body = json<{ status: string; inserted: number; failedRows: number }>(await api("rest", "GET", `/api/v1/imports/${ids.importId}`));
      return body.status === "done" || body.status === "failed" ? body : undefined;
    });
    expect(imported).toMatchObject({ status: "done", inserted: 1, failedRows: 1 });
    ids.userid = "sec-u1";

    phase("users");
    // --- A send each way, delivered by receipts (JSMS: Jiguang's signed callback) ---------------
    const channel = json<{ callbackUrl: string }>(await api("rest", "GET", `/api/v1/channels/${ids.channelKey}`));
    sandbox.setCallbackUrl(s.appKey, channel.callbackUrl);
    const jsmsSend = await api("rest", "POST", "/api/v1/messages", { json: { channelKey: ids.channelKey, phones: ["13900139001"], template: { id: 1, params: { code: "2468" } } } });
    expect(jsmsSend.status).toBe(202);
    const cmppSend = await api("rest", "POST", "/api/v1/messages", { json: { channelKey: ids.cmppChannelKey, userids: ["sec-u1", "sec-u2"], text: "Your code is 1357" } });
    expect(cmppSend.status).toBe(202);
    for (const [send, total] of [
      [jsmsSend, 1],
      [cmppSend, 2],
    ] as const) {
      const { sendId } = json<{ sendId: string }>(send);
      const done = await waitFor(`send ${sendId} delivered`, async () => {
        const body = json<{ counts: { delivered: number } }>(await api("rest", "GET", `/api/v1/sends/${sendId}`));
        return body.counts.delivered === total ? body : undefined;
      });
      expect(done.counts.delivered).toBe(total);
      ids.sendId = sendId;
      phase(`send of ${total} delivered`);
    }
    const listed = json<{ items: { id: string }[] }>(await api("rest", "GET", `/api/v1/messages?sendId=${ids.sendId}`));
    ids.messageId = String(listed.items[0]!.id);
    expect(sandbox.stats().callbacks.reports).toBeGreaterThanOrEqual(1);
    await sandbox.injectReply({ appKey: s.appKey, phone: "13900139001", content: "TD" });
    await sandbox.injectCallback({ appKey: s.appKey, type: "SMS_TEMPLATE", data: JSON.stringify({ tempId: 42, status: 2, refuseReason: "rejected" }) });
    simulator.sendReply({ from: "13800138001", text: "STOP" });
    // A signed callback of our own (answered 200), and forged and stale ones (refused).
    const callbackPath = `/api/jsms/callback/${ids.channelKey}`;
    const signed = buildCallbackForm({ appKey: s.appKey, masterSecret: s.masterSecret, type: "SMS_REPLY", data: JSON.stringify({ phone: "13900139001", replyTime: Date.now(), content: "hi" }) });
    expect((await rec.call("callback", "POST", callbackPath, { form: signed })).status).toBe(200);
    const forged = new URLSearchParams(signed);
    forged.set("nonce", "123456789");
    forged.set("signature", "0".repeat(40));
    const forgedAnswer = await rec.call("callback", "POST", callbackPath, { form: forged });
    expect(forgedAnswer.status).toBeGreaterThanOrEqual(400);
    const expectedForgedSignature = computeCallbackSignature(s.appKey, s.masterSecret, "123456789", forged.get("timestamp")!);
    const stale = buildCallbackForm({ appKey: s.appKey, masterSecret: s.masterSecret, timestamp: String(Date.now() - 86_400_000), type: "SMS_REPLY", data: "{}" });
    expect((await rec.call("callback", "POST", callbackPath, { form: stale })).status).toBeGreaterThanOrEqual(400);
    expect((await rec.call("callback", "POST", callbackPath, { body: "nonce=1&timestamp=x", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBeGreaterThanOrEqual(400);

    phase("sends");
    // --- Error paths fed secrets to echo ---------------------------------------------------------
    const badSecret = await api("error path", "POST", "/api/v1/channels", { json: { type: "jsms", name: "Bad secret", appKey: s.appKey, masterSecret: s.invalidMasterSecret } });
    expect(badSecret.status).toBe(400);
    const badPassword = await api("error path", "POST", "/api/v1/channels", {
      json: { type: "cmpp", name: "Bad password", provider: "other", host: "127.0.0.1", port: 443, account: "1", password: s.invalidCmppPassword, accessNumber: "1", connections: 1 },
    });
    expect(badPassword.status).toBe(400);
    const brokenJson = await api("error path", "POST", "/api/v1/channels", { body: `{"type":"jsms","masterSecret":"${s.masterSecret}", "password": ${s.cmppPassword}}`, headers: { "content-type": "application/json" } });
    expect(brokenJson.status).toBe(400);
    const brokenPatch = await api("error path", "PATCH", `/api/v1/channels/${ids.cmppChannelKey}`, { body: `{"password":"${s.wrongCmppPassword}"`, headers: { "content-type": "application/json" } });
    expect(brokenPatch.status).toBe(400);
    const wrongType = await api("error path", "PATCH", `/api/v1/channels/${ids.cmppChannelKey}`, { json: { password: { value: s.wrongCmppPassword } } });
    expect(wrongType.status).toBe(400);
    expect((await api("error path", "PATCH", "/api/v1/channels/nosuchchan", { json: { masterSecret: s.wrongMasterSecret } })).status).toBe(404);
    const dupOperator = await api("error path", "POST", "/api/v1/operators", { json: { email: "op@example.com", password: s.operatorPassword, role: "viewer" } });
    expect(dupOperator.status).toBe(409);
    const shortPassword = await api("error path", "POST", "/api/v1/operators", { json: { email: "x@example.com", password: s.adminPassword.slice(0, 6), role: "viewer" } });
    expect(shortPassword.status).toBe(400);
    expect((await rec.call("error path", "GET", "/api/v1/channels", { headers: basic(`${apiKey.keyId}:${s.wrongApiKeySecret}`) })).status).toBe(401);
    expect((await rec.call("error path", "GET", "/api/v1/channels", { headers: basic(`ak_0000000000000000:${s.wrongApiKeySecret}`) })).status).toBe(401);
    expect((await rec.call("error path", "GET", "/api/v1/channels", { headers: { authorization: `Basic ${s.wrongApiKeySecret}` } })).status).toBe(401);
    expect((await rec.call("error path", "GET", "/api/metrics", { headers: { authorization: `Bearer ${s.wrongApiKeySecret}` } })).status).toBe(401);
    expect((await api("error path", "POST", "/api/v1/messages", { json: { channelKey: ids.channelKey, phones: ["1"], text: s.masterSecret } })).status).toBeGreaterThanOrEqual(400);
    expect((await api("error path", "GET", "/api/v1/nothing-here")).status).toBe(404);
    expect((await api("error path", "DELETE", "/api/v1/channels")).status).toBe(405);
    expect((await api("error path", "GET", "/api/v1/messages?limit=abc")).status).toBe(400);

    phase("error paths");
    // --- Every GET route, with the API key (the Auth.js ones with the session) ------------------
    const providers = json<{ items: { providerId: string }[] }>(await api("rest", "GET", "/api/v1/providers"));
    ids.providerId = providers.items[0]!.providerId;
    const all = ids as Ids;
    const routeFiles = listFiles(path.join(repositoryRoot, "app", "api"), "route.ts").filter((f) =>
      // A GET of its own (or Auth.js's handlers), not the 405 answer otherMethods() gives.
      /export (const|async function|function) GET\b|export const \{[^}]*\bGET\b[^}]*\} = (?!otherMethods)/.test(fs.readFileSync(f, "utf8")),
    );
    const extraQuery: Record<string, string> = { "/api/v1/messages/export": "?format=csv", "/api/v1/audit-log": "?limit=200", "/api/v1/messages": "?limit=500" };
    let getRoutes = 0;
    for (const file of routeFiles) {
      if (file.includes(`${path.sep}auth${path.sep}`)) {
        for (const action of ["session", "csrf", "providers"]) {
          const answer = await rec.call("auth", "GET", routePath(file, all, { nextauth: action }), { headers: await sessionHeaders() });
          // A signed-in session answer: the one that would carry a session handle if any did.
          if (action === "session") expect(json<{ user?: { email?: string } }>(answer).user?.email).toBe("admin@example.com");
        }
        getRoutes++;
        continue;
      }
      const p = routePath(file, all, { path: "nothing-here" });
      const query = p.startsWith("/api/jsms/callback/") ? "?echostr=check-4711" : (extraQuery[p] ?? "");
      const answer = await api("rest", "GET", p + query);
      expect(answer.status, `GET ${p}`).toBeLessThan(p.endsWith("/nothing-here") ? 500 : 400);
      getRoutes++;
    }
    for (const key of [ids.channelKey, ids.cmppChannelKey]) await api("rest", "GET", `/api/v1/channels/${key}`);
    const metrics = await rec.call("rest", "GET", "/api/metrics", { headers: { authorization: `Bearer ${s.metricsToken}` } });
    expect(metrics.status).toBe(200);
    expect(getRoutes).toBe(routeFiles.length);

    phase("GET routes");
    // --- Every page: in the browser (HTML), fetched as an RSC payload, and signed out -----------
    const pageFiles = listFiles(path.join(repositoryRoot, "app"), "page.tsx");
    const pagePaths = new Set(pageFiles.map((f) => routePath(f, all)));
    pagePaths.add(`/channels/${ids.cmppChannelKey}`);
    for (const p of pagePaths) {
      await page.goto(p);
      // Rendered and hydrated far enough for the page's own first fetches to have gone out.
      await page.locator("h1").first().waitFor();
      await page.waitForTimeout(300);
      const cookieHeader = await sessionHeaders();
      // Next answers an RSC request without its cache-busting `_rsc` parameter with a redirect to one that has it.
      await rec.call("page rsc", "GET", `${p}?_rsc`, { headers: { ...cookieHeader, rsc: "1" } });
      await rec.call("page anonymous", "GET", p);
    }
    // Client-side navigations fetch RSC payloads of their own.
    await page.goto("/");
    for (const name of ["Channels", "Users", "Send", "Messages"]) {
      await page.getByRole("link", { name, exact: true }).first().click();
      await page.waitForURL(new RegExp(`/${name.toLowerCase()}$`));
      await page.locator("h1").first().waitFor();
    }
    await rec.settle();

    phase("pages");
    // The sends queued while a secret was wrong end, one way or another, once it is right again.
    for (const send of wrongSecretSends) {
      expect(send.status).toBe(202);
      const { sendId } = json<{ sendId: string }>(send);
      await waitFor(`send ${sendId} final`, async () => {
        const { counts } = json<{ counts: Record<string, number> }>(await api("rest", "GET", `/api/v1/sends/${sendId}`));
        return counts.delivered + counts.failed + counts.expired + counts.unknown + counts.cancelled === 1 ? counts : undefined;
      });
      phase("send queued while a secret was wrong, final");
    }
    // --- Stop the server: the log is complete, and the embedded database can be opened ---------
    await context.close();
    expect(await server.stop()).not.toBeNull();
    // Without APP_SECRET the key is generated into DATA_DIR on first start: search for that one.
    const appSecret = headless ? s.appSecret : fs.readFileSync(path.join(workDir, "data", "app-secret"), "utf8").trim();
    expect(appSecret.length).toBeGreaterThanOrEqual(32);
    const handle: DatabaseHandle = await openDatabase(scratch ? { databaseUrl: scratch.url, maxConnections: 2 } : { dataDir: path.join(workDir, "data") });
    let stored: { hashes: string[]; apiKeyHashes: string[]; sealed: { channelKey: string; sealed: string }[]; sessionIds: string[]; tables: { table: string; rows: string }[] };
    try {
      const ops = await executeRows<{ password_hash: string }>(handle.db, sql`select password_hash from operators`);
      const keys = await executeRows<{ secret_hash: string }>(handle.db, sql`select secret_hash from api_keys`);
      const sealedRows = await executeRows<{ channel_key: string; sealed_secrets: string }>(handle.db, sql`select channel_key, sealed_secrets from channels`);
      const sessions = await executeRows<{ id: string }>(handle.db, sql`select id::text as id from operator_sessions`);
      const tableNames = await executeRows<{ table_name: string }>(
        handle.db,
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
      );
      const tables: { table: string; rows: string }[] = [];
      for (const { table_name } of tableNames) {
        const rows = await executeRows<{ row: string }>(handle.db, sql.raw(`select row_to_json(t)::text as row from "${table_name}" t`));
        tables.push({ table: table_name, rows: rows.map((r) => r.row).join("\n") });
      }
      stored = {
        hashes: ops.map((r) => r.password_hash),
        apiKeyHashes: keys.map((r) => r.secret_hash),
        sealed: sealedRows.map((r) => ({ channelKey: r.channel_key, sealed: r.sealed_secrets })),
        sessionIds: sessions.map((r) => r.id),
        tables,
      };
    } finally {
      await handle.close();
    }
    expect(stored.hashes).toHaveLength(2);
    expect(stored.hashes.every((h) => h.startsWith("$2"))).toBe(true);
    expect(stored.sealed.map((r) => r.channelKey).sort()).toEqual([ids.channelKey, ids.cmppChannelKey].sort());

    phase("stop and read database");
    // --- The database: no channel secret, password or key in plain text anywhere ---------------
    const plainSecrets: NamedSecret[] = [
      { name: "JSMS MasterSecret", value: s.masterSecret },
      { name: "JSMS AppKey", value: s.appKey },
      { name: "wrong MasterSecret", value: s.wrongMasterSecret },
      { name: "CMPP password", value: s.cmppPassword },
      { name: "wrong CMPP password", value: s.wrongCmppPassword },
      { name: "admin password", value: s.adminPassword },
      { name: "wrong admin password", value: s.wrongAdminPassword },
      { name: "operator password", value: s.operatorPassword },
      { name: "API key secret", value: apiKey.secret },
      { name: "wrong API key secret", value: s.wrongApiKeySecret },
      { name: headless ? "APP_SECRET" : "generated DATA_DIR/app-secret", value: appSecret },
      ...(headless ? [] : [{ name: "generated app-secret's key bytes", value: Buffer.from(appSecret, "base64").toString("hex") }]),
      { name: "METRICS_TOKEN", value: s.metricsToken },
    ];
    for (const { channelKey, sealed } of stored.sealed) {
      expect(findSecrets(sealed, plainSecrets), `channel ${channelKey}'s stored secrets`).toEqual([]);
      expect(sealed.length, "a sealed envelope, not an empty field").toBeGreaterThan(40);
    }
    const dbHits = stored.tables.flatMap(({ table, rows }) => findSecrets(rows, plainSecrets).map((hit) => ({ table, ...hit })));
    expect(dbHits, "secrets stored in plain text").toEqual([]);

    // --- Every answer and the whole log ---------------------------------------------------------
    const derived: NamedSecret[] = [
      ...stored.hashes.map((value, i) => ({ name: `stored password hash ${i + 1}`, value })),
      // The salt part ($2b$11$ + 22 characters) alone identifies the hash too.
      ...stored.hashes.map((value, i) => ({ name: `stored password hash ${i + 1} (salt)`, value: value.slice(0, 29) })),
      ...stored.apiKeyHashes.map((value) => ({ name: "stored API key hash", value })),
      ...stored.sealed.map(({ channelKey, sealed }) => ({ name: `sealed secrets of ${channelKey}`, value: sealed })),
      { name: "expected signature of a forged callback", value: expectedForgedSignature },
    ];
    const everySecret = [...plainSecrets, ...derived];
    const leaks: { where: string; hit: SecretHit }[] = [];
    const withApiKey: string[] = [];
    for (const exchange of rec.exchanges) {
      const where = `${exchange.label}: ${exchange.method} ${exchange.url} → ${exchange.status}`;
      const text = searchableText(exchange.body);
      const headerText = Object.entries(exchange.headers)
        .filter(([name]) => name !== "set-cookie")
        .map(([name, value]) => `${name}: ${value}`)
        .join("\n");
      const setCookies = exchange.headers["set-cookie"] ?? "";
      const hitsHere = [
        ...findSecrets(text, everySecret),
        ...findSecrets(headerText, everySecret),
        ...findSecrets(setCookies, everySecret),
        // The session cookie belongs in Set-Cookie only, never in a body or another header.
        ...findSecrets(text + "\n" + headerText, [{ name: "session token", value: sessionToken }, ...stored.sessionIds.map((value) => ({ name: "session id", value }))]),
        ...[findBcryptHash(text), findBcryptHash(headerText)].filter((h): h is SecretHit => h !== null),
      ];
      for (const hit of hitsHere) {
        if (exchange === keyCreation && hit.secret === "API key secret") continue;
        leaks.push({ where, hit });
      }
      if (findSecrets(text, [{ name: "API key secret", value: apiKey.secret }]).length > 0) withApiKey.push(where);
    }
    const log = server.log();
    for (const hit of [...findSecrets(log, [...everySecret, { name: "session token", value: sessionToken }, ...stored.sessionIds.map((value) => ({ name: "session id", value }))]), findBcryptHash(log)]) {
      if (hit) leaks.push({ where: `server log (${logFile})`, hit });
    }
    phase("scan");
    const bodyBytes = rec.exchanges.reduce((n, e) => n + e.body.length, 0);
    console.log(
      `[${kind}] secrets scan: ${rec.exchanges.length} answers (${(bodyBytes / 1e6).toFixed(2)} MB of bodies), ${Buffer.byteLength(log)} bytes of server log, ` +
        `${everySecret.length} secrets × their encodings, ${leaks.length} hits, pages ${pagePaths.size}, GET routes ${getRoutes}; ${phases.join(", ")}`,
    );
    expect(leaks, "secrets in answers or the log").toEqual([]);
    // The API key's secret is shown once: in its creation answer, and nowhere else.
    expect(withApiKey).toEqual([`api key creation: POST ${keyCreation.url} → 201`]);
    // The scan saw what it was meant to: pages, RSC payloads, the console's own fetches, spreadsheets.
    expect(rec.exchanges.filter((e) => e.label === "page rsc" && e.status === 200 && e.headers["content-type"]?.includes("text/x-component")).length).toBeGreaterThan(5);
    expect(rec.exchanges.filter((e) => e.label === "browser").length).toBeGreaterThan(20);
    const rscText = rec.exchanges.filter((e) => e.label === "page rsc").map((e) => e.body.toString("utf8")).join("\n");
    expect(rscText).toContain(ids.channelKey);
    expect(rec.exchanges.some((e) => e.body.length >= 4 && e.body.readUInt32LE(0) === 0x04034b50)).toBe(true);
    expect(Buffer.byteLength(log)).toBeGreaterThan(0);
  });
});
