import { expect, request, type APIRequestContext } from "@playwright/test";
import { CMPP_SIMULATOR, SANDBOX_APP, signInAsAdmin, test } from "./fixtures";

/**
 * The REST contract of DESIGN.md section 6 for channels, as another system meets it: API keys
 * in HTTP Basic auth, exact paths, fields and status codes.
 */
test.describe.configure({ mode: "serial" });

let adminApi: APIRequestContext;
let viewerApi: APIRequestContext;
let anonymous: APIRequestContext;

function basic(credentials: string) {
  return { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` };
}

test.beforeAll(async ({ browser, baseURL }) => {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  const keys: Record<string, string> = {};
  for (const role of ["admin", "viewer"]) {
    const created = await page.request.post("/api/v1/api-keys", { data: { name: `rest ${role}`, role } });
    expect(created.status()).toBe(201);
    keys[role] = (await created.json()).credentials;
  }
  await page.close();
  adminApi = await request.newContext({ baseURL, extraHTTPHeaders: basic(keys.admin!) });
  viewerApi = await request.newContext({ baseURL, extraHTTPHeaders: basic(keys.viewer!) });
  anonymous = await request.newContext({ baseURL });
});

test.afterAll(async () => {
  await Promise.all([adminApi?.dispose(), viewerApi?.dispose(), anonymous?.dispose()]);
});

const cmppBody = {
  type: "cmpp",
  name: "REST gateway",
  provider: "china_unicom",
  host: "gw.example.net",
  port: 7890,
  account: "900001",
  password: "888888",
  accessNumber: "10690001",
  connections: 2,
};

test("health answers without credentials", async () => {
  const health = await anonymous.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ ok: true, db: "ok" });
});

test("no credentials: 401; a wrong secret: 401; a viewer writing: 403", async () => {
  const none = await anonymous.get("/api/v1/channels");
  expect(none.status()).toBe(401);
  expect((await none.json()).error.code).toBe("unauthorized");
  const wrong = await anonymous.get("/api/v1/channels", { headers: basic("ak_0000000000000000:nope") });
  expect(wrong.status()).toBe(401);
  const viewerWrite = await viewerApi.post("/api/v1/channels", { data: cmppBody });
  expect(viewerWrite.status()).toBe(403);
  expect((await viewerWrite.json()).error).toMatchObject({ code: "forbidden" });
});

test("create, read, patch and delete a CMPP channel", async () => {
  const created = await adminApi.post("/api/v1/channels", { data: cmppBody });
  expect(created.status()).toBe(201);
  const channel = await created.json();
  expect(channel).toMatchObject({
    name: "REST gateway",
    type: "cmpp",
    enabled: true,
    warnings: [{ code: "port_needs_approval" }],
    config: { host: "gw.example.net", port: 7890, account: "900001", accessNumber: "10690001", connections: 2, version: "3.0" },
  });
  expect(JSON.stringify(channel)).not.toContain("888888");
  expect(typeof channel.createdAt).toBe("string");

  const listed = await viewerApi.get("/api/v1/channels");
  expect(listed.status()).toBe(200);
  expect((await listed.json()).items.map((c: { channelKey: string }) => c.channelKey)).toContain(channel.channelKey);

  const patched = await adminApi.patch(`/api/v1/channels/${channel.channelKey}`, { data: { port: 443, enabled: false } });
  expect(patched.status()).toBe(200);
  expect(await patched.json()).toMatchObject({ enabled: false, warnings: [], config: { port: 443, passwordSet: true } });

  const fetched = await viewerApi.get(`/api/v1/channels/${channel.channelKey}`);
  expect((await fetched.json()).config.port).toBe(443);

  const deleted = await adminApi.delete(`/api/v1/channels/${channel.channelKey}`);
  expect(deleted.status()).toBe(204);
  expect((await viewerApi.get(`/api/v1/channels/${channel.channelKey}`)).status()).toBe(404);
});

test("bad input names each field; a duplicate name is 409; an unknown key is 404", async () => {
  const bad = await adminApi.post("/api/v1/channels", {
    data: { ...cmppBody, name: "Bad", host: "not a host", port: 0, connections: 100, accessNumber: "12a" },
  });
  expect(bad.status()).toBe(400);
  const error = (await bad.json()).error;
  expect(error.code).toBe("invalid_input");
  const paths = error.details.map((d: { path: string }) => d.path).sort();
  expect(paths).toEqual(["accessNumber", "connections", "host", "port"]);
  expect(error.details.find((d: { path: string }) => d.path === "port").message).toBe("The port must be a whole number from 1 to 65535.");

  const jsms = { type: "jsms", name: "REST JSMS", ...SANDBOX_APP };
  expect((await adminApi.post("/api/v1/channels", { data: jsms })).status()).toBe(201);
  const duplicate = await adminApi.post("/api/v1/channels", { data: { ...jsms, name: "rest jsms" } });
  expect(duplicate.status()).toBe(409);
  expect((await duplicate.json()).error.code).toBe("channel_name_taken");

  const missingSecret = await adminApi.post("/api/v1/channels", { data: { type: "jsms", name: "No secret", appKey: SANDBOX_APP.appKey } });
  expect(missingSecret.status()).toBe(400);
  expect((await missingSecret.json()).error.details).toEqual([{ path: "masterSecret", message: "Enter the MasterSecret." }]);

  expect((await viewerApi.get("/api/v1/channels/doesnotexist")).status()).toBe(404);
  expect((await adminApi.patch("/api/v1/channels/doesnotexist", { data: { name: "x" } })).status()).toBe(404);
  const notJson = await adminApi.post("/api/v1/channels", { headers: { "content-type": "application/json" }, data: Buffer.from("{oops") });
  expect(notJson.status()).toBe(400);
  expect((await notJson.json()).error.code).toBe("invalid_json");
});

test("test connection answers {ok, latencyMs, detail} for a JSMS channel", async () => {
  const list = (await (await viewerApi.get("/api/v1/channels")).json()).items as { channelKey: string; name: string }[];
  const jsms = list.find((c) => c.name === "REST JSMS")!;
  const result = await adminApi.post(`/api/v1/channels/${jsms.channelKey}/test`);
  expect(result.status()).toBe(200);
  const body = await result.json();
  expect(body.ok).toBe(true);
  expect(typeof body.latencyMs).toBe("number");
  expect(body.detail).toMatch(/balance/i);
  expect((await viewerApi.post(`/api/v1/channels/${jsms.channelKey}/test`)).status()).toBe(403);
});

test("test connection logs in to a CMPP gateway, and names the reason when it cannot", async () => {
  const gateway = { ...cmppBody, host: "127.0.0.1", port: CMPP_SIMULATOR.port, account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password };
  const good = await (await adminApi.post("/api/v1/channels", { data: { ...gateway, name: "Simulator" } })).json();
  const ok = await (await adminApi.post(`/api/v1/channels/${good.channelKey}/test`)).json();
  expect(ok).toMatchObject({ ok: true });
  expect(ok.latencyMs).toBeGreaterThanOrEqual(0);

  const wrong = await (await adminApi.post("/api/v1/channels", { data: { ...gateway, name: "Wrong password", password: "nope" } })).json();
  const refused = await (await adminApi.post(`/api/v1/channels/${wrong.channelKey}/test`)).json();
  expect(refused.ok).toBe(false);
  expect(refused.detail).toMatch(/auth/i);

  // Nothing listens on port 1: the reason says the gateway could not be reached.
  const closed = await (await adminApi.post("/api/v1/channels", { data: { ...gateway, name: "Closed port", port: 1 } })).json();
  const unreachable = await (await adminApi.post(`/api/v1/channels/${closed.channelKey}/test`)).json();
  expect(unreachable.ok).toBe(false);
  expect(unreachable.detail).toMatch(/refused|connect/i);
});

test("users: the UMS upsert, one user, and an import through the API", async () => {
  const channels = (await (await viewerApi.get("/api/v1/channels")).json()).items as { channelKey: string; name: string }[];
  const key = channels.find((c) => c.name === "REST JSMS")!.channelKey;
  const upsert = await adminApi.post("/api/v1/users", {
    data: [
      { userid: "rest-zhangsan", phone: { all: "18756432567", [key]: "+8613800138000" } },
      { userid: "rest-lisi", phone: { nope: "13800138000" } },
    ],
  });
  expect(upsert.status()).toBe(200);
  expect(await upsert.json()).toEqual({ inserted: 1, updated: 0, unchanged: 0, failed: [expect.objectContaining({ index: 1, userid: "rest-lisi", path: "phone.nope" })] });
  expect((await viewerApi.post("/api/v1/users", { data: [] })).status()).toBe(403);
  const user = await viewerApi.get("/api/v1/users/rest-zhangsan");
  expect(await user.json()).toEqual({ userid: "rest-zhangsan", phones: { all: "18756432567", [key]: "13800138000" } });
  expect((await viewerApi.get("/api/v1/users/nobody-here")).status()).toBe(404);

  const queued = await adminApi.post("/api/v1/users/import", {
    multipart: { dryRun: "false", file: { name: "rest.csv", mimeType: "text/csv", buffer: Buffer.from(`userid,phone:${key}\nrest-wangwu,13900139000\nrest-bad,123\n`) } },
  });
  expect(queued.status()).toBe(202);
  const { importId } = await queued.json();
  await expect
    .poll(async () => (await (await viewerApi.get(`/api/v1/imports/${importId}`)).json()).status, { timeout: 15_000 })
    .toBe("done");
  const done = await (await viewerApi.get(`/api/v1/imports/${importId}`)).json();
  expect(done).toMatchObject({ importId, status: "done", totalRows: 2, processedRows: 2, inserted: 1, updated: 0, unchanged: 0, failedRows: 1 });
  const report = await viewerApi.get(`/api/v1/imports/${importId}/errors.xlsx`);
  expect(report.status()).toBe(200);
  expect(report.headers()["content-type"]).toContain("spreadsheetml");
  const wrongType = await adminApi.post("/api/v1/users/import", { multipart: { file: { name: "users.txt", mimeType: "text/plain", buffer: Buffer.from("x") } } });
  expect(wrongType.status()).toBe(400);
  expect((await wrongType.json()).error.code).toBe("unsupported_file_type");
});
