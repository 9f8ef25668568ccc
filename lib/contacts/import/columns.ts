import { importReason, type ImportReason } from "@/lib/contacts/import-reason";
import { parseBindingHeader } from "@/lib/contacts/phone";
import { columnLetter, isBlankCell, isCellProblem, type RawCell } from "./cells";
import { ImportFileError, type HeaderProblem, type ImportFileErrorCode } from "./import-file-error";
import type { ImportColumn } from "./types";

/**
 * Header problems listed one by one; past these they are counted. A header of 16,384 wrong
 * columns would otherwise make a refusal of 0.8 MB of text and 16,000 details, stored with the
 * import and sent with every page of the import history.
 */
export const MAX_LISTED_PROBLEMS = 100;

/** What the header row says about each column; blank headers leave a hole. */
export interface ColumnLayout {
  columns: ImportColumn[];
  /** Indexed by column (0 = A); undefined where the header cell is blank. */
  byIndex: (ImportColumn | undefined)[];
  useridIndex: number;
}

const ACCEPTED_HEADERS =
  "Accepted headers: userid (or 用户ID); phone (or 手机号) for the number used on every channel; " +
  "phone:KEY, phone.KEY or phone(KEY) for the number used on channel KEY.";

export function describeChannelKeys(channelKeys: ReadonlySet<string>): string {
  if (channelKeys.size === 0) return "There are no channels yet, so only the phone column (all channels) can be used.";
  const keys = [...channelKeys].sort();
  const shown = keys.slice(0, 50).join(", ");
  return `Existing channel keys: ${shown}${keys.length > 50 ? ` and ${keys.length - 50} more` : ""}.`;
}

/** describeChannelKeys as a catalogue key, for the operator's language. */
export function channelKeysReason(channelKeys: ReadonlySet<string>): ImportReason {
  if (channelKeys.size === 0) return importReason("importErrors.header.noChannels");
  const keys = [...channelKeys].sort();
  const shown = keys.slice(0, 50).join(", ");
  return keys.length > 50
    ? importReason("importErrors.header.channelKeysMore", { keys: shown, more: keys.length - 50 })
    : importReason("importErrors.header.channelKeys", { keys: shown });
}

/** Finds the channel a header names: exactly, else case-insensitively when only one matches. */
function findChannelKey(written: string, channelKeys: ReadonlySet<string>): string | null {
  if (channelKeys.has(written)) return written;
  const lower = written.toLowerCase();
  const matches = [...channelKeys].filter((k) => k.toLowerCase() === lower);
  return matches.length === 1 ? matches[0]! : null;
}

/**
 * Checks the header row and maps every column to what it binds. Every problem is collected so the
 * user can fix the header in one go; the error's code is the first problem's.
 */
export function resolveColumns(headerCells: readonly (RawCell | undefined)[] | null, channelKeys: ReadonlySet<string>): ColumnLayout {
  const problems: (HeaderProblem & { code: ImportFileErrorCode })[] = [];
  const byIndex: (ImportColumn | undefined)[] = [];
  const columns: ImportColumn[] = [];
  const seen = new Map<string, ImportColumn>();
  let useridIndex = -1;

  const cells = headerCells ?? [];
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index];
    if (isBlankCell(cell)) continue;
    const letter = columnLetter(index);
    if (isCellProblem(cell)) {
      problems.push({
        code: "bad_header",
        column: letter,
        message: `The header in column ${letter} (${cell.shown}) cannot be read: ${cell.reason}`,
        key: "importErrors.headerProblem.unreadable",
        params: { letter, shown: cell.shown, reason: importReason(cell.reasonKey, cell.reasonParams) },
      });
      continue;
    }
    const header = (cell as string).trim();
    const parsed = parseBindingHeader(header);
    if (!parsed) {
      problems.push({
        code: "bad_header",
        column: header,
        message: `Column ${letter} has the unknown header "${header}".`,
        key: "importErrors.headerProblem.unknown",
        params: { letter, header },
      });
      continue;
    }
    let bindId: string;
    if (parsed.kind === "userid") {
      bindId = "userid";
    } else if (parsed.bindId === "all") {
      bindId = "all";
    } else {
      const key = findChannelKey(parsed.bindId, channelKeys);
      if (!key) {
        problems.push({
          code: "unknown_channel",
          column: header,
          message: `Column ${letter} ("${header}") names the channel key "${parsed.bindId}", and no channel has that key.`,
          key: "importErrors.headerProblem.unknownChannel",
          params: { letter, header, key: parsed.bindId },
        });
        continue;
      }
      bindId = key;
    }
    const earlier = seen.get(bindId);
    if (earlier) {
      const what = bindId === "userid" ? "the userid" : bindId === "all" ? "the phone for all channels" : `the phone for channel ${bindId}`;
      const whatReason =
        bindId === "userid"
          ? importReason("importErrors.headerProblem.whatUserid")
          : bindId === "all"
            ? importReason("importErrors.headerProblem.whatAll")
            : importReason("importErrors.headerProblem.whatChannel", { key: bindId });
      problems.push({
        code: "duplicate_column",
        column: header,
        message: `Columns ${earlier.letter} ("${earlier.header}") and ${letter} ("${header}") both give ${what}.`,
        key: "importErrors.headerProblem.duplicate",
        params: { earlierLetter: earlier.letter, earlierHeader: earlier.header, letter, header, what: whatReason },
      });
      continue;
    }
    const column: ImportColumn = { header, letter, bindId };
    seen.set(bindId, column);
    byIndex[index] = column;
    columns.push(column);
    if (bindId === "userid") useridIndex = index;
  }

  const more = problems.length - MAX_LISTED_PROBLEMS;
  if (more > 0) {
    problems.length = MAX_LISTED_PROBLEMS;
    problems.push({
      code: problems[0]!.code,
      column: "…",
      message: `…and ${more.toLocaleString("en")} more problems in the header row.`,
      key: "importErrors.headerProblem.more",
      params: { count: more },
    });
  }

  // After the cap: a missing userid column is always said.
  if (useridIndex < 0) {
    const empty = columns.length === 0 && problems.length === 0;
    problems.push({
      code: "missing_userid_column",
      column: "A",
      message: empty
        ? "The first row is empty; it must hold the column headers, starting with userid."
        : "There is no userid column; the header row must have one.",
      key: empty ? "importErrors.headerProblem.emptyHeaderRow" : "importErrors.headerProblem.missingUserid",
    });
  }

  if (problems.length > 0) {
    const list = problems.map((p) => p.message).join(" ");
    throw new ImportFileError(
      problems[0]!.code,
      `The header row cannot be used, so nothing was imported. ${list} ${ACCEPTED_HEADERS} ${describeChannelKeys(channelKeys)}`,
      // The problems are listed one by one beside this sentence (errorDetails), not inside it.
      importReason("importErrors.header.refused", { channels: channelKeysReason(channelKeys) }),
      problems.map(({ code: _code, ...problem }) => problem),
    );
  }
  return { columns, byIndex, useridIndex };
}
