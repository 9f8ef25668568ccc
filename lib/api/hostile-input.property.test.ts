/**
 * Every REST route under app/api, called with an admin API key and fast-check-generated hostile
 * input: JSON bodies of wrong types, huge strings, deep nesting, prototype-pollution keys, unicode,
 * numbers as strings, non-JSON text; query strings with repeated keys, huge values, invalid enums,
 * bad dates and cursors; path segments of any text. Whatever comes in, the answer is a 2xx (the
 * input happened to be valid) or one of the contract's 4xx in the error shape (DESIGN.md section
 * 6), naming the query key that was wrong. Never a 500, never a throw.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { describeEachDb } from "@/lib/db/test-databases";
import { getRuntime } from "@/lib/server/runtime";
import type { ApiRouteHandler } from "./handler";
import { ROUTE_METHODS } from "./other-methods";
import { apiRequest, basicAuth, segments, testRuntime } from "./route-test-kit";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));
// A valid upload would wake the background import runner; its work is not what is tested here.
vi.mock("@/lib/server/lifecycle", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/lifecycle")>()),
  wakeImportRunner: vi.fn(),
}));

const API = path.join(process.cwd(), "app/api");

/** Every route file under app/api, by its folder below it ("v1/users/[userid]"). */
function routeFolders(dir = API): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFolders(full);
    return entry.name === "route.ts" ? [path.relative(API, dir).split(path.sep).join("/")] : [];
  });
}

/**
 * Every route, read from the tree. "fuzz": called here. A string: the test file that feeds that
 * route hostile input instead (it needs a signed body or a session of its own). A route file that is
 * not in this table fails the suite.
 */
const ROUTES: Record<string, "fuzz" | string> = {
  "[[...path]]": "fuzz",
  // Auth.js's own handler: it loads only inside Next.js, so the browser tests sign in through it.
  "auth/[...nextauth]": "e2e/fixtures.ts",
  health: "fuzz",
  "jsms/callback/[channelKey]": "app/api/jsms/callback/[channelKey]/route.property.test.ts",
  metrics: "fuzz",
  ping: "fuzz",
  "v1/api-keys": "fuzz",
  "v1/api-keys/[keyId]": "fuzz",
  "v1/audit-log": "fuzz",
  "v1/channels": "fuzz",
  "v1/channels/[channelKey]": "fuzz",
  "v1/channels/[channelKey]/live": "fuzz",
  "v1/channels/[channelKey]/replies": "fuzz",
  "v1/channels/[channelKey]/reviews": "fuzz",
  "v1/channels/[channelKey]/test": "fuzz",
  "v1/imports": "fuzz",
  "v1/imports/[importId]": "fuzz",
  "v1/imports/[importId]/cancel": "fuzz",
  "v1/imports/[importId]/errors.xlsx": "fuzz",
  "v1/messages": "fuzz",
  "v1/messages/[messageId]": "fuzz",
  "v1/messages/audience-file": "fuzz",
  "v1/messages/export": "fuzz",
  "v1/messages/preview": "fuzz",
  "v1/messages/resend": "fuzz",
  "v1/operators": "fuzz",
  "v1/operators/[operatorId]": "fuzz",
  "v1/providers": "fuzz",
  "v1/providers/[providerId]/codes": "fuzz",
  "v1/providers/[providerId]/codes.csv": "fuzz",
  "v1/providers/[providerId]/codes.xlsx": "fuzz",
  "v1/providers/[providerId]/codes/import": "fuzz",
  "v1/sends": "fuzz",
  "v1/sends/[sendId]": "fuzz",
  "v1/sends/[sendId]/cancel": "fuzz",
  "v1/sends/[sendId]/pause": "fuzz",
  "v1/sends/[sendId]/resend": "fuzz",
  "v1/sends/[sendId]/resume": "fuzz",
  "v1/stats/loss": "fuzz",
  "v1/stats/overview": "fuzz",
  "v1/stats/series": "fuzz",
  "v1/users": "fuzz",
  "v1/users/[userid]": "fuzz",
  "v1/users/import": "fuzz",
  "v1/users/template.xlsx": "fuzz",
};

/** The statuses the contract allows for input a caller got wrong, and for input that was fine. */
const CLIENT_ERRORS = new Set([400, 404, 409, 413, 415, 422]);
const SUCCESSES = new Set([200, 201, 202, 204]);

