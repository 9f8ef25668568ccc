import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import en from "@/lib/i18n/messages/en.json";
import zhCN from "@/lib/i18n/messages/zh-CN.json";
import { MAX_LISTED_RECIPIENTS, MAX_TEXT_CHARACTERS, audienceKindOf, countCharacters, sendRequestSchema } from "./send-schema";

function issues(body: unknown): { path: string; message: string }[] {
  const result = sendRequestSchema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

const cmpp = { channelKey: "ab3k9m2pqr", text: "Hello" };

describe("the send request schema", () => {
  it("takes each audience alone", () => {
    expect(issues({ ...cmpp, userids: ["u1"] })).toEqual([]);
    expect(issues({ ...cmpp, phones: ["13800138000"] })).toEqual([]);
    expect(issues({ ...cmpp, audience: "everyone" })).toEqual([]);
    expect(audienceKindOf(sendRequestSchema.parse({ ...cmpp, phones: ["1"] }))).toBe("phones");
    expect(audienceKindOf(sendRequestSchema.parse({ ...cmpp, audience: "everyone" }))).toBe("everyone");
  });

  it("names the audience fields when none or several are given", () => {
    expect(issues(cmpp)).toEqual([{ path: "audience", message: "errors.audience_required" }]);
    expect(issues({ ...cmpp, userids: ["u1"], phones: ["13800138000"] })).toEqual([
      { path: "userids", message: "errors.audience_one_only" },
      { path: "phones", message: "errors.audience_one_only" },
    ]);
    expect(issues({ ...cmpp, audience: "all" })).toEqual([{ path: "audience", message: "errors.audience_invalid" }]);
  });

  it("refuses an empty list, a list past a million and a recipient that is not text", () => {
    expect(issues({ ...cmpp, userids: [] })).toEqual([{ path: "userids", message: "errors.recipients_empty" }]);
    expect(issues({ ...cmpp, phones: [13800138000] })).toEqual([{ path: "phones.0", message: "errors.recipient_not_text" }]);
    expect(issues({ ...cmpp, phones: "13800138000" })).toEqual([{ path: "phones", message: "errors.recipients_not_list" }]);
    const tooMany = new Array<string>(MAX_LISTED_RECIPIENTS + 1).fill("u");
    expect(issues({ ...cmpp, userids: tooMany })).toEqual([{ path: "userids", message: "errors.too_many_recipients" }]);
  });

  it("wants text or a template, not both and not neither", () => {
    const audience = { channelKey: "ab3k9m2pqr", audience: "everyone" };
    expect(issues(audience)).toEqual([{ path: "text", message: "errors.content_required" }]);
    expect(issues({ ...audience, text: "Hi", template: { id: 1 } })).toEqual([{ path: "template", message: "errors.content_one_only" }]);
    expect(issues({ ...audience, template: { id: 7, params: { code: "1234" }, signId: 3 } })).toEqual([]);
  });

  it("counts the text in characters as a person does, up to the limit", () => {
    const base = { channelKey: "ab3k9m2pqr", audience: "everyone" };
    expect(countCharacters("😀中a")).toBe(3);
    expect(issues({ ...base, text: "中".repeat(MAX_TEXT_CHARACTERS) })).toEqual([]);
    // A thousand emoji are two thousand UTF-16 units but a thousand characters.
    expect(issues({ ...base, text: "😀".repeat(MAX_TEXT_CHARACTERS) })).toEqual([]);
    expect(issues({ ...base, text: "a".repeat(MAX_TEXT_CHARACTERS + 1) })).toEqual([{ path: "text", message: "errors.text_too_long" }]);
    expect(issues({ ...base, text: "   " })).toEqual([{ path: "text", message: "errors.text_required" }]);
    expect(issues({ ...base, text: "line one\nline two\ttab" })).toEqual([]);
    expect(issues({ ...base, text: "bell\u0007" })).toEqual([{ path: "text", message: "errors.text_control_character" }]);
  });

  it("checks the template's id, parameters and signature id", () => {
    const base = { channelKey: "ab3k9m2pqr", audience: "everyone" };
    expect(issues({ ...base, template: { id: 0 } })).toEqual([{ path: "template.id", message: "errors.template_id_invalid" }]);
    expect(issues({ ...base, template: { id: 1.5 } })).toEqual([{ path: "template.id", message: "errors.template_id_invalid" }]);
    expect(issues({ ...base, template: { id: "12" } })).toEqual([{ path: "template.id", message: "errors.template_id_invalid" }]);
    expect(issues({ ...base, template: { id: 1, signId: -1 } })).toEqual([{ path: "template.signId", message: "errors.sign_id_invalid" }]);
    expect(issues({ ...base, template: { id: 1, params: { code: 1234 } } })).toEqual([{ path: "template.params.code", message: "errors.template_param_value" }]);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, "v"]));
    expect(issues({ ...base, template: { id: 1, params: many } })).toEqual([{ path: "template.params", message: "errors.template_params_too_many" }]);
  });

  it("takes an idempotency key of 1 to 128 printable ASCII characters", () => {
    const base = { ...cmpp, audience: "everyone" };
    expect(issues({ ...base, idempotencyKey: "order-2026-0001 retry" })).toEqual([]);
    expect(issues({ ...base, idempotencyKey: "k".repeat(128) })).toEqual([]);
    for (const bad of ["", "k".repeat(129), "键", "a\nb"]) {
      expect(issues({ ...base, idempotencyKey: bad }), JSON.stringify(bad)).toEqual([{ path: "idempotencyKey", message: "errors.idempotency_key_format" }]);
    }
  });

  it("refuses fields it does not know (a typo would otherwise be dropped silently)", () => {
    const found = issues({ ...cmpp, audience: "everyone", phone: ["13800138000"] });
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toBe("");
  });

  it("has every message it uses in both catalogues", () => {
    const sources = ["send-schema.ts", "send-request.ts"].map((f) => fs.readFileSync(path.join(__dirname, f), "utf8"));
    const used = [...new Set(sources.flatMap((s) => [...s.matchAll(/"errors\.([a-z_]+)"/g)].map((m) => m[1]!)))];
    expect(used.length).toBeGreaterThan(15);
    const missing = (catalogue: { errors: Record<string, string> }) => used.filter((key) => !(key in catalogue.errors));
    expect(missing(en)).toEqual([]);
    expect(missing(zhCN)).toEqual([]);
  });
});
