import { PassThrough, type Readable } from "node:stream";
import ExcelJS from "exceljs";
import { createTranslator } from "next-intl";
import type { Db } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { asc } from "drizzle-orm";
import { recordAudit } from "@/lib/audit";
import { responseBodyOf } from "@/lib/http/node-stream-body";
import type { Actor } from "@/lib/auth/actor";
import type { Locale } from "@/lib/i18n/locales";
import { loadMessages } from "@/lib/i18n/messages";
import { reasonTranslator } from "@/lib/i18n/reasons";
import { getImport, importIssuePages } from "./import-service";

/**
 * Workbooks the console hands out, written as streams (exceljs WorkbookWriter) so an error report
 * of a hundred thousand rows never sits in memory whole.
 */
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function streamingWorkbook() {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  return { out, workbook };
}

/** The upload template: `userid`, `phone` (all channels), then `phone:KEY` for every channel. */
export async function templateWorkbook(db: Db): Promise<Readable> {
  const list = await db.select({ key: channels.channelKey, name: channels.name }).from(channels).orderBy(asc(channels.createdAt));
  const { out, workbook } = streamingWorkbook();
  const sheet = workbook.addWorksheet("users");
  sheet.columns = [
    { header: "userid", width: 20 },
    { header: "phone", width: 16 },
    ...list.map((c) => ({ header: `phone:${c.key}`, width: 18 })),
  ];
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  // Text columns, so Excel keeps leading "+" and long digit strings as typed.
  for (let col = 2; col <= list.length + 2; col++) sheet.getColumn(col).numFmt = "@";
  const notes = workbook.addWorksheet("channels");
  notes.columns = [
    { header: "column", width: 20 },
    { header: "channel", width: 30 },
  ];
  notes.addRow(["phone", "every channel without its own number"]).commit();
  for (const c of list) notes.addRow([`phone:${c.key}`, c.name]).commit();
  sheet.commit();
  notes.commit();
  // A client that goes away mid-download makes the commit fail; the stream carries that, not an unhandled rejection.
  workbook.commit().catch((error: unknown) => out.destroy(error as Error));
  return out;
}

/**
 * One row per rejected cell (and per warning): row, column, value, reason, severity. Each download
 * is audited. Written in the language of the operator who downloads it: the headers, the severity
 * and every reason that has a catalogue key (older rows keep their stored English).
 */
export async function errorReportWorkbook(db: Db, actor: Actor, importId: string, locale: Locale = "en"): Promise<Readable> {
  const pages = importIssuePages(db, importId);
  // Ask for the first page now, so an unknown import fails before the response starts.
  const first = await pages.next();
  const { fileName } = await getImport(db, importId);
  await recordAudit(db, actor, "import.errors_download", importId, { fileName });
  const t = createTranslator({ locale, messages: loadMessages(locale), namespace: "importErrors.report" });
  const reasonOf = reasonTranslator(locale);
  const severity = { error: t("error"), warning: t("warning") };
  const { out, workbook } = streamingWorkbook();
  const sheet = workbook.addWorksheet(t("sheet"));
  sheet.columns = [
    { header: t("row"), width: 8 },
    { header: t("column"), width: 18 },
    { header: t("value"), width: 28 },
    { header: t("reason"), width: 70 },
    { header: t("severity"), width: 10 },
  ];
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  void (async () => {
    try {
      for (let step = first; !step.done; step = await pages.next()) {
        for (const issue of step.value) {
          const reason = issue.reasonKey ? reasonOf({ key: issue.reasonKey, params: issue.reasonParams ?? {} }, issue.reason) : issue.reason;
          sheet.addRow([issue.rowNumber, issue.column, issue.value, reason, severity[issue.severity]]).commit();
        }
      }
      sheet.commit();
      await workbook.commit();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return out;
}

export function xlsxResponse(stream: Readable, fileName: string): Response {
  return new Response(responseBodyOf(stream), {
    headers: {
      "content-type": XLSX_TYPE,
      "content-disposition": `attachment; filename="${fileName}"`,
      "cache-control": "no-store",
    },
  });
}