/** Field names the API's bodies use, so generated objects reach past "unknown field" into the checks of each. */
const FIELDS = [
  "type", "name", "provider", "host", "port", "account", "password", "accessNumber", "connections", "channelKey", "version",
  "idempotencyKey", "audience", "userids", "userid", "phones", "phone", "all", "text", "templateId", "signId", "sendId", "params",
  "content", "code", "category", "at", "from", "to", "view", "role", "enabled", "disabled", "tps", "windowSize", "mode", "rows",
  "description", "defaultSignature", "resubmitUncertain", "reportDeadlineSeconds", "appKey", "masterSecret", "messageIds", "ids",
  "status", "scheduledAt", "file", "dryRun", "unlock", "recipients", "state", "email", "displayName",
];
const POLLUTION_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];

/** A JSON value as a tree, written out by hand so "__proto__" and duplicate keys reach the parser as written. */
type Json = { scalar: string } | { array: Json[] } | { object: [string, Json][] };

function writeJson(value: Json): string {
  if ("scalar" in value) return value.scalar;
  if ("array" in value) return `[${value.array.map(writeJson).join(",")}]`;
  return `{${value.object.map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`).join(",")}}`;
}

const scalar: fc.Arbitrary<Json> = fc
  .oneof(
    fc.constantFrom<unknown>(
      null, true, false, 0, -0, -1, 1.5, -0.000001, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 31), 4294967296,
      "", " ", "\u0000", "\ud800", "\u202e", "NaN", "Infinity", "-1", "0", "1e999", "0x10", "true", "null", "[]", "{}",
      ...POLLUTION_KEYS, "13800138000", "+8613800138000", "2024-02-30T00:00:00Z", "0000-01-01T00:00:00.000Z", "all", "cmpp", "jsms",
      "admin", "viewer", "../../etc/passwd", "<script>alert(1)</script>", "'; DROP TABLE users; --", "🙂".repeat(100),
    ),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 1000, max: 300_000 }).map((n) => "x".repeat(n)),
  )
  .map((v) => ({ scalar: JSON.stringify(v) }));

const key = fc.oneof(fc.constantFrom(...FIELDS, ...POLLUTION_KEYS), fc.string({ maxLength: 12 }));

const { value: jsonValue } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }).map((array) => ({ array })),
    fc.array(fc.tuple(key, tie("value")), { maxLength: 6 }).map((object) => ({ object })),
  ),
}));

/** Bodies that are valid for some route, to be mutated one field at a time. */
const SEEDS: Record<string, Json>[] = [
  { type: "cmpp", name: "Hostile", provider: "china_unicom", host: "10.1.2.3", port: 443, account: "901234", password: "s3cret!", accessNumber: "1065712345", connections: 2 },
  { userid: "u-1", phones: { all: "13800138000" } },
  { name: "key", role: "viewer" },
  { channelKey: "nosuchkey2", text: "hello", audience: { userids: ["u-1"] } },
].map((seed) => Object.fromEntries(Object.entries(seed).map(([k, v]) => [k, { scalar: JSON.stringify(v) }])));

const mutatedSeed = fc
  .tuple(fc.constantFrom(...SEEDS), fc.oneof(fc.constantFrom(...FIELDS, ...POLLUTION_KEYS), key), jsonValue)
  .map(([seed, field, value]) => ({ object: Object.entries({ ...seed }).concat([[field, value]]) }) as Json);

const body: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: jsonValue.map(writeJson), weight: 4 },
  { arbitrary: mutatedSeed.map(writeJson), weight: 4 },
  // Nesting far deeper than any body has: the parser and anything that walks the value must cope.
  { arbitrary: fc.integer({ min: 1000, max: 200_000 }).chain((n) => fc.constantFrom(`${"[".repeat(n)}${"]".repeat(n)}`, `${'{"a":'.repeat(n)}1${"}".repeat(n)}`)), weight: 1 },
  { arbitrary: fc.constantFrom("", "   ", "NaN", '{"a":NaN}', "{'a':1}", "{", "[1,]", '{"a":1}{', "\ufeff{}", "\u0000", "undefined", '"\\ud800"'), weight: 1 },
  // Past the 1 MiB cap: 413, read no further than the cap.
  { arbitrary: fc.constant(`{"name":"${"y".repeat(1_100_000)}"}`), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 1 },
);

const contentType = fc.constantFrom<string | undefined>(
  "application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz", "multipart/form-data", "application/octet-stream", "application/json; charset=latin1", undefined,
);

/** Multipart uploads with any file name, field name, part type and content, some well formed, some not. */
const multipart: fc.Arbitrary<[string, string]> = fc
  .record({
    boundary: fc.constantFrom("b0undary", "x", "----WebKitFormBoundary7MA4YWxkTrZu0gW"),
    announced: fc.constantFrom("same", "other", "none"),
    field: fc.constantFrom("file", "file", "upload", "", "__proto__"),
    fileName: fc.oneof(fc.constantFrom("users.csv", "users.xlsx", "codes.csv", "../../etc/passwd.csv", "a\u0000.csv", ".csv", "x.exe", "用户.csv", ""), fc.string({ maxLength: 30 })),
    partType: fc.constantFrom("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "image/png", "application/octet-stream"),
    content: fc.oneof(
      fc.constantFrom("userid,phone\r\nu1,13800138000\r\n", "", "\u0000\u0001PK\u0003\u0004", "code,category\r\nDELIVRD,delivered\r\n", "userid\r\n"),
      fc.string({ unit: "binary", maxLength: 300 }),
    ),
    extraFields: fc.array(fc.tuple(fc.constantFrom("dryRun", "mode", "channelKey", "x"), fc.string({ maxLength: 10 })), { maxLength: 3 }),
    closed: fc.boolean(),
  })
  .map(({ boundary, announced, field, fileName, partType, content, extraFields, closed }) => {
    const parts = extraFields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${partType}\r\n\r\n${content}\r\n`);
    const text = parts.join("") + (closed ? `--${boundary}--\r\n` : "");
    const type = announced === "same" ? `multipart/form-data; boundary=${boundary}` : announced === "other" ? "multipart/form-data; boundary=elsewhere" : "multipart/form-data";
    return [text, type] as [string, string];
  });

