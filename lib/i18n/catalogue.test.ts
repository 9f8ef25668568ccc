import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import en from "./messages/en.json";
import zhCN from "./messages/zh-CN.json";
import { localeFromAcceptLanguage } from "./locales";
import { translateMessage } from "./messages";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("message catalogues", () => {
  it("have the same keys in Simplified Chinese and English", () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it("hold every validation key the schemas use", () => {
    const sources = ["lib/channels/channel-schema.ts", "lib/auth/operator-schema.ts"].map((f) =>
      fs.readFileSync(path.join(process.cwd(), f), "utf8"),
    );
    const used = new Set(sources.flatMap((s) => [...s.matchAll(/"(errors\.[a-z_]+)"/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(20);
    const known = new Set(keys(en));
    expect([...used].filter((k) => !known.has(k))).toEqual([]);
  });

  it("translate validation keys, and pass sentences through", () => {
    expect(translateMessage("errors.port_range")).toBe("The port must be a whole number from 1 to 65535.");
    expect(translateMessage("errors.port_range", "zh-CN")).toBe("端口须为 1 到 65535 之间的整数。");
    expect(translateMessage("Something readable.")).toBe("Something readable.");
  });

  it("pass through a key-shaped text that names no sentence, prototype names included", () => {
    for (const text of ["constructor.name", "errors.__proto__", "errors.toString", "errors", "errors.port_range.x"]) {
      expect(translateMessage(text)).toBe(text);
      expect(translateMessage(text, "zh-CN")).toBe(text);
    }
  });

  it("follow the browser's language", () => {
    expect(localeFromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("en-US,en;q=0.9,zh;q=0.5")).toBe("en");
    expect(localeFromAcceptLanguage("fr-FR, zh-TW;q=0.4")).toBe("zh-CN");
    expect(localeFromAcceptLanguage(undefined)).toBe("en");
  });
});
