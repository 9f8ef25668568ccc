import type { ImportReasonKey } from "@/lib/contacts/import-reason";
import { normalizePhone } from "@/lib/contacts/phone";
import type { ReasonParams } from "@/lib/i18n/reason";
import { columnLetter, isBlankCell, isCellProblem, shownValue, tooLongProblem, type RawCell, type RawRow } from "./cells";
import type { ColumnLayout } from "./columns";
import type { ImportIssue, ImportRow } from "./types";
import { validateUserid } from "./userid";
import { UseridRegistry } from "./userid-registry";

/** A merged range that covers a row, as the xlsx reader reports it. */
export interface MergeCover {
  /** "A5:A7" */
  ref: string;
  /** First column of the range that the import reads. */
  column: number;
}

export interface RowCheckerOptions {
  layout: ColumnLayout;
  maxCellLength: number;
  /** xlsx only: the merged range covering this row, if any. */
  mergeAt?: (rowNumber: number) => MergeCover | null;
}

export type RowOutcome = "blank" | "accepted" | "rejected";

const NO_HEADER_REASON: Why = {
  reason: "This cell has a value but its column has no header, so it cannot be imported; give the column a header or clear the cell.",
  reasonKey: "importErrors.row.noHeader",
};

/** A row issue's reason: the English sentence and the same as a catalogue key. */
interface Why {
  reason: string;
  reasonKey: ImportReasonKey;
  reasonParams?: ReasonParams;
}

/**
 * Turns raw rows into accepted rows and issues. A row is taken whole or not at all: one bad cell
 * rejects the row (every bad cell of it is reported), so a user is never half-updated.
 * Remembers each accepted userid's last row to report repeats; the writer applies rows in file
 * order, so the later row's numbers win, and the earlier row gets a warning.
 */
export class RowChecker {
  private readonly lastRowOf = new UseridRegistry();
  private readonly phoneColumns: { index: number; bindId: string; header: string }[];
  /** Columns inside the header's width whose header cell is blank. */
  private readonly unnamed: number[] = [];
  private readonly useridHeader: string;

  constructor(private readonly options: RowCheckerOptions) {
    const { layout } = options;
    this.phoneColumns = [];
    for (let index = 0; index < layout.byIndex.length; index++) {
      const column = layout.byIndex[index];
      if (!column) this.unnamed.push(index);
      else if (column.bindId !== "userid") this.phoneColumns.push({ index, bindId: column.bindId, header: column.header });
    }
    this.useridHeader = layout.byIndex[layout.useridIndex]!.header;
  }

  /** The header width: cells at or beyond it are reported, not read. */
  get width(): number {
    return this.options.layout.byIndex.length;
  }

  check(raw: RawRow, rows: ImportRow[], issues: ImportIssue[]): RowOutcome {
    const { cells, rowNumber } = raw;
    if (raw.extra === null && isBlankRowCells(cells)) return "blank";
    const errorsBefore = issues.length;

    const merge = this.options.mergeAt?.(rowNumber);
    if (merge) {
      this.reject(
        issues,
        rowNumber,
        this.columnName(merge.column),
        cellText(cells[merge.column]),
        {
          reason: `This row is part of the merged cells ${merge.ref}; a merged cell shows one value over several cells, so unmerge them and fill in every cell.`,
          reasonKey: "importErrors.row.merged",
          reasonParams: { ref: merge.ref },
        },
      );
    }
    for (const index of this.unnamed) {
      const cell = cells[index];
      if (!isBlankCell(cell)) this.reject(issues, rowNumber, columnLetter(index), cellText(cell), NO_HEADER_REASON);
    }
    if (raw.extra) this.reject(issues, rowNumber, columnLetter(raw.extra.column), raw.extra.value, NO_HEADER_REASON);

    let userid: string | null = null;
    const useridCell = cells[this.options.layout.useridIndex];
    if (isBlankCell(useridCell)) {
      this.reject(issues, rowNumber, this.useridHeader, "", {
        reason: "The userid is missing, but the row has other values.",
        reasonKey: "importErrors.row.missingUserid",
      });
    } else if (isCellProblem(useridCell)) {
      this.reject(issues, rowNumber, this.useridHeader, useridCell.shown, useridCell);
    } else {
      const checked = validateUserid(useridCell as string);
      if (checked.ok) userid = checked.userid;
      else this.reject(issues, rowNumber, this.useridHeader, useridCell as string, checked);
    }

    const phones: Record<string, string> = {};
    for (const column of this.phoneColumns) {
      const cell = cells[column.index];
      if (isBlankCell(cell)) continue; // blank: the existing binding is kept
      const problem = this.cellProblem(cell!);
      if (problem) {
        this.reject(issues, rowNumber, column.header, problem.shown, problem);
        continue;
      }
      const normalized = normalizePhone(cell as string);
      if (normalized.ok) phones[column.bindId] = normalized.phone;
      else this.reject(issues, rowNumber, column.header, cell as string, normalized);
    }

    if (issues.length > errorsBefore || userid === null) return "rejected";

    const earlier = this.lastRowOf.remember(userid, rowNumber);
    if (earlier !== undefined) {
      issues.push({
        rowNumber: earlier,
        column: this.useridHeader,
        value: shownValue(userid),
        reason: `Rows ${earlier} and ${rowNumber} have the same userid; both are applied in file order, so where both give a number for the same column, row ${rowNumber}'s wins.`,
        reasonKey: "importErrors.row.duplicateUserid",
        reasonParams: { earlier, later: rowNumber },
        severity: "warning",
      });
    }
    rows.push({ rowNumber, userid, phones });
    return "accepted";
  }

  private reject(issues: ImportIssue[], rowNumber: number, column: string, value: string, why: Why): void {
    const issue: ImportIssue = { rowNumber, column, value: shownValue(value), reason: why.reason, reasonKey: why.reasonKey, severity: "error" };
    if (why.reasonParams) issue.reasonParams = why.reasonParams;
    issues.push(issue);
  }

  private columnName(index: number): string {
    return this.options.layout.byIndex[index]?.header ?? columnLetter(index);
  }

  private cellProblem(cell: RawCell) {
    if (isCellProblem(cell)) return cell;
    // The readers already cut long cells; this keeps the rule whatever the source.
    if (cell.length > this.options.maxCellLength) return tooLongProblem(cell, cell.length, this.options.maxCellLength);
    return null;
  }
}

function isBlankRowCells(cells: readonly (RawCell | undefined)[]): boolean {
  for (let i = 0; i < cells.length; i++) if (!isBlankCell(cells[i])) return false;
  return true;
}

function cellText(cell: RawCell | undefined): string {
  if (cell === undefined) return "";
  return isCellProblem(cell) ? cell.shown : cell;
}
