import type { Db } from "@/lib/db/client";
import type { Actor } from "@/lib/auth/actor";
import { ValidationError } from "@/lib/util/errors";
import { readDictionaryFile } from "./dictionary-file";
import type { DictionaryUpload } from "./dictionary-upload";
import { findProviderRow } from "./provider-service";
import { importProviderCodes, type DictionaryChange } from "./receipt-code-service";
import { IMPORT_MODES, type ImportMode } from "./rest-schemas";

export interface DictionaryImportResult extends DictionaryChange {
  mode: ImportMode;
  rows: number;
}

/**
 * Imports an uploaded dictionary file into a provider: `replace` (the dictionary becomes the
 * file) or `merge` (the file's codes added or updated, the others kept; the default, as it can
 * lose nothing). The mode comes from the query string or the form field `mode` (not both
 * differently). Every row is checked first; one bad row and nothing is applied.
 */
export async function importDictionary(
  db: Db,
  providerId: string,
  upload: DictionaryUpload,
  queryMode: ImportMode | undefined,
  actor: Actor,
): Promise<DictionaryImportResult> {
  await findProviderRow(db, providerId);
  const mode = chooseMode(queryMode, upload.fields.mode);
  const rows = await readDictionaryFile(upload.data, upload.fileKind);
  const change = await importProviderCodes(db, providerId, rows, { mode, fileName: upload.fileName }, actor);
  return { mode, rows: rows.length, ...change };
}

function chooseMode(fromQuery: ImportMode | undefined, fromField: string | undefined): ImportMode {
  const field = fromField?.trim() || undefined;
  if (field !== undefined && !(IMPORT_MODES as readonly string[]).includes(field)) {
    throw new ValidationError('mode is "replace" or "merge".', [{ path: "mode", message: "providers.errors.mode_invalid" }]);
  }
  if (field !== undefined && fromQuery !== undefined && field !== fromQuery) {
    throw new ValidationError("The query string and the form say different modes.", [{ path: "mode", message: "providers.errors.mode_invalid" }]);
  }
  return (field as ImportMode | undefined) ?? fromQuery ?? "merge";
}
