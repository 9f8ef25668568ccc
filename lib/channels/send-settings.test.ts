import { describe, expect, it } from "vitest";
import { applyDefaultSignature, sendSettingsOf, startsWithSignature } from "./send-settings";

describe("sendSettingsOf", () => {
  it("applies the defaults to a CMPP channel saved before the settings existed", () => {
    const config = { host: "10.1.2.3", port: 7890, version: "3.0", passwordSet: true };
    expect(sendSettingsOf({ type: "cmpp", config })).toEqual({
      defaultSignature: "",
      resubmitUncertain: true,
      reportDeadlineSeconds: 259_200,
      timestampUtcOffsetMinutes: 480,
    });
  });

  it("reads the stored settings of a CMPP channel", () => {
    const config = { defaultSignature: "【ACME】", resubmitUncertain: false, reportDeadlineSeconds: 600, timestampUtcOffsetMinutes: -300 };
    expect(sendSettingsOf({ type: "cmpp", config })).toEqual(config);
  });

  it("falls back to the default for a stored value that breaks the rule, field by field", () => {
    const config = { defaultSignature: "ACME", resubmitUncertain: "yes", reportDeadlineSeconds: 0, timestampUtcOffsetMinutes: 900 };
    expect(sendSettingsOf({ type: "cmpp", config })).toEqual({
      defaultSignature: "",
      resubmitUncertain: true,
      reportDeadlineSeconds: 259_200,
      timestampUtcOffsetMinutes: 480,
    });
    expect(sendSettingsOf({ type: "cmpp", config: { ...config, reportDeadlineSeconds: 30 } }).reportDeadlineSeconds).toBe(30);
  });

  it("gives JSMS its deadline, no signature and never a blind resubmit, whatever the config holds", () => {
    expect(sendSettingsOf({ type: "jsms", config: { appKeyHint: "dd10…9275" } })).toEqual({
      defaultSignature: "",
      resubmitUncertain: false,
      reportDeadlineSeconds: 259_200,
      timestampUtcOffsetMinutes: 480,
    });
    const config = { reportDeadlineSeconds: 7200, defaultSignature: "【ACME】", resubmitUncertain: true };
    expect(sendSettingsOf({ type: "jsms", config })).toMatchObject({
      defaultSignature: "",
      resubmitUncertain: false,
      reportDeadlineSeconds: 7200,
    });
  });
});

describe("applyDefaultSignature", () => {
  it("puts the signature in front of a text without one", () => {
    expect(applyDefaultSignature("Your code is 1234", "【ACME】")).toBe("【ACME】Your code is 1234");
    expect(applyDefaultSignature("", "【ACME】")).toBe("【ACME】");
  });

  it("leaves a text that starts with its own signature alone", () => {
    expect(applyDefaultSignature("【Other】Your code is 1234", "【ACME】")).toBe("【Other】Your code is 1234");
    expect(applyDefaultSignature("【ACME】Hi", "【ACME】")).toBe("【ACME】Hi");
  });

  it("changes nothing when the channel has no signature", () => {
    expect(applyDefaultSignature("Your code is 1234", "")).toBe("Your code is 1234");
  });

  it("prepends when the text's brackets are not a signature: elsewhere, empty, or too long", () => {
    expect(applyDefaultSignature("Hi【ACME】", "【ACME】")).toBe("【ACME】Hi【ACME】");
    expect(applyDefaultSignature(" 【Other】Hi", "【ACME】")).toBe("【ACME】 【Other】Hi");
    expect(applyDefaultSignature("【】Hi", "【ACME】")).toBe("【ACME】【】Hi");
    const heading = "【" + "通".repeat(21) + "】Hi";
    expect(applyDefaultSignature(heading, "【ACME】")).toBe("【ACME】" + heading);
  });
});

describe("startsWithSignature", () => {
  it("sees 1 to 20 characters in 【…】 at the very start", () => {
    expect(startsWithSignature("【A】x")).toBe(true);
    expect(startsWithSignature("【" + "😀".repeat(20) + "】x")).toBe(true);
    expect(startsWithSignature("【ACME")).toBe(false);
    expect(startsWithSignature("[ACME] x")).toBe(false);
  });
});
