import { describe, expect, it } from "vitest";
import { JSMS_ERROR_CODES, JsmsError, describeJsmsErrorCode } from "@/lib/sender/jsms/errors";
import { OUTCOME_CATEGORIES } from "@/lib/sender/outcome";

describe("JSMS error codes", () => {
  it("cover every code the brief and Jiguang's summary table name, with documented HTTP statuses", () => {
    const documented: Record<number, number> = {
      50001: 400, 50002: 401, 50003: 400, 50004: 400, 50005: 400, 50006: 403, 50007: 403, 50008: 403, 50009: 403,
      50013: 403, 50014: 403, 50016: 404, 50017: 415, 50018: 405, 50019: 500, 50020: 403, 50021: 403, 50022: 403,
      50023: 403, 50024: 403, 50030: 403, 50031: 403, 50033: 403, 50034: 403, 50035: 403, 50036: 403, 50037: 403,
      50038: 403,
    };
    for (const [code, status] of Object.entries(documented)) {
      expect(JSMS_ERROR_CODES[Number(code)]?.httpStatus, `code ${code}`).toBe(status);
    }
  });

  it("use only outcome categories the dashboard knows, and write a sentence for each", () => {
    for (const info of Object.values(JSMS_ERROR_CODES)) {
      expect(OUTCOME_CATEGORIES).toContain(info.category);
      expect(info.description).toMatch(/^[A-Z].*\.$/);
      expect(info.jsmsMessage.length).toBeGreaterThan(0);
    }
  });

  it("retry only what can succeed later: 50009 and 50019", () => {
    const retryable = Object.values(JSMS_ERROR_CODES).filter((i) => i.retryable).map((i) => i.code);
    expect(retryable.sort()).toEqual([50009, 50019]);
  });

  it("map the per-recipient failures to final outcomes", () => {
    expect(describeJsmsErrorCode(50006)).toMatchObject({ category: "invalid_number", retryable: false, scope: "recipient" });
    expect(describeJsmsErrorCode("50024")).toMatchObject({ category: "blacklisted", retryable: false, scope: "recipient" });
    expect(describeJsmsErrorCode(50022)).toMatchObject({ category: "content_rejected", retryable: false, scope: "recipient" });
    expect(describeJsmsErrorCode(50037)).toMatchObject({ category: "content_rejected", retryable: false });
    expect(describeJsmsErrorCode(50014)).toMatchObject({ category: "no_balance", scope: "channel" });
    expect(describeJsmsErrorCode(50002)).toMatchObject({ scope: "channel", retryable: false });
    expect(describeJsmsErrorCode(50013)).toMatchObject({ category: "content_rejected", scope: "request" });
  });

  it("treat an undocumented code by its HTTP status", () => {
    expect(describeJsmsErrorCode(59999, 503)).toMatchObject({ code: 59999, retryable: true, category: "unknown" });
    expect(describeJsmsErrorCode(59999, 403)).toMatchObject({ code: 59999, retryable: false });
    expect(describeJsmsErrorCode("garbage").description).toContain("garbage");
  });
});

describe("JsmsError", () => {
  it("from an API answer carries code, status, category and a readable message", () => {
    const error = JsmsError.fromApi(50002, 401, "auth failed");
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 50002, httpStatus: 401, retryable: false, category: "unknown", scope: "channel", jsmsMessage: "auth failed" });
    expect(error.message).toBe("AppKey or MasterSecret rejected: check both values in the Jiguang console. (50002)");
  });

  it("any 5xx answer is retryable, whatever its code says", () => {
    expect(JsmsError.fromApi(50007, 502).retryable).toBe(true);
    expect(JsmsError.fromApi(50007, 403).retryable).toBe(false);
  });

  it("transport failures: network and timeout retry, a garbled 2xx never does", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const network = JsmsError.network(refused, "POST http://x/v1/messages", "connecting");
    expect(network).toMatchObject({ code: "network", retryable: true, httpStatus: null, outcome: "not_sent" });
    expect(network.message).toBe("Could not reach POST http://x/v1/messages: ECONNREFUSED");
    expect(JsmsError.timeout("GET http://x", 50)).toMatchObject({ code: "timeout", retryable: true });
    expect(JsmsError.http(503, "JSMS")).toMatchObject({ code: "http", retryable: true });
    expect(JsmsError.http(404, "JSMS")).toMatchObject({ code: "http", retryable: false });
    expect(JsmsError.badResponse(200, "not JSON")).toMatchObject({ code: "bad_response", retryable: false });
  });

  it("say whether the request may have reached JSMS: only from the moment its body left in full", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const outcomes = (["connecting", "sending", "sent", "answering"] as const).map((stage) => [
      JsmsError.network(reset, "POST u", stage).outcome,
      JsmsError.timeout("POST u", 10, stage).outcome,
    ]);
    expect(outcomes).toEqual([["not_sent", "not_sent"], ["not_sent", "not_sent"], ["unknown", "unknown"], ["unknown", "unknown"]]);
    expect(JsmsError.timeout("POST u", 10, "connecting").message).toBe("Could not connect to POST u within 10 ms");
    expect(JsmsError.timeout("POST u", 10, "sent").message).toBe("No answer from POST u within 10 ms");
    // A refusal is an answer about the request; a 5xx or an unreadable 2xx is not.
    expect(JsmsError.fromApi(50009, 403).outcome).toBe("not_sent");
    expect(JsmsError.fromApi(50019, 500).outcome).toBe("unknown");
    expect(JsmsError.http(429, "JSMS").outcome).toBe("not_sent");
    expect(JsmsError.http(502, "JSMS").outcome).toBe("unknown");
    expect(JsmsError.badResponse(200, "x").outcome).toBe("unknown");
  });

  it("an unknown outcome is final and keeps its cause; a held-back chunk may be sent again", () => {
    const cause = JsmsError.fromApi(50019, 503, "server error");
    const unknown = JsmsError.outcomeUnknown(cause);
    expect(unknown).toMatchObject({ code: "submit_outcome_unknown", outcome: "unknown", retryable: false, httpStatus: 503, category: "unknown", jsmsMessage: "server error" });
    expect(unknown.cause).toBe(cause);
    expect(unknown.message).toBe("JSMS may have accepted this send; it is not sent again. JSMS had an internal error. (50019)");
    expect(JsmsError.notSent("held back")).toMatchObject({ code: "not_sent", outcome: "not_sent", retryable: true, message: "Not sent: held back" });
  });
});
