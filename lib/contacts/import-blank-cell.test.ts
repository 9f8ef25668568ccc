import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channels } from "@/lib/db/schema";
import { getContact } from "./contact-queries";

import { claimNextImport, importLimits, runImport } from "./import-runner";
import { queueImportFile } from "./testing/queue-import";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-blank-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A blank cell in a re-import means "no change" for that user and channel, never "remove". */
describeEachDb("re-importing with blank channel cells", (t) => {

  async function importFile(name: string, content: Buffer | string) {
    await queueImportFile(t.db, dir, name, content);
    const job = await claimNextImport(t.db);
    await runImport(t.db, job!, importLimits(t.kind));
  }

  async function workbook(rows: (string | null)[][]): Promise<Buffer> {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("users");
    // A null leaves the cell out of the sheet altogether, as spreadsheet programs do for empty cells.
    for (const row of rows) sheet.addRow(row.map((v) => v ?? undefined));
    return Buffer.from(await book.xlsx.writeBuffer());
  }

  it("keeps a user's number for a channel whose cell is blank in the second file", async () => {
    await t.db.insert(channels).values([
      { channelKey: "blank0001", name: `blank0001-${t.kind}`, type: "jsms", config: {}, sealedSecrets: "v2.unused" },
      { channelKey: "blank0002", name: `blank0002-${t.kind}`, type: "jsms", config: {}, sealedSecrets: "v2.unused" },
    ]);
    await importFile(
      "first.csv",
      ["userid,phone,phone:blank0001,phone:blank0002", "amy,13800138000,13900139000,13700137000", "ben,13800138001,13900139001,13700137001"].join("\n"),
    );
    expect((await getContact(t.db, "amy")).phones).toEqual({ all: "13800138000", blank0001: "13900139000", blank0002: "13700137000" });

    // amy: blank0001 empty, "all" only spaces; ben: blank0002 left off the end of the row.
    await importFile("second.csv", ["userid,phone,phone:blank0001,phone:blank0002", "amy,   ,,13600136000", "ben,13500135001,13400134001"].join("\n"));

    expect((await getContact(t.db, "amy")).phones).toEqual({ all: "13800138000", blank0001: "13900139000", blank0002: "13600136000" });
    expect((await getContact(t.db, "ben")).phones).toEqual({ all: "13500135001", blank0001: "13400134001", blank0002: "13700137001" });
  });

  it("keeps it too when the blank is a cell missing from a workbook", async () => {
    await importFile(
      "first.xlsx",
      await workbook([
        ["userid", "phone", "phone:blank0001", "phone:blank0002"],
        ["cat", "13800138002", "13900139002", "13700137002"],
      ]),
    );
    await importFile(
      "second.xlsx",
      await workbook([
        ["userid", "phone", "phone:blank0001", "phone:blank0002"],
        ["cat", null, "13300133002", ""],
      ]),
    );
    expect((await getContact(t.db, "cat")).phones).toEqual({ all: "13800138002", blank0001: "13300133002", blank0002: "13700137002" });
  });
});
