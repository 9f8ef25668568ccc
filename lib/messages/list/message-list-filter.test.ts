import { describe, expect, it } from "vitest";
import {
  filterToSearchParams,
  messageExportQuerySchema,
  messageListFilterSchema,
  messageListQuerySchema,
  phoneMatch,
  searchParamsObject,
} from "./message-list-filter";

const parse = (query: string) => messageListQuerySchema.safeParse(searchParamsObject(new URLSearchParams(query)));
const problems = (query: string) => {
  const result = parse(query);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("the message list's filters", () => {
  it("reads every filter from the query string, normalised", () => {
    const result = parse(
      "status=failed,expired&channelKey=abc123&provider=china_mobile&sendId=0F8FAD5B-D9CB-469F-A165-70867728950E&userid=%20alice%20" +
        "&phone=%2B86%20138-0013-8000&category=handset_off&code=MK:0001&from=2026-03-01T08:00:00%2B08:00&to=2026-03-02T00:00:00Z&cursor=42&limit=200",
    );
    expect(result.success && result.data).toEqual({
      status: ["failed", "expired"],
      channelKey: "abc123",
      provider: "china_mobile",
      sendId: "0F8FAD5B-D9CB-469F-A165-70867728950E",
      userid: "alice",
      phone: "13800138000",
      category: "handset_off",
      code: "MK:0001",
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-03-02T00:00:00.000Z",
      cursor: "42",
      limit: 200,
    });
  });

  it("takes blank values as absent, gives a default limit, and ignores unknown keys", () => {
    expect(parse("status=&phone=&_=123").data).toEqual({ limit: 50 });
  });

  it("keeps the REST list's old answers: one state, an exact phone, up to 500 a page", () => {
    expect(parse("status=queued&phone=13800000002&limit=500").data).toMatchObject({ status: ["queued"], phone: "13800000002", limit: 500 });
    expect(problems("limit=501")).toEqual(["limit: errors.message_limit_range"]);
    expect(problems("status=sent")).toEqual(["status: messageList.errors.status_invalid"]);
    expect(problems("status=failed,sent")).toEqual(["status: messageList.errors.status_invalid"]);
    expect(problems("phone=12345")).toEqual(["phone: messageList.errors.phone_invalid"]);
    expect(problems("sendId=42")).toEqual(["sendId: errors.id_invalid"]);
  });

  it("matches a phone exactly, or by a prefix ending in *", () => {
    expect(parse("phone=138%20001*").data?.phone).toBe("138001*");
    expect(parse("phone=%2B44*").data?.phone).toBe("+44*");
    expect(phoneMatch("138001*")).toEqual({ kind: "prefix", value: "138001" });
    expect(phoneMatch("13800138000")).toEqual({ kind: "exact", value: "13800138000" });
    for (const bad of ["*", "13a*", "%2B*", "1234567890123456*"]) expect(problems(`phone=${bad}`), bad).toEqual(["phone: messageList.errors.phone_invalid"]);
  });

  it("refuses what could name nothing, each with its own message", () => {
    expect(problems("category=lost")).toEqual(["category: messageList.errors.category_invalid"]);
    expect(problems("code=a%20b")).toEqual(["code: messageList.errors.code_invalid"]);
    expect(problems(`code=${"x".repeat(65)}`)).toEqual(["code: messageList.errors.code_invalid"]);
    expect(problems("provider=a%00")).toEqual(["provider: messageList.errors.provider_invalid"]);
    expect(problems("channelKey=a/b")).toEqual(["channelKey: errors.channel_key_invalid"]);
    expect(problems("from=yesterday")).toEqual(["from: messageList.errors.time_invalid"]);
    expect(problems("from=2026-03-01T08:00:00")).toEqual(["from: messageList.errors.time_invalid"]);
    expect(problems("to=0000-01-01T00:00:00Z")).toEqual(["to: messageList.errors.time_invalid"]);
    expect(problems("from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z")).toEqual(["to: messageList.errors.time_order"]);
    expect(problems("cursor=0")).toEqual(["cursor: errors.cursor_invalid"]);
    expect(problems("cursor=99999999999999999999")).toEqual(["cursor: errors.cursor_invalid"]);
    expect(problems("code=A&code=B")).toEqual(["code: errors.query_repeated"]);
  });

  it("writes a filter back as a query string that reads as the same filter", () => {
    const filter = { status: ["failed", "unknown"], category: "unclassified", code: "UNDELIV", from: "2026-03-01T00:00:00.000Z", phone: "138*" } as const;
    const params = filterToSearchParams({ ...filter, status: [...filter.status] });
    expect(params.toString()).toBe("status=failed%2Cunknown&phone=138*&category=unclassified&code=UNDELIV&from=2026-03-01T00%3A00%3A00.000Z");
    expect(messageListFilterSchema.parse(searchParamsObject(params))).toEqual({ ...filter, status: [...filter.status] });
  });

  it("needs a format for the export, and reads the same filters", () => {
    const ok = messageExportQuerySchema.safeParse(searchParamsObject(new URLSearchParams("format=xlsx&status=failed")));
    expect(ok.success && ok.data).toEqual({ format: "xlsx", status: ["failed"] });
    for (const query of ["", "format=pdf", "format=csv&format=xlsx"]) {
      const result = messageExportQuerySchema.safeParse(searchParamsObject(new URLSearchParams(query)));
      expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`), query).toEqual(["format: messageList.errors.format_invalid"]);
    }
  });
});
