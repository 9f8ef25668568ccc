import { describe, expect, it } from "vitest";
import {
  EMPTY_DRAFT,
  composeDraftSchema,
  createIdempotencyKeeper,
  newIdempotencyKey,
  parseRecipientList,
  textAsSent,
  toSendRequest,
  type ComposeChannel,
  type ComposeDraft,
} from "./compose-input";
import { MAX_TEXT_CHARACTERS } from "./send-schema";

const CMPP: ComposeChannel = { type: "cmpp", defaultSignature: "【ACME】" };
const JSMS: ComposeChannel = { type: "jsms", defaultSignature: "" };

function draft(overrides: Partial<ComposeDraft>): ComposeDraft {
  return { ...EMPTY_DRAFT, channelKey: "k1", ...overrides };
}

function problems(channel: ComposeChannel | null, d: ComposeDraft): Record<string, string> {
  const result = composeDraftSchema(channel).safeParse(d);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
}

describe("pasted recipients", () => {
  it("takes one per line, or separated by commas and semicolons, ASCII or full-width", () => {
    expect(parseRecipientList("alice\nbob\r\ncarol")).toEqual(["alice", "bob", "carol"]);
    expect(parseRecipientList("alice, bob;carol，dave；erin")).toEqual(["alice", "bob", "carol", "dave", "erin"]);
  });

  it("drops blanks and trims, but keeps spaces inside a phone number", () => {
    expect(parseRecipientList("\n  +86 138 0013 8000 \n\n,, 13900139000\n")).toEqual(["+86 138 0013 8000", "13900139000"]);
    expect(parseRecipientList("   \n ,")).toEqual([]);
  });

  it("keeps duplicates for the server to report", () => {
    expect(parseRecipientList("u1\nu1")).toEqual(["u1", "u1"]);
  });
});

describe("the default signature", () => {
  it("goes in front of a text without one", () => {
    expect(textAsSent("Your code is 1234", "【ACME】")).toBe("【ACME】Your code is 1234");
  });

  it("is left out when the text brings its own, or there is none, or no text yet", () => {
    expect(textAsSent("【Other】Hello", "【ACME】")).toBe("【Other】Hello");
    expect(textAsSent("Hello", "")).toBe("Hello");
    expect(textAsSent("  ", "【ACME】")).toBe("  ");
  });

  it("counts as the text's own only a bracketed name of 1 to 20 characters at the very start", () => {
    expect(textAsSent("hi 【Own】", "【ACME】")).toBe("【ACME】hi 【Own】");
    expect(textAsSent("【】hi", "【ACME】")).toBe("【ACME】【】hi");
    expect(textAsSent("【Own hi", "【ACME】")).toBe("【ACME】【Own hi");
    expect(textAsSent(`【${"x".repeat(20)}】hi`, "【ACME】")).toBe(`【${"x".repeat(20)}】hi`);
    expect(textAsSent(`【${"x".repeat(21)}】hi`, "【ACME】")).toBe(`【ACME】【${"x".repeat(21)}】hi`);
  });
});

describe("the request body", () => {
  it("sends a CMPP text as typed, to pasted user IDs", () => {
    expect(toSendRequest(draft({ text: "Hello", userids: "u1\nu2" }), CMPP)).toEqual({ channelKey: "k1", userids: ["u1", "u2"], text: "Hello" });
  });

  it("sends a JSMS template with its filled parameters and signature id", () => {
    const body = toSendRequest(
      draft({
        audience: "phones",
        phones: "13800138000",
        templateId: " 1024 ",
        signId: "7",
        params: [
          { key: " code ", value: "1234" },
          { key: "", value: "" },
          { key: "name", value: "" },
        ],
      }),
      JSMS,
    );
    expect(body).toEqual({ channelKey: "k1", phones: ["13800138000"], template: { id: 1024, params: { code: "1234", name: "" }, signId: 7 } });
  });

  it("leaves out empty template parameters and signature id", () => {
    expect(toSendRequest(draft({ templateId: "5", params: [{ key: "", value: "" }] }), JSMS).template).toEqual({ id: 5 });
  });

  it("sends the values of an uploaded file under their kind, and 'everyone' as the audience", () => {
    const file = { fileName: "a.csv", kind: "phones" as const, values: ["13800138000"], rejected: [], rejectedCount: 0 };
    expect(toSendRequest(draft({ audience: "file", file, text: "x" }), CMPP)).toMatchObject({ phones: ["13800138000"] });
    expect(toSendRequest(draft({ audience: "file", file: { ...file, kind: "userids", values: ["u1"] }, text: "x" }), CMPP)).toMatchObject({
      userids: ["u1"],
    });
    const everyone = toSendRequest(draft({ audience: "everyone", text: "x", userids: "left over" }), CMPP);
    expect(everyone).toEqual({ channelKey: "k1", audience: "everyone", text: "x" });
  });

  it("is the same JSON for the same draft, and different JSON when anything changes", () => {
    const a = draft({ text: "Hello", userids: "u1" });
    expect(JSON.stringify(toSendRequest(a, CMPP))).toBe(JSON.stringify(toSendRequest({ ...a }, CMPP)));
    expect(JSON.stringify(toSendRequest({ ...a, text: "Hello!" }, CMPP))).not.toBe(JSON.stringify(toSendRequest(a, CMPP)));
  });
});