/** Query values a caller could get wrong: huge, unknown enums, impossible dates, cursors from nowhere. */
const queryValue = fc.oneof(
  fc.constantFrom(
    "", "0", "-1", "1.5", "1e3", "abc", "201", "999999999999999999999", "NaN", "true", "csv", "xlsx", "pdf", "delivered", "DELIVERED",
    "delivered,nonsense", "2024-02-30T00:00:00Z", "2024-13-01", "+099999-01-01T00:00:00.000Z", "yesterday", "Asia/Shanghai", "Mars/Olympus",
    "\u0000", "%", "%zz", "ak_0000000000000000", "0f8fad5b-d9cb-469f-a165-70867728950e", "not-a-uuid", "eyJhIjoxfQ", "13800138000",
    ...POLLUTION_KEYS,
  ),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => "9".repeat(n)),
);

/** A raw query string: keys the route reads and any others, repeated at will. */
function queryString(reads: string[]): fc.Arbitrary<{ text: string; keys: string[] }> {
  const queryKey = fc.oneof(...(reads.length ? [fc.constantFrom(...reads)] : []), fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 8 }));
  return fc.array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 6 }).map((pairs) => ({
    // Mostly encoded as a client would; sometimes raw, '%' and '&' and all.
    text: pairs.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&"),
    keys: pairs.map(([k]) => k),
  }));
}

const HANDLED = [...ROUTE_METHODS] as const;

/** Routes whose handlers are not built with apiRoute (no meta), and the methods they take. */
const PLAIN: Record<string, string[]> = {
  "[[...path]]": [...ROUTE_METHODS],
  health: ["GET"],
  ping: ["GET"],
  metrics: ["GET"],
};
type RouteModule = Partial<Record<(typeof HANDLED)[number], (req: Request, ctx?: unknown) => Promise<Response> | Response>>;

const folders = routeFolders();
const modules = new Map<string, RouteModule>();
for (const folder of folders) if (ROUTES[folder] === "fuzz") modules.set(folder, (await import(path.join(API, folder, "route.ts"))) as RouteModule);

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string };
}

/** How often each status was answered, printed at the end: the inputs reach past the first check. */
const statuses = new Map<number, number>();

