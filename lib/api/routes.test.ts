import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { createImport } from "@/lib/contacts/import-service";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { describeEachDb } from "@/lib/db/test-databases";
import { getRuntime } from "@/lib/server/runtime";
import type { ApiRouteHandler } from "./handler";
import { ROUTE_METHODS } from "./other-methods";
import { apiRequest, basicAuth, segments, testRuntime } from "./route-test-kit";

// Route handlers take their database from the process runtime; here it is the test database, and
// requests carry a real admin API key, checked by the real code.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

const V1 = path.join(process.cwd(), "app/api/v1");

/** Every route file under app/api/v1, by its folder below v1 ("users/[userid]"). */
function routeFolders(dir = V1): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFolders(full);
    return entry.name === "route.ts" ? [path.relative(V1, dir).split(path.sep).join("/")] : [];
  });
}

interface RouteEntry {
  /** The query keys its GET reads: bad values for these answer 400 invalid_query. */
  reads?: string[];
  /** Of the bad inputs below, those that are good ones here. */
  accepts?: string[];
  /** Well-formed segments naming nothing, so a request gets past the path checks. */
  params?: Record<string, string>;
}

/** Every route, with what the bad inputs below should meet. A route file missing here fails the suite. */
const ROUTES: Record<string, RouteEntry> = {
  "api-keys": {},
  "api-keys/[keyId]": { params: { keyId: "ak_0000000000000000" } },
  "audit-log": { reads: ["actor", "action", "from", "to", "cursor", "limit"] },
  channels: {},
  "channels/[channelKey]": { params: { channelKey: "nosuchkey2" } },
  "channels/[channelKey]/live": { params: { channelKey: "nosuchkey2" } },
  "channels/[channelKey]/replies": { reads: ["cursor", "limit"], params: { channelKey: "nosuchkey2" } },
  "channels/[channelKey]/reviews": { params: { channelKey: "nosuchkey2" } },
  "channels/[channelKey]/test": { params: { channelKey: "nosuchkey2" } },
  imports: { reads: ["cursor", "limit"] },
  "imports/[importId]": { params: { importId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "imports/[importId]/cancel": { params: { importId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "imports/[importId]/errors.xlsx": { params: { importId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  messages: { reads: ["sendId", "status", "phone", "userid", "channelKey", "provider", "category", "code", "from", "to", "cursor", "limit"] },
  "messages/[messageId]": { params: { messageId: "999999999" } },
  "messages/audience-file": {},
  "messages/export": { reads: ["format", "sendId", "status", "phone", "userid", "channelKey", "provider", "category", "code", "from", "to"] },
  "messages/preview": {},
  "messages/resend": {},
  operators: {},
  providers: {},
  "providers/[providerId]/codes": { reads: ["q", "category"], params: { providerId: "p_ffffffffff" } },
  "providers/[providerId]/codes.csv": { params: { providerId: "p_ffffffffff" } },
  "providers/[providerId]/codes.xlsx": { params: { providerId: "p_ffffffffff" } },
  "providers/[providerId]/codes/import": { params: { providerId: "p_ffffffffff" } },
  "operators/[operatorId]": { params: { operatorId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  sends: { reads: ["cursor", "limit"] },
  "sends/[sendId]": { params: { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "sends/[sendId]/cancel": { params: { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "sends/[sendId]/pause": { params: { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "sends/[sendId]/resend": { params: { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "sends/[sendId]/resume": { params: { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" } },
  "stats/loss": { reads: ["channelKey", "provider", "sendId", "from", "to"] },
  "stats/overview": { reads: ["from", "to"] },
  "stats/series": { reads: ["channelKey", "from", "to", "timeZone"] },
  // The cursor is the last userid of a page, and a userid may well be 23 digits.
  users: { reads: ["q", "cursor", "limit"], accepts: ["cursor=99999999999999999999999"] },
  "users/[userid]": { params: { userid: "nobody" } },
  "users/import": {},
  "users/template.xlsx": {},
};

const BAD_QUERIES: [key: string, query: string][] = [
  ["limit", "limit=1.5"],
  ["limit", "limit=-1"],
  ["limit", "limit=abc"],
  ["limit", "limit=10&limit=20"],
  ["cursor", "cursor=99999999999999999999999"],
  ["cursor", "cursor=%00"],
  ["q", "q=%00"],
];

/** Segments as Next.js hands them over: "/users/a%00" arrives as "a\u0000". */
const BAD_SEGMENTS = ["a\u0000", "a".repeat(10_000)];

const HANDLED_METHODS = [...ROUTE_METHODS, "OPTIONS"] as const;

type RouteModule = Partial<Record<(typeof HANDLED_METHODS)[number], ApiRouteHandler>>;

function dynamicSegments(folder: string): string[] {
  return [...folder.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
}

function routePath(folder: string, params: Record<string, string>): string {
  return "/api/v1/" + folder.replace(/\[([^\]]+)\]/g, (_, name: string) => encodeURIComponent(params[name] ?? name));
}

async function errorOf(response: Response): Promise<{ code: string; message: string; details: { path: string; message: string }[]; requestId: string }> {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string } };
  expect(body).toEqual({
    error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), details: expect.any(Array), requestId: expect.any(String) },
  });
  return body.error;
}

const folders = routeFolders();
const modules = new Map<string, RouteModule>();
for (const folder of folders) modules.set(folder, (await import(path.join(V1, folder, "route.ts"))) as RouteModule);

it("finds the route files, and every one has an entry in the table", () => {
  expect(folders.length).toBeGreaterThan(10);
  expect(folders.filter((folder) => !(folder in ROUTES))).toEqual([]);
});

describeEachDb("REST routes refuse bad input", (t) => {
  let admin: Record<string, string>;

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    admin = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "routes test", role: "admin" })).credentials);
  });

  const send = (handler: ApiRouteHandler, method: string, url: string, params: Record<string, string> = {}) =>
    handler(
      apiRequest(url, {
        method,
        headers: { ...admin, ...(method === "GET" ? {} : { "content-type": "application/json" }) },
        ...(method === "GET" ? {} : { body: "{}" }),
      }),
      segments(params),
    );

  for (const folder of folders) {
    const entry = ROUTES[folder] ?? {};
    const names = dynamicSegments(folder);

    it(`${folder}: every handler declares its schemas`, () => {
      const routeModule = modules.get(folder)!;
      const handlers = ROUTE_METHODS.flatMap((method) => (routeModule[method]?.meta ? [[method, routeModule[method]!.meta] as const] : []));
      expect(handlers.length).toBeGreaterThan(0);
      for (const [method, meta] of handlers) {
        if (method === "GET") expect(meta.query, `${folder} GET reads its query through a schema`).toBeDefined();
        if (names.length > 0) {
          expect(meta.params, `${folder} ${method} parses its path segments`).toBeInstanceOf(z.ZodObject);
          expect(Object.keys((meta.params as z.ZodObject).shape).sort()).toEqual([...names].sort());
        }
      }
    });

    it(`${folder}: answers methods it does not take with 405 and the methods it does`, async () => {
      const routeModule = modules.get(folder)!;
      const taken = ROUTE_METHODS.filter((method) => routeModule[method]?.meta);
      const expectedAllow = [...taken, ...(taken.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
      for (const method of ROUTE_METHODS.filter((m) => !taken.includes(m))) {
        const handler = routeModule[method];
        expect(handler, `${folder} exports ${method}`).toBeTypeOf("function");
        const response = await handler!(apiRequest(routePath(folder, entry.params ?? {}), { method }));
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toBe(expectedAllow);
        expect((await errorOf(response)).code).toBe("method_not_allowed");
      }
      const options = await routeModule.OPTIONS!(apiRequest(routePath(folder, entry.params ?? {}), { method: "OPTIONS" }));
      expect(options.status).toBe(204);
      expect(options.headers.get("allow")).toBe(expectedAllow);
    });

    const get = modules.get(folder)!.GET;
    if (get?.meta) {
      it(`${folder}: answers bad query values with 400 (the keys it reads) and never with a 500`, async () => {
        for (const [key, query] of BAD_QUERIES) {
          const response = await send(get, "GET", `${routePath(folder, entry.params ?? {})}?${query}`, entry.params);
          expect(response.status, `${folder}?${query}`).not.toBe(500);
          if (entry.accepts?.includes(query)) {
            expect(response.status, `${folder}?${query}`).toBe(200);
          } else if (entry.reads?.includes(key)) {
            expect(response.status, `${folder}?${query}`).toBe(400);
            const error = await errorOf(response);
            expect(error.code).toBe("invalid_query");
            expect(error.details.map((d) => d.path)).toContain(key);
          } else if (response.status >= 400) {
            await errorOf(response);
          }
        }
      });

      if (entry.reads?.length) {
        it(`${folder}: answers a NUL in any query value it reads with 400`, async () => {
          for (const key of entry.reads!) {
            const response = await send(get, "GET", `${routePath(folder, entry.params ?? {})}?${key}=a%00`, entry.params);
            expect(response.status, `${folder}?${key}=a%00`).toBe(400);
            expect((await errorOf(response)).code).toBe("invalid_query");
          }
        });
      }
    }

    if (names.length > 0) {
      it(`${folder}: answers path segments that cannot name anything with 404, for every method`, async () => {
        const routeModule = modules.get(folder)!;
        const methods = ROUTE_METHODS.filter((method) => routeModule[method]?.meta);
        for (const method of methods) {
          for (const name of names) {
            for (const bad of BAD_SEGMENTS) {
              const params = { ...entry.params, [name]: bad };
              const response = await send(routeModule[method]!, method, routePath(folder, params), params);
              expect(response.status, `${method} ${folder} with ${name}=${JSON.stringify(bad.slice(0, 8))}…`).toBe(404);
              const error = await errorOf(response);
              expect(error.code).toBe("not_found");
              expect(error.details.map((d) => d.path)).toEqual([name]);
            }
          }
        }
      });
    }
  }

  it("keeps a good query working: users by page, by cursor and by prefix", async () => {
    const system = SYSTEM_ACTOR("test");
    await upsertUmsUsers(t.db, system, [
      { userid: "page-a", phone: { all: "13800000001" } },
      { userid: "page-b", phone: { all: "13800000002" } },
      { userid: "page-c", phone: { all: "13800000003" } },
    ]);
    const users = modules.get("users")!.GET!;
    const first = await send(users, "GET", "/api/v1/users?q=page-&limit=2");
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { items: { userid: string }[]; nextCursor: string };
    expect(page1.items.map((u) => u.userid)).toEqual(["page-a", "page-b"]);
    const second = await send(users, "GET", `/api/v1/users?q=page-&limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`);
    expect(((await second.json()) as { items: { userid: string }[] }).items.map((u) => u.userid)).toEqual(["page-c"]);
    // Blank values are absent ones: the console's search box sends ?q= when empty.
    const blank = await send(users, "GET", "/api/v1/users?q=&cursor=&limit=");
    expect(blank.status).toBe(200);
    expect((await send(users, "GET", "/api/v1/users?limit=200")).status).toBe(200);
    const tooMany = await send(users, "GET", "/api/v1/users?limit=201");
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).details).toEqual([{ path: "limit", message: "The limit must be a whole number from 1 to 200." }]);
    const longText = await send(users, "GET", `/api/v1/users?q=${"x".repeat(65)}`);
    expect((await errorOf(longText)).details.map((d) => d.path)).toEqual(["q"]);
  });

  it("keeps a good query working: one user by a userid that holds % and spaces around it", async () => {
    await upsertUmsUsers(t.db, SYSTEM_ACTOR("test"), [{ userid: "50%41", phone: { all: "13800000009" } }]);
    const user = modules.get("users/[userid]")!.GET!;
    // Next.js decodes a segment once: "/users/50%2541" arrives as "50%41", which is the userid.
    const response = await send(user, "GET", "/api/v1/users/50%2541", { userid: "50%41" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userid: "50%41", phones: { all: "13800000009" } });
    expect((await send(user, "GET", "/api/v1/users/%2050%2541%20", { userid: " 50%41 " })).status).toBe(200);
  });

  it("keeps a good query working: the import history by the cursor it gave", async () => {
    const system = SYSTEM_ACTOR("test");
    for (const name of ["one.csv", "two.csv"]) {
      await createImport(t.db, system, { importId: crypto.randomUUID(), fileName: name, fileKind: "csv", filePath: `/nonexistent/${name}`, fileSize: 1, dryRun: true });
    }
    const imports = modules.get("imports")!.GET!;
    const first = (await (await send(imports, "GET", "/api/v1/imports?limit=1")).json()) as { items: { fileName: string }[]; nextCursor: string };
    expect(first.items.map((i) => i.fileName)).toEqual(["two.csv"]);
    const second = await send(imports, "GET", `/api/v1/imports?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(((await second.json()) as { items: { fileName: string }[] }).items.map((i) => i.fileName)).toEqual(["one.csv"]);
    for (const cursor of ["0000-01-01T00:00:00.000Z", "2024-02-30T00:00:00.000Z", "+099999-01-01T00:00:00.000Z"]) {
      const response = await send(imports, "GET", `/api/v1/imports?cursor=${encodeURIComponent(cursor)}`);
      expect(response.status, cursor).toBe(400);
    }
  });

  it("refuses an API key id no key could have as a wrong key (401), without looking it up", async () => {
    const channels = modules.get("channels")!.GET!;
    const response = await channels(apiRequest("/api/v1/channels", { headers: basicAuth("ak_\u0000:secret") }), segments());
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("unauthorized");
  });
});

describe("unknown /api addresses", () => {
  it("answer 404 not_found in the error shape, for every method", async () => {
    const routeModule = (await import(path.join(process.cwd(), "app/api/[[...path]]/route.ts"))) as RouteModule;
    for (const method of HANDLED_METHODS) {
      const handler = routeModule[method];
      expect(handler, method).toBeTypeOf("function");
      const response = await handler!(apiRequest("/api/v1/userz", { method }));
      expect(response.status).toBe(404);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: "not_found", message: "There is no API call at /api/v1/userz." });
    }
  });
});
