import { xmlAttribute } from "./sheet-xml";

/**
 * The fixed parts of a workbook of plain sheets, and the XML around a sheet's rows.
 * The look is the one the console's workbooks have always had: a bold header row frozen at the
 * top, set column widths, texts as texts (inline strings, so no shared-strings table has to be
 * held in memory until the end) and numbers as numbers.
 */

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships";

/** Cell style 1 in styles.xml: the header's bold font. */
export const HEADER_STYLE = 1;

export const sheetPath = (index: number) => `xl/worksheets/sheet${index + 1}.xml`;

export function contentTypes(sheets: number): string {
  let overrides = "";
  for (let i = 0; i < sheets; i++) {
    overrides += `<Override PartName="/${sheetPath(i)}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`;
  }
  return (
    DECLARATION +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    overrides +
    "</Types>"
  );
}

export const packageRels = () =>
  `${DECLARATION}<Relationships xmlns="${PACKAGE_RELS}"><Relationship Id="rId1" Type="${DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`;

/** Relationship rId1 is the styles; sheet i is rId(i + 2). */
export function workbookRels(sheets: number): string {
  let rels = `<Relationship Id="rId1" Type="${DOC_RELS}/styles" Target="styles.xml"/>`;
  for (let i = 0; i < sheets; i++) rels += `<Relationship Id="rId${i + 2}" Type="${DOC_RELS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`;
  return `${DECLARATION}<Relationships xmlns="${PACKAGE_RELS}">${rels}</Relationships>`;
}

export function workbook(sheetNames: readonly string[]): string {
  const sheets = sheetNames.map((name, i) => `<sheet name="${xmlAttribute(name)}" sheetId="${i + 1}" r:id="rId${i + 2}"/>`).join("");
  return `${DECLARATION}<workbook xmlns="${MAIN}" xmlns:r="${DOC_RELS}"><bookViews><workbookView/></bookViews><sheets>${sheets}</sheets></workbook>`;
}

/** Excel's default font, and the same in bold (HEADER_STYLE); Excel insists on the two fills. */
export const styles = () =>
  DECLARATION +
  `<styleSheet xmlns="${MAIN}">` +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  "</styleSheet>";

/** The sheet up to its first row: the frozen header pane and the column widths. */
export function sheetHead(widths: readonly (number | undefined)[]): string {
  let cols = "";
  widths.forEach((width, i) => {
    if (width !== undefined) cols += `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`;
  });
  return (
    `${DECLARATION}<worksheet xmlns="${MAIN}" xmlns:r="${DOC_RELS}">` +
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>' +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    (cols ? `<cols>${cols}</cols>` : "") +
    "<sheetData>"
  );
}

export const SHEET_TAIL = '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>';