/** The answer must be a success or a contract 4xx in the error shape; returns the error body, if any. */
async function checkAnswer(response: Response, what: string): Promise<ErrorBody["error"] | null> {
  expect(response, what).toBeInstanceOf(Response);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  if (SUCCESSES.has(response.status)) {
    await response.body?.cancel();
    return null;
  }
  expect(CLIENT_ERRORS.has(response.status), `${what} answered ${response.status}`).toBe(true);
  expect(response.headers.get("content-type"), what).toMatch(/^application\/json/);
  const parsed = (await response.json()) as ErrorBody;
  expect(parsed.error, what).toMatchObject({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), details: expect.any(Array) });
  expect(parsed.error.message.length, what).toBeGreaterThan(0);
  for (const detail of parsed.error.details) expect(detail, what).toEqual({ path: expect.any(String), message: expect.any(String) });
  return parsed.error;
}

it("finds every route file under app/api, and every one is in the table", () => {
  expect(folders.length).toBeGreaterThan(40);
  expect(folders.filter((folder) => !(folder in ROUTES)), "route files this test does not cover").toEqual([]);
  expect(Object.keys(ROUTES).filter((folder) => !folders.includes(folder)), "table entries without a route file").toEqual([]);
  for (const [folder, coverage] of Object.entries(ROUTES)) {
    if (coverage !== "fuzz") expect(fs.existsSync(path.join(process.cwd(), coverage)), `${folder} is covered by ${coverage}`).toBe(true);
  }
});

/** Counts of generated inputs per kind, printed at the end (they go into docs/RELIABILITY.md). */
const runs = { body: 0, query: 0, params: 0 };