describe("the form's rules", () => {
  it("accepts a complete CMPP draft and a complete JSMS draft", () => {
    expect(problems(CMPP, draft({ text: "Hello", userids: "u1" }))).toEqual({});
    expect(problems(JSMS, draft({ templateId: "1", userids: "u1", params: [{ key: "code", value: "1" }] }))).toEqual({});
  });

  it("asks for a channel, a text and recipients", () => {
    expect(problems(null, { ...EMPTY_DRAFT })).toEqual({ channelKey: "send.errors.channel_required", userids: "send.errors.userids_required" });
    expect(problems(CMPP, draft({ text: "  ", audience: "phones", phones: " , " }))).toEqual({
      text: "send.errors.text_required",
      phones: "send.errors.phones_required",
    });
    expect(problems(CMPP, draft({ text: "x", audience: "file" }))).toEqual({ file: "send.errors.file_required" });
    expect(problems(CMPP, draft({ text: "x", audience: "everyone" }))).toEqual({});
  });

  it("refuses a text over the server's 1000 characters, counting an emoji as one", () => {
    expect(MAX_TEXT_CHARACTERS).toBe(1000);
    expect(problems(CMPP, draft({ text: "😀".repeat(1000), userids: "u1" }))).toEqual({});
    expect(problems(CMPP, draft({ text: "中".repeat(1001), userids: "u1" }))).toEqual({ text: "send.errors.text_too_long" });
  });

  it("takes digits only for the template and signature ids", () => {
    expect(problems(JSMS, draft({ templateId: "12a", signId: "-1", userids: "u1" }))).toEqual({
      templateId: "send.errors.template_id_digits",
      signId: "send.errors.sign_id_digits",
    });
    expect(problems(JSMS, draft({ templateId: "0", userids: "u1" }))).toEqual({ templateId: "send.errors.template_id_digits" });
    expect(problems(JSMS, draft({ templateId: "99999999999999999999", userids: "u1" }))).toEqual({ templateId: "send.errors.template_id_digits" });
  });

  it("needs a name for a parameter with a value, and no name twice", () => {
    const params = [
      { key: "code", value: "1" },
      { key: "", value: "orphan" },
      { key: " code", value: "2" },
      { key: "", value: "" },
    ];
    expect(problems(JSMS, draft({ templateId: "1", userids: "u1", params }))).toEqual({
      "params.1.key": "send.errors.param_name_required",
      "params.2.key": "send.errors.param_name_duplicate",
    });
  });
});

describe("idempotency keys", () => {
  it("are UUIDs, also where crypto.randomUUID is missing", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newIdempotencyKey()).toMatch(uuid);
    const original = crypto.randomUUID;
    try {
      Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
      const a = newIdempotencyKey();
      expect(a).toMatch(uuid);
      expect(newIdempotencyKey()).not.toBe(a);
    } finally {
      Object.defineProperty(crypto, "randomUUID", { value: original, configurable: true });
    }
  });

  it("stay the same for the same body, change with the body, and after a successful send", () => {
    let n = 0;
    const keeper = createIdempotencyKeeper(() => `key-${++n}`);
    expect(keeper.keyFor("A")).toBe("key-1");
    expect(keeper.keyFor("A")).toBe("key-1"); // a double click or a retry
    expect(keeper.keyFor("B")).toBe("key-2"); // the message changed
    expect(keeper.keyFor("A")).toBe("key-3"); // changed back: still a different compose
    keeper.renew();
    expect(keeper.keyFor("A")).toBe("key-4"); // sent, then sent again on purpose
  });
});
