import type { Db } from "@/lib/db/client";
import { CSV_TYPE, XLSX_TYPE, dictionaryCsv, dictionaryXlsx } from "./dictionary-file";
import { getProviderCodes } from "./receipt-code-service";

/** A provider's whole dictionary as a file download (`receipt-codes-<providerId>.xlsx|csv`); 404 for an unknown provider. */
export async function dictionaryDownload(db: Db, providerId: string, kind: "xlsx" | "csv"): Promise<Response> {
  const rows = await getProviderCodes(db, providerId);
  const body = kind === "xlsx" ? await dictionaryXlsx(rows) : dictionaryCsv(rows);
  return new Response(new Uint8Array(body), {
    headers: {
      "content-type": kind === "xlsx" ? XLSX_TYPE : CSV_TYPE,
      // Provider ids are letters, digits, _ and -: safe in the header as they are.
      "content-disposition": `attachment; filename="receipt-codes-${providerId}.${kind}"`,
      "cache-control": "no-store",
    },
  });
}