describeEachDb("REST routes under hostile input", (t) => {
  let admin: Record<string, string>;
  /** Well-formed segments: some naming real rows (so bodies reach the checks behind the lookup), some naming nothing. */
  const known: Record<string, string[]> = {
    keyId: ["ak_0000000000000000"],
    channelKey: ["nosuchkey2"],
    importId: ["0f8fad5b-d9cb-469f-a165-70867728950e"],
    messageId: ["999999999"],
    providerId: ["p_ffffffffff", "china_unicom", "other"],
    operatorId: ["0f8fad5b-d9cb-469f-a165-70867728950e"],
    sendId: ["0f8fad5b-d9cb-469f-a165-70867728950e"],
    userid: ["nobody", "hostile-user"],
    path: ["v1/userz"],
  };

  beforeAll(async () => {
    // Counted per database.
    Object.assign(runs, { body: 0, query: 0, params: 0 });
    statuses.clear();
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    const system = SYSTEM_ACTOR("test");
    admin = basicAuth((await createApiKey(t.db, system, { name: "hostile test", role: "admin" })).credentials);
    // A second key the fuzzer may revoke or rename; its own key it never names, so it keeps its access.
    known.keyId!.push((await createApiKey(t.db, system, { name: "victim", role: "viewer" })).key.keyId);
    await upsertUmsUsers(t.db, system, [{ userid: "hostile-user", phone: { all: "13800138000" } }]);
    const channels = (await import(path.join(API, "v1/channels/route.ts"))) as RouteModule;
    const created = await channels.POST!(
      apiRequest("/api/v1/channels", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: writeJson({ object: Object.entries(SEEDS[0]!) }) }),
      segments(),
    );
    expect(created.status).toBe(201);
    known.channelKey!.push(((await created.json()) as { channelKey: string }).channelKey);
  }, 120_000);

  const segmentValue = (name: string) =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...(known[name] ?? ["x"])), weight: 3 },
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.constantFrom("", ".", "..", "%00", "\u0000", "a/b", " nobody ", "-1", "0", "1e3", "99999999999999999999999", "__proto__", "x".repeat(10_000)),
    );

  const call = (handler: NonNullable<RouteModule["GET"]>, method: string, url: string, params: Record<string, string>, init: { body?: string; contentType?: string } = {}) => {
    const headers: Record<string, string> = { ...admin };
    if (init.contentType) headers["content-type"] = init.contentType;
    return handler(apiRequest(url, { method, headers, ...(init.body !== undefined && method !== "GET" ? { body: init.body } : {}) }), segments(params));
  };

  for (const folder of folders.filter((f) => ROUTES[f] === "fuzz")) {
    const routeModule = () => modules.get(folder)!;
    const names = [...folder.matchAll(/\[(?:\[?\.\.\.)?([^\]]+)\]\]?/g)].map((m) => m[1]!);
    const urlOf = (params: Record<string, string>) =>
      "/api/" + folder.replace(/\[\[?(?:\.\.\.)?([^\]]+)\]\]?/g, (_, name: string) => encodeURIComponent(params[name] ?? name));
    /** Next.js hands catch-all segments over as arrays. */
    const routeParams = (params: Record<string, string>): Record<string, string> =>
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, folder.includes(`...${k}`) ? (v.split("/") as unknown as string) : v]));
    const paramsArb = fc.record(Object.fromEntries(names.map((name) => [name, segmentValue(name)])) as Record<string, fc.Arbitrary<string>>);

    describe(folder, () => {
      for (const method of HANDLED) {
        it(`${method}: answers hostile bodies, queries and path segments with a 2xx or a contract 4xx, never a 500`, async () => {
          const handler = routeModule()[method];
          const meta = (handler as Partial<ApiRouteHandler> | undefined)?.meta;
          // Methods a route does not take answer 405 whatever comes in (lib/api/routes.test.ts checks that).
          if (!handler || !(meta || PLAIN[folder]?.includes(method))) return;
          const reads = meta?.query instanceof z.ZodObject ? Object.keys(meta.query.shape) : [];
          const fixed = Object.fromEntries(names.map((name) => [name, (known[name] ?? ["x"])[0]!]));
          const takesBody = method !== "GET" && method !== "DELETE";

          if (takesBody || method === "DELETE") {
            await fc.assert(
              fc.asyncProperty(fc.oneof({ arbitrary: fc.tuple(body, contentType), weight: 3 }, multipart), paramsArb, async ([text, type], params) => {
                runs.body++;
                const p = { ...fixed, ...params };
                const what = `${method} ${folder} ${JSON.stringify(p).slice(0, 80)} ${type} ${text.slice(0, 120)}`;
                await checkAnswer(await call(handler, method, urlOf(p), routeParams(p), { body: text, contentType: type }), what);
              }),
              { numRuns: takesBody ? 20 : 8 },
            );
          }

          await fc.assert(
            fc.asyncProperty(queryString(reads), paramsArb, async (query, params) => {
              runs.query++;
              const p = { ...fixed, ...params };
              const what = `${method} ${folder}?${query.text.slice(0, 200)}`;
              const error = await checkAnswer(
                await call(handler, method, `${urlOf(p)}?${query.text}`, routeParams(p), takesBody ? { body: "{}", contentType: "application/json" } : {}),
                what,
              );
              // A refused query names the key that was wrong, and it is one the request sent.
              if (error?.code === "invalid_query") {
                const sent = new URLSearchParams(query.text);
                expect(error.details.length, what).toBeGreaterThan(0);
                for (const detail of error.details) {
                  const root = detail.path.split(".")[0]!;
                  expect(detail.path === "(query)" || sent.has(root) || reads.includes(root), `${what}: ${detail.path}`).toBe(true);
                }
              }
            }),
            { numRuns: method === "GET" ? 20 : 6 },
          );

          if (names.length > 0) {
            await fc.assert(
              fc.asyncProperty(paramsArb, async (params) => {
                runs.params++;
                const what = `${method} ${folder} ${JSON.stringify(params).slice(0, 200)}`;
                const error = await checkAnswer(await call(handler, method, urlOf(params), routeParams(params), takesBody ? { body: "{}", contentType: "application/json" } : {}), what);
                // A segment that cannot name anything is a 404 naming that segment.
                if (error?.code === "not_found" && error.details.length > 0) {
                  for (const detail of error.details) expect(names, what).toContain(detail.path);
                }
              }),
              { numRuns: 12 },
            );
          }
        }, 120_000);
      }
    });
  }

  it("keeps the admin key working after every hostile call", async () => {
    const channels = modules.get("v1/channels")!;
    const response = await call(channels.GET!, "GET", "/api/v1/channels", {});
    expect(response.status).toBe(200);
    console.log(`hostile REST inputs [${t.kind}]: ${runs.body} bodies, ${runs.query} query strings, ${runs.params} path-segment sets; answers ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  });
});
