import { ImportFileError } from "@/lib/contacts/import/import-file-error";
import { readZipBuffer, type ZipLimits } from "@/lib/contacts/import/zip-reader";

/**
 * Looks for secrets in what the console sends out (answers, pages, log lines) in every form a
 * careless line of code could give them: as they are, JSON- or HTML-escaped, URL- or
 * form-encoded, hex, and base64 (also inside a longer base64 value, such as the HTTP Basic
 * `base64(appKey:masterSecret)` header a client builds).
 */
export interface NamedSecret {
  name: string;
  value: string;
}

export interface SecretHit {
  secret: string;
  /** Which encoding matched: "plain", "base64@1", "hex", … */
  form: string;
  /** Up to 60 characters around the hit, with the secret itself cut out, for the failure message. */
  context: string;
}

/**
 * The base64 text that any base64 encoding of a string holding `value` contains, for each of the
 * three byte alignments the value can start at: the characters that depend on the value's bytes
 * alone (partial groups at either end dropped).
 */
function base64Cores(value: Buffer, alphabet: "base64" | "base64url"): string[] {
  const cores: string[] = [];
  for (let lead = 0; lead < 3; lead++) {
    const padded = Buffer.concat([Buffer.alloc(lead), value]);
    const full = padded.toString(alphabet);
    const skip = [0, 2, 3][lead]!;
    const end = 4 * Math.floor(padded.length / 3);
    cores.push(full.slice(skip, end));
  }
  return cores;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

/** Every form of `value` searched for, by name. Forms equal to the plain text are left out. */
export function encodedForms(value: string): { form: string; text: string }[] {
  const bytes = Buffer.from(value, "utf8");
  const forms: { form: string; text: string }[] = [
    { form: "plain", text: value },
    { form: "json", text: JSON.stringify(value).slice(1, -1) },
    { form: "html", text: value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) },
    { form: "url", text: encodeURIComponent(value) },
    { form: "form", text: new URLSearchParams({ v: value }).toString().slice(2) },
    { form: "hex", text: bytes.toString("hex") },
    { form: "HEX", text: bytes.toString("hex").toUpperCase() },
    ...base64Cores(bytes, "base64").map((text, lead) => ({ form: `base64@${lead}`, text })),
    ...base64Cores(bytes, "base64url").map((text, lead) => ({ form: `base64url@${lead}`, text })),
  ];
  const seen = new Set<string>();
  return forms.filter(({ form, text }) => {
    // Too short a core would match by chance; every secret searched for is far longer than this.
    if (text.length < 8 || seen.has(text) || (form !== "plain" && text === value)) return false;
    seen.add(text);
    return true;
  });
}

function contextOf(text: string, at: number, length: number): string {
  const before = text.slice(Math.max(0, at - 30), at);
  const after = text.slice(at + length, at + length + 30);
  return `${before}«…»${after}`.replace(/\s+/g, " ");
}

/** Every hit of every secret (in every form) in `text`. */
export function findSecrets(text: string, secrets: readonly NamedSecret[]): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const secret of secrets) {
    for (const { form, text: needle } of encodedForms(secret.value)) {
      const at = text.indexOf(needle);
      if (at !== -1) hits.push({ secret: secret.name, form, context: contextOf(text, at, needle.length) });
    }
  }
  return hits;
}

/** A bcrypt hash ($2a$, $2b$, $2y$), plain or URL-encoded (`$` as %24, `/` as %2F). */
const BCRYPT_HASH = /(\$|%24)2[aby](\$|%24)\d\d(\$|%24)(?:[./A-Za-z0-9]|%2F){53}/i;

/** Any bcrypt hash at all in `text` (no answer or log line has a reason to carry one). */
export function findBcryptHash(text: string): SecretHit | null {
  const match = BCRYPT_HASH.exec(text);
  return match ? { secret: "a bcrypt hash", form: "plain", context: contextOf(text, match.index, match[0].length) } : null;
}

/**
 * A body as searchable text: a zip file (an .xlsx answer) becomes the text of its parts, since
 * a secret in a spreadsheet cell is stored deflated; anything else is read as UTF-8.
 */
export function searchableText(body: Buffer): string {
  if (body.length >= 4 && body.readUInt32LE(0) === 0x04034b50) return zipEntriesText(body);
  return body.toString("utf8");
}

/**
 * The console's own answers, not uploads: the total is capped so a runaway export cannot take the
 * test's memory, and no ratio is refused (a sheet of repeated rows compresses very well).
 */
const ANSWER_ZIP_LIMITS: ZipLimits = { maxInflatedBytes: 512 * 1024 ** 2, maxCompressionRatio: Number.POSITIVE_INFINITY };

function zipEntriesText(zip: Buffer): string {
  let entries: Map<string, Buffer>;
  try {
    entries = readZipBuffer(zip, ANSWER_ZIP_LIMITS);
  } catch (error) {
    // A zip that cannot be read (an answer cut short) is searched as it is: its stored bytes still show.
    if (error instanceof ImportFileError && error.code === "corrupt_file") return zip.toString("latin1");
    throw error;
  }
  return [...entries].flatMap(([name, data]) => [name, data.toString("utf8")]).join("\n");
}
