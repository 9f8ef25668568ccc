/**
 * Whether an error means the disk is full: the file system's ENOSPC or EDQUOT (an upload written
 * to DATA_DIR), or PostgreSQL's disk_full, SQLSTATE 53100 ("could not extend file …: No space left
 * on device", from the embedded database in DATA_DIR or a server). Query errors arrive wrapped
 * (drizzle's "Failed query: …" holds the database's error as its cause), so the causes are read too.
 * The operator is then told to free space, instead of being shown an internal error.
 */
const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT", "53100"]);

export function isDiskFull(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && DISK_FULL_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
