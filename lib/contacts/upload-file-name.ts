/**
 * The name an upload is shown and stored under (history, audit log). The file on disk is always
 * `<importId>.<ext>`, so this name never reaches the file system; it is cleaned because it is
 * shown to operators and kept in text columns. PostgreSQL text cannot hold NUL; control,
 * format and bidirectional-override characters hide or disguise parts of a name
 * ("users\u202Evsc.xlsx" is shown as "usersxslx.csv"); a client may send a whole path
 * ("C:\Users\me\users.csv", "../../users.csv"). Every other character is kept: Chinese and other
 * non-Latin names are the normal case.
 */
export const MAX_FILE_NAME_LENGTH = 200;

/** Cc (C0, DEL, C1), Cf (bidi and zero-width marks), lone surrogates, line and paragraph separators. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** The cleaned display name; "" when nothing visible is left of it. */
export function displayFileName(sent: string): string {
  const visible = sent.normalize("NFC").replace(INVISIBLE, "");
  const lastPart = visible.slice(Math.max(visible.lastIndexOf("/"), visible.lastIndexOf("\\")) + 1);
  const name = lastPart.replace(/^[A-Za-z]:/, "").trim();
  if (name === "." || name === "..") return "";
  return capLength(name);
}

/** Shortens the part before the extension, so a long name still says what kind of file it is. */
function capLength(name: string): string {
  const chars = Array.from(name); // code points: a cut never splits a surrogate pair
  if (chars.length <= MAX_FILE_NAME_LENGTH) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keep = ext.length < 16 ? ext : [];
  return (chars.slice(0, MAX_FILE_NAME_LENGTH - keep.length).join("").trimEnd() + keep.join("")).trim();
}

/** The kinds of file an import reads, by the name's extension. */
export function fileKindOf(name: string): "xlsx" | "csv" | null {
  const ext = /\.(xlsx|csv)$/i.exec(name)?.[1]?.toLowerCase();
  return ext === "xlsx" || ext === "csv" ? ext : null;
}
