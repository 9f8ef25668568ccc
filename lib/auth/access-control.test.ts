import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { NextRequest } from "next/server";
import { isValidElement, type ReactNode } from "react";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cookies, headers } from "next/headers";
import { auth, signIn, signOut } from "@/lib/auth/auth";
import { apiRequest, basicAuth, testRuntime } from "@/lib/api/route-test-kit";
import { createChannel } from "@/lib/channels/channel-service";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { describeEachDb, type TestDb } from "@/lib/db/test-databases";
import { CLIENT_ADDRESS_HEADER } from "@/lib/server/client-address";
import { getDb, getRuntime } from "@/lib/server/runtime";
import { SYSTEM_ACTOR } from "./actor";
import { createApiKey, revokeApiKey } from "./api-keys";
import { ACTIONS, API_ROUTES, PAGES, PRINCIPALS, SESSION_PRINCIPALS, type ApiEntry, type PageOutcome, type Principal } from "./access-table";
import { signOutOperator } from "./console-sign-in";
import { createOperator, updateOperator } from "./operators";
import { resolveOperatorSession, startOperatorSession } from "./operator-sessions";
import { hasRole, type Role } from "./roles";

// The real route handlers, pages and server actions run in-process against the test database.
// Only what needs Next's request scope is replaced: the session cookie (Auth.js's auth() answers
// the id of a real operator_sessions row, checked by the real code), request headers and
// cookies, and the translations. API keys are real keys, checked by the real code.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
  getDb: vi.fn(),
}));
vi.mock("@/lib/auth/auth", () => ({
  auth: vi.fn(),
  signIn: vi.fn(),
  signOut: vi.fn(),
  handlers: { GET: undefined, POST: undefined },
  RefusedSignin: class RefusedSignin extends Error {},
}));
vi.mock("next-auth", () => ({ AuthError: class AuthError extends Error {}, CredentialsSignin: class CredentialsSignin extends Error {} }));
vi.mock("next/headers", () => ({ headers: vi.fn(async () => new Headers()), cookies: vi.fn() }));
vi.mock("next-intl/server", () => ({
  getTranslations: vi.fn(async () => Object.assign((key: string) => key, { rich: (key: string) => key, has: () => true })),
  getTimeZone: vi.fn(async () => "Asia/Shanghai"),
  getLocale: vi.fn(async () => "en"),
}));

const ROOT = process.cwd();
const APP = path.join(ROOT, "app");
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Files under app/ named `name`, as their folder relative to app/ with forward slashes. */
function foldersWith(name: string, dir = APP): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return foldersWith(name, full);
    return entry.name === name ? [path.relative(APP, dir).split(path.sep).join("/")] : [];
  });
}

/** Every "use server" module under app/ (by its file, relative to app/). */
function serverActionFiles(dir = APP): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return serverActionFiles(full);
    if (!/\.(ts|tsx)$/.test(entry.name) || entry.name.endsWith(".test.ts")) return [];
    const head = fs.readFileSync(full, "utf8").replace(/^(\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "");
    return /^["']use server["']/.test(head) ? [path.relative(APP, full).split(path.sep).join("/")] : [];
  });
}

