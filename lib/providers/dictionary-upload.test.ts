import { expect, it } from "vitest";
import { readDictionaryUpload } from "./dictionary-upload";

function multipart(body: string): Request {
  return new Request("http://console.test/api/v1/providers/p/codes/import", {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=x" },
    body,
  });
}

it("answers a body whose part header cannot be parsed with a clear 400, and leaves no error behind", async () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on("uncaughtException", record);
  try {
    // A part header longer than busboy reads, with no closing boundary: it reports the header,
    // then, when the body ends, the unfinished form as a second error.
    const body = `--x\r\nContent-Disposition: form-data; name="file"; filename="codes.csv"\r\n${"X".repeat(20_000)}\r\n\r\nabc`;
    await expect(readDictionaryUpload(multipart(body))).rejects.toMatchObject({ status: 400, messageKey: "importErrors.upload.unreadable" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(uncaught).toEqual([]);
  } finally {
    process.off("uncaughtException", record);
  }
});
