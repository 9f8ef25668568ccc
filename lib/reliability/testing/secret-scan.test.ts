import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { encodedForms, findBcryptHash, findSecrets, searchableText } from "./secret-scan";

const secret = { name: "master secret", value: "7f3a5e9c1d2b4a6f8e0c3b5d" };

describe("secret scan", () => {
  it("finds a secret as it is, escaped, URL-encoded, hex and base64", () => {
    const forms = (text: string) => findSecrets(text, [secret]).map((h) => h.form);
    expect(forms(`{"detail":"${secret.value}"}`)).toContain("plain");
    expect(forms(`x=${Buffer.from(secret.value).toString("hex")}`)).toContain("hex");
    expect(forms(Buffer.from(`pw=${secret.value}`).toString("base64url"))).not.toEqual([]);
    const password = { name: "password", value: "cmpp pw/Q9&x" };
    expect(findSecrets(`?p=${encodeURIComponent(password.value)}`, [password]).map((h) => h.form)).toContain("url");
    expect(findSecrets(`p=cmpp+pw%2FQ9%26x`, [password]).map((h) => h.form)).toContain("form");
    expect(findSecrets(`<p>cmpp pw/Q9&amp;x</p>`, [password]).map((h) => h.form)).toContain("html");
    expect(findSecrets(Buffer.from(password.value).toString("hex").toUpperCase(), [password]).map((h) => h.form)).toContain("HEX");
  });

  it("finds a secret inside a longer base64 value at every alignment (HTTP Basic credentials)", () => {
    for (const prefix of ["", "a", "ab", "dd1066407b044738b6479275:"]) {
      const header = Buffer.from(`${prefix}${secret.value}:tail`).toString("base64");
      expect(findSecrets(`Authorization: Basic ${header}`, [secret]), prefix).not.toEqual([]);
    }
  });

  it("finds nothing in text that does not hold the secret, and cuts the secret out of the context", () => {
    expect(findSecrets("7f3a5e9c1d2b4a6f8e0c3b5 (one character short)", [secret])).toEqual([]);
    const [hit] = findSecrets(`before ${secret.value} after`, [secret]);
    expect(hit!.context).toBe("before «…» after");
    expect(encodedForms("ab")).toEqual([]);
  });

  it("finds any bcrypt hash, plain or URL-encoded", () => {
    const hash = "$2b$11$C6UzMDM.H6dfI/f/IKcEeO5eLS8m0yN0yC4wW6hYwE4w1mQF1m9y.";
    expect(findBcryptHash(`{"passwordHash":"${hash}"}`)).not.toBeNull();
    expect(findBcryptHash(encodeURIComponent(hash))).not.toBeNull();
    expect(findBcryptHash("$2b$11$ too short")).toBeNull();
  });

  it("reads the cells of a spreadsheet answer, which are stored deflated", async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("codes").addRow(["code", secret.value]);
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
    expect(xlsx.includes(secret.value)).toBe(false);
    expect(findSecrets(searchableText(xlsx), [secret]).map((h) => h.form)).toContain("plain");
  });
});