/** Rows of db.execute: postgres.js answers an array, PGlite an object with `rows`. */
function rowsOf<R>(result: unknown): R[] {
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

/** The role a caller acts with; null for those who must count as nobody. */
const roleOf = (p: Principal): Role | null => {
  const [, role] = p.split(":");
  return role === "viewer" || role === "operator" || role === "admin" ? role : null;
};

/** The status a caller must get from a listed route for the probe request. */
function expectedStatus(entry: ApiEntry, p: Principal): number {
  if (entry.access === "anyone" || entry.access === "jsms_signature") return entry.ok!;
  const role = roleOf(p);
  if (!role) return 401;
  return hasRole(role, entry.access) ? entry.ok! : 403;
}

/** Segments that are well formed but name nothing, so an allowed probe stops at "not found". */
const NOTHING: Record<string, string> = {
  keyId: "ak_0000000000000000",
  channelKey: "nosuchkey2",
  importId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  messageId: "999999999",
  operatorId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  providerId: "p_ffffffffff",
  sendId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  userid: "nobody",
};

type RouteHandler = (req: NextRequest, route: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type RouteModule = Partial<Record<(typeof HTTP_METHODS)[number], RouteHandler | undefined>>;

const routeFiles = foldersWith("route.ts").filter((folder) => folder.startsWith("api"));
const routeModules = new Map<string, RouteModule>();
async function routeModule(folder: string): Promise<RouteModule> {
  let mod = routeModules.get(folder);
  if (!mod) {
    mod = (await import(/* @vite-ignore */ path.join(APP, folder, "route.ts"))) as RouteModule;
    routeModules.set(folder, mod);
  }
  return mod;
}
const exportedMethods = (mod: RouteModule) => HTTP_METHODS.filter((m) => m in mod);

function segmentValues(folder: string, values: Record<string, string>): { url: string; params: Record<string, string | string[]> } {
  const params: Record<string, string | string[]> = {};
  const url = folder
    .split("/")
    .map((part) => {
      const optional = /^\[\[\.\.\.(.+)\]\]$/.exec(part);
      const rest = /^\[\.\.\.(.+)\]$/.exec(part);
      const one = /^\[(.+)\]$/.exec(part);
      if (optional || rest) {
        params[(optional ?? rest)![1]!] = ["no", "such", "address"];
        return "no/such/address";
      }
      if (one) {
        const value = values[one[1]!] ?? NOTHING[one[1]!] ?? "x";
        params[one[1]!] = value;
        return encodeURIComponent(value);
      }
      return part;
    })
    .join("/");
  return { url: "/" + url, params };
}

describeEachDb("access control", (t: TestDb) => {
  const credentials: Partial<Record<Principal, Record<string, string>>> = {};
  const sessions: Partial<Record<Principal, string>> = {};
  const operatorIds: Partial<Record<Role, string>> = {};
  let current: Principal = "anonymous";
  const fixture: Record<string, string> = {};
  let effectRound = 0;

  let fingerprintQuery: string | null = null;

  /** Everything the database holds, less the columns reading touches (last use of a key or a session). */
  async function fingerprint(): Promise<string> {
    if (!fingerprintQuery) {
      const tables = rowsOf<{ table_name: string }>(
        await t.db.execute(
          sql`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
        ),
      );
      // The throttle counts requests by address, and live figures count calls: neither is a change a caller makes.
      fingerprintQuery = tables
        .map((row) => row.table_name)
        .filter((name) => name !== "auth_throttle" && name !== "channel_live_stats")
        .map(
          (name) =>
            `SELECT '${name}' AS name, md5(coalesce(string_agg(j::text, ',' ORDER BY j::text), '')) AS digest FROM (SELECT to_jsonb(x) - 'last_used_at' - 'last_seen_at' AS j FROM "${name}" x) s`,
        )
        .join(" UNION ALL ");
    }
    return rowsOf<{ name: string; digest: string }>(await t.db.execute(sql.raw(fingerprintQuery)))
      .map((row) => `${row.name}:${row.digest}`)
      .sort()
      .join("\n");
  }

  function headersFor(p: Principal): Record<string, string> {
    return credentials[p] ?? {};
  }

  beforeAll(async () => {
    const runtime = testRuntime(t);
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    vi.mocked(getDb).mockResolvedValue(t.db);
    // Each caller comes from its own address, so per-address limits never mix them up.
    vi.mocked(headers).mockImplementation((async () => new Headers({ [CLIENT_ADDRESS_HEADER]: `10.0.0.${PRINCIPALS.indexOf(current) + 1}` })) as unknown as typeof headers);
    vi.mocked(auth).mockImplementation((async () => (sessions[current] ? { sessionId: sessions[current] } : null)) as unknown as typeof auth);
    const system = SYSTEM_ACTOR("access-control test");
    for (const role of ["viewer", "operator", "admin"] as const) {
      const operator = await createOperator(t.db, system, { email: `${role}@example.com`, password: "correct horse battery", role });
      operatorIds[role] = operator.id;
      sessions[`session:${role}`] = await startOperatorSession(t.db, operator.id, { address: "127.0.0.1", userAgent: null }, new Date());
      credentials[`key:${role}`] = basicAuth((await createApiKey(t.db, system, { name: `${role} key`, role })).credentials);
    }
    const revoked = await createApiKey(t.db, system, { name: "revoked key", role: "admin" });
    await revokeApiKey(t.db, system, revoked.key.keyId);
    credentials["key:revoked"] = basicAuth(revoked.credentials);
    const ended = await startOperatorSession(t.db, operatorIds.admin!, { address: "127.0.0.1", userAgent: null }, new Date());
    await signOutOperator(t.db, ended, "127.0.0.1");
    sessions["session:ended"] = ended;
    const leaver = await createOperator(t.db, system, { email: "leaver@example.com", password: "correct horse battery", role: "admin" });
    sessions["session:disabled"] = await startOperatorSession(t.db, leaver.id, { address: "127.0.0.1", userAgent: null }, new Date());
    await updateOperator(t.db, system, leaver.id, { disabled: true });

    const ctx = { db: t.db, sealKey: runtime.sealKey, publicUrl: "http://console.test" };
    const jsms = { appKey: "dd1066407b044738b6479275", masterSecret: "ee38ce69b1de2a7fa95706ea" };
    fixture.channelKey = (await createChannel(ctx, system, { type: "jsms", name: "Access JSMS", ...jsms })).channelKey;
    fixture.deletableChannelKey = (await createChannel(ctx, system, { type: "jsms", name: "Access deletable", ...jsms })).channelKey;
    fixture.targetOperatorId = (await createOperator(t.db, system, { email: "target@example.com", password: "correct horse battery", role: "viewer" })).id;
    fixture.targetKeyId = (await createApiKey(t.db, system, { name: "target key", role: "viewer" })).key.keyId;
    fixture.providerId = "china_mobile";
    fixture.userid = "access-user";
    await upsertUmsUsers(t.db, system, [{ userid: fixture.userid, phone: { all: "13800138000" } }]);
  });

  beforeEach(() => {
    current = "anonymous";
    vi.mocked(signIn).mockReset();
    vi.mocked(signOut).mockReset();
  });

  describe("the table covers everything the file system holds", () => {
    it("lists every route method; every method it does not list answers 405 (OPTIONS 204)", async () => {
      const listed = new Set(Object.keys(API_ROUTES));
      const found = new Set<string>();
      for (const folder of routeFiles) {
        const mod = await routeModule(folder);
        for (const method of exportedMethods(mod)) {
          const key = `${method} /${folder}`;
          found.add(key);
          if (listed.has(key)) continue;
          // Not listed: must be a method the address does not take.
          const handler = mod[method]!;
          const { url, params } = segmentValues(folder, {});
          // The answer comes before any check, so nobody and an admin key stand for every caller.
          for (const p of ["anonymous", "key:admin"] as const) {
            current = p;
            const response = await handler(apiRequest(url, { method, headers: headersFor(p) }), { params: Promise.resolve(params) });
            expect({ key, p, status: response.status }).toEqual({ key, p, status: method === "OPTIONS" ? 204 : 405 });
          }
        }
      }
      // A listed key without its file or export is a stale entry.
      expect([...listed].filter((key) => !found.has(key))).toEqual([]);
    });

    it("lists every page", () => {
      expect(foldersWith("page.tsx").sort()).toEqual(Object.keys(PAGES).sort());
    });

    it("lists every exported function of every server action module", async () => {
      const found: string[] = [];
      for (const file of serverActionFiles()) {
        const mod = (await import(/* @vite-ignore */ path.join(APP, file))) as Record<string, unknown>;
        const name = path.basename(file).replace(/\.tsx?$/, "");
        expect(file).toBe(`actions/${path.basename(file)}`);
        for (const [exported, value] of Object.entries(mod)) if (typeof value === "function") found.push(`${name}#${exported}`);
      }
      expect(found.sort()).toEqual(Object.keys(ACTIONS).sort());
    });

    it("has no server action outside those modules (an inline \"use server\" function would escape the table)", () => {
      const sources = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(full);
          return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
        });
      const modules = new Set(serverActionFiles().map((file) => path.join(APP, file)));
      const elsewhere = [APP, path.join(ROOT, "components"), path.join(ROOT, "lib")]
        .flatMap((dir) => sources(dir))
        .filter((file) => !modules.has(file) && /^\s*["']use server["'];?\s*$/m.test(fs.readFileSync(file, "utf8")));
      expect(elsewhere.map((file) => path.relative(ROOT, file))).toEqual([]);
    });
  });

  describe("route handlers", () => {
    const probed = Object.entries(API_ROUTES).filter(([, entry]) => entry.ok !== null);

    it.each(probed)("%s answers each caller as the table says", async (key, entry) => {
      const [method, route] = key.split(" ") as [(typeof HTTP_METHODS)[number], string];
      const folder = route.slice(1);
      const handler = (await routeModule(folder))[method];
      expect(handler, key).toBeTypeOf("function");
      const { url, params } = segmentValues(folder, entry.fixture ? fixture : {});
      const query = folder.startsWith("api/jsms/callback") && method === "GET" ? "?echostr=probe" : "";
      const seen: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      for (const p of PRINCIPALS) {
        current = p;
        const headers: Record<string, string> = { ...headersFor(p) };
        let body: string | undefined;
        if (WRITE_METHODS.has(method)) {
          headers["content-type"] = folder.startsWith("api/jsms") ? "application/x-www-form-urlencoded" : "application/json";
          body = folder.startsWith("api/jsms") ? "type=SMS_REPORT&data=%7B%7D" : "{}";
        }
        const response = await handler!(apiRequest(url + query, { method, headers, body }), { params: Promise.resolve(params) });
        seen[p] = response.status;
        wanted[p] = expectedStatus(entry, p);
        await response.body?.cancel();
      }
      expect(seen).toEqual(wanted);
    });

    /** The request of each effect, for round `n` (fresh names, so an allowed request really writes). */
    function effectRequest(effect: NonNullable<ApiEntry["effect"]>, n: number): { folder: string; method: string; values: Record<string, string>; body: unknown } {
      switch (effect) {
        case "channel.create":
          return { folder: "api/v1/channels", method: "POST", values: {}, body: { type: "jsms", name: `Created ${n}`, appKey: "dd1066407b044738b6479275", masterSecret: "ee38ce69b1de2a7fa95706ea" } };
        case "channel.update":
          return { folder: "api/v1/channels/[channelKey]", method: "PATCH", values: fixture, body: { name: `Renamed ${n}` } };
        case "channel.delete":
          return { folder: "api/v1/channels/[channelKey]", method: "DELETE", values: { channelKey: fixture.deletableChannelKey! }, body: undefined };
        case "operator.create":
          return { folder: "api/v1/operators", method: "POST", values: {}, body: { email: `new${n}@example.com`, password: "correct horse battery", role: "admin" } };
        case "operator.update":
          return { folder: "api/v1/operators/[operatorId]", method: "PATCH", values: { operatorId: fixture.targetOperatorId! }, body: { role: "admin" } };
        case "api_key.create":
          return { folder: "api/v1/api-keys", method: "POST", values: {}, body: { name: `made ${n}`, role: "admin" } };
        case "api_key.revoke":
          return { folder: "api/v1/api-keys/[keyId]", method: "DELETE", values: { keyId: fixture.targetKeyId! }, body: undefined };
        case "users.upsert":
          return { folder: "api/v1/users", method: "POST", values: {}, body: [{ userid: `made${n}`, phone: { all: "13800138001" } }] };
        case "messages.send":
          return { folder: "api/v1/messages", method: "POST", values: {}, body: { channelKey: fixture.channelKey, phones: ["13800138002"], template: { id: 1 } } };
        case "codes.replace":
          return {
            folder: "api/v1/providers/[providerId]/codes",
            method: "PUT",
            values: fixture,
            body: { items: [{ code: `ACL${n}`, outcome: "failed", category: "invalid_number" }] },
          };
      }
    }

    async function sendEffect(entry: ApiEntry, p: Principal, extraHeaders: Record<string, string> = {}): Promise<number> {
      const request = effectRequest(entry.effect!, (effectRound += 1));
      const handler = (await routeModule(request.folder))[request.method as "POST"]!;
      const { url, params } = segmentValues(request.folder, request.values);
      current = p;
      const headers = { ...headersFor(p), ...extraHeaders, ...(request.body === undefined ? {} : { "content-type": "application/json" }) };
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      const response = await handler(apiRequest(url, { method: request.method, headers, body }), { params: Promise.resolve(params) });
      await response.body?.cancel();
      return response.status;
    }

    const withEffect = Object.entries(API_ROUTES).filter(([, entry]) => entry.effect);

    it.each(withEffect)("%s: a refused caller's valid request changes nothing; the weakest allowed key's does", async (key, entry) => {
      const role = entry.access as Role;
      const before = await fingerprint();
      for (const p of PRINCIPALS) {
        const principalRole = roleOf(p);
        if (principalRole && hasRole(principalRole, role)) continue;
        const status = await sendEffect(entry, p);
        expect({ key, p, status }).toEqual({ key, p, status: principalRole ? 403 : 401 });
        expect(await fingerprint(), `${key} as ${p}`).toBe(before);
      }
      // A console session's write from another site is refused too (CSRF), whatever its role.
      const crossSite = await sendEffect(entry, "session:admin", { origin: "http://evil.example", "sec-fetch-site": "cross-site" });
      expect(crossSite).toBe(403);
      expect(await fingerprint(), `${key} cross-site`).toBe(before);
      // The same request from an allowed caller does write: the check above could have failed.
      const status = await sendEffect(entry, `key:${role}`);
      expect(status, key).toBeGreaterThanOrEqual(200);
      expect(status, key).toBeLessThan(300);
      expect(await fingerprint()).not.toBe(before);
    });
  });

  describe("pages", () => {
    const PAGE_PRINCIPALS = ["anonymous", "session:ended", "session:disabled", ...SESSION_PRINCIPALS] as const;

    function expectedOutcome(key: string, p: (typeof PAGE_PRINCIPALS)[number]): PageOutcome {
      const entry = PAGES[key]!;
      const override = entry.outcomes?.[p];
      if (override) return override;
      if (entry.access === "anyone") return "shown";
      const role = roleOf(p);
      if (!role) return "redirect:/login";
      return hasRole(role, entry.access) ? "shown" : "refused";
    }

    /** The components a rendered page puts in its tree (not rendered further), by name, with their props. */
    function componentNames(node: ReactNode, into = new Map<string, Record<string, unknown>>()): Map<string, Record<string, unknown>> {
      if (Array.isArray(node)) for (const child of node) componentNames(child as ReactNode, into);
      else if (isValidElement(node)) {
        const type = node.type as unknown;
        const props = node.props as Record<string, unknown>;
        if (typeof type === "function") into.set((type as { name: string }).name, props);
        for (const value of Object.values(props)) if (value && typeof value === "object") componentNames(value as ReactNode, into);
      }
      return into;
    }

    /** The controls a caller is given: each granting prop and each role-bound part, true when present. */
    function controlsOf(key: string, names: Map<string, Record<string, unknown>>): Record<string, boolean> {
      const entry = PAGES[key]!;
      const props = names.get(entry.shows) ?? {};
      return {
        ...Object.fromEntries(Object.keys(entry.grants ?? {}).map((prop) => [prop, Boolean(props[prop])])),
        ...Object.fromEntries(Object.keys(entry.parts ?? {}).map((part) => [part, names.has(part)])),
      };
    }

    const lastControls = new Map<string, Record<string, boolean>>();

    async function outcomeOf(key: string, p: Principal): Promise<PageOutcome> {
      const mod = (await import(/* @vite-ignore */ path.join(APP, key, "page.tsx"))) as { default: (props: unknown) => Promise<ReactNode> };
      const values: Record<string, string> = { ...fixture, messageId: "1", sendId: NOTHING.sendId! };
      current = p;
      let tree: ReactNode;
      try {
        tree = await mod.default({ params: Promise.resolve(values), searchParams: Promise.resolve({}) });
      } catch (error) {
        const digest = (error as { digest?: unknown }).digest;
        if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT;")) return `redirect:${digest.split(";")[2]}`;
        throw error;
      }
      const entry = PAGES[key]!;
      const names = componentNames(tree);
      lastControls.set(`${key} ${p}`, controlsOf(key, names));
      if (names.has(entry.shows)) return "shown";
      if (entry.refusal && names.has(entry.refusal)) return "refused";
      throw new Error(`${key} as ${p} rendered neither ${entry.shows} nor a refusal: ${[...names].join(", ")}`);
    }

    it.each(Object.keys(PAGES))("%s shows, refuses or redirects each caller as the table says", async (key) => {
      const seen: Record<string, PageOutcome> = {};
      const wanted: Record<string, PageOutcome> = {};
      for (const p of PAGE_PRINCIPALS) {
        seen[p] = await outcomeOf(key, p);
        wanted[p] = expectedOutcome(key, p);
      }
      expect(seen).toEqual(wanted);
      // Where the page is shown, its controls are each the given role's and above.
      const entry = PAGES[key]!;
      for (const p of SESSION_PRINCIPALS) {
        if (seen[p] !== "shown") continue;
        const role = roleOf(p)!;
        const wantedControls = Object.fromEntries(Object.entries({ ...entry.grants, ...entry.parts }).map(([name, needed]) => [name, hasRole(role, needed)]));
        expect({ p, controls: lastControls.get(`${key} ${p}`) }).toEqual({ p, controls: wantedControls });
      }
    });

    it("the console's frame sends anyone not signed in to the sign-in page", async () => {
      const mod = (await import(/* @vite-ignore */ path.join(APP, "(console)/layout.tsx"))) as { default: (props: unknown) => Promise<ReactNode> };
      for (const p of ["anonymous", "session:ended", "session:disabled"] as const) {
        current = p;
        await expect(mod.default({ children: null })).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT;[a-z]+;\/login;/) });
      }
      current = "session:viewer";
      const shell = componentNames(await mod.default({ children: null })).get("ConsoleShell");
      expect(shell).toMatchObject({ isAdmin: false });
      current = "session:admin";
      expect(componentNames(await mod.default({ children: null })).get("ConsoleShell")).toMatchObject({ isAdmin: true });
    });
  });

  describe("server actions", () => {
    async function receiptCodeActions() {
      return import("@/app/actions/receipt-codes");
    }

    it("receipt-code changes: only an admin's change is made; anyone else's leaves the database as it was", async () => {
      const { classifyReceiptCodeAction, deleteReceiptCodeAction } = await receiptCodeActions();
      const { providerId } = fixture;
      const classify = (code: string) => classifyReceiptCodeAction({ providerId: providerId!, code, outcome: "failed", category: "blacklisted" });
      current = "session:admin";
      expect(await classify("ACLSEED")).toMatchObject({ ok: true });
      const before = await fingerprint();
      for (const p of ["anonymous", "session:ended", "session:disabled", "key:admin", "session:viewer", "session:operator"] as const) {
        current = p;
        for (const call of [() => classify(`ACL-${p}`), () => deleteReceiptCodeAction({ providerId: providerId!, code: "ACLSEED" })]) {
          if (roleOf(p) && p.startsWith("session:")) {
            expect(await call(), p).toMatchObject({ ok: false, error: "forbidden" });
          } else {
            // Not signed in (an API key is no console session): the action redirects to sign in.
            await expect(call(), p).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT;[a-z]+;\/login;/) });
          }
          expect(await fingerprint(), p).toBe(before);
        }
      }
      current = "session:admin";
      expect(await deleteReceiptCodeAction({ providerId: providerId!, code: "ACLSEED" })).toEqual({ ok: true });
      expect(await fingerprint()).not.toBe(before);
    });

    it("first-admin set-up makes no operator once one exists, whoever calls it, and signs nobody in", async () => {
      const { setupFirstAdminAction } = await import("@/app/actions/setup-first-admin");
      const before = await fingerprint();
      for (const p of PRINCIPALS) {
        current = p;
        const result = await setupFirstAdminAction({ email: `setup-${p.replace(":", "-")}@example.com`, password: "correct horse battery", confirmPassword: "correct horse battery" });
        expect(result, p).toMatchObject({ error: expect.any(String) });
        expect(await fingerprint(), p).toBe(before);
      }
      expect(signIn).not.toHaveBeenCalled();
    });

    it("the language switch sets only its cookie, for anyone", async () => {
      const { setLocaleAction } = await import("@/app/actions/set-locale");
      const set = vi.fn();
      vi.mocked(cookies).mockResolvedValue({ set } as unknown as Awaited<ReturnType<typeof cookies>>);
      const before = await fingerprint();
      for (const p of PRINCIPALS) {
        current = p;
        await setLocaleAction("zh-CN");
        await setLocaleAction("xx-NOPE");
      }
      expect(set).toHaveBeenCalledTimes(PRINCIPALS.length);
      expect(await fingerprint()).toBe(before);
    });

    it("sign-in redirects only within the console", async () => {
      const { signInAction } = await import("@/app/actions/sign-in");
      const targets: string[] = [];
      vi.mocked(signIn).mockImplementation((async (_provider: string, options: { redirectTo: string }) => {
        targets.push(options.redirectTo);
      }) as unknown as typeof signIn);
      for (const callbackUrl of ["/messages?status=failed", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example", "/\t/evil.example"]) {
        await signInAction({ email: "viewer@example.com", password: "correct horse battery" }, callbackUrl);
      }
      expect(targets.slice(0, 4)).toEqual(["/messages?status=failed", "/", "/", "/"]);
      // Browsers read a backslash as a slash and drop tabs: these are "//evil.example" to them.
      expect(targets.slice(4)).toEqual(["/", "/"]);
    });

    it("sign-out ends the caller's own session and no other", async () => {
      const { signOutAction } = await import("@/app/actions/sign-out");
      const own = await startOperatorSession(t.db, operatorIds.operator!, { address: "127.0.0.1", userAgent: null }, new Date());
      const options = { idleMs: 60 * 60_000, now: new Date() };
      current = "anonymous";
      await signOutAction();
      sessions["session:own" as Principal] = own;
      current = "session:own" as Principal;
      await signOutAction();
      expect(signOut).toHaveBeenCalledTimes(2);
      expect(await resolveOperatorSession(t.db, own, options)).toBeNull();
      for (const role of ["viewer", "operator", "admin"] as const) {
        expect(await resolveOperatorSession(t.db, sessions[`session:${role}`]!, options), role).not.toBeNull();
      }
    });
  });
});
