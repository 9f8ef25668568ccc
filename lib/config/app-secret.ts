import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** HKDF-SHA256 derives 32-byte keys; a root with fewer bytes than that would be the weak link. */
export const MIN_ROOT_SECRET_BYTES = 32;

const HOW_TO_MAKE_ONE = "openssl rand -base64 32";

/**
 * The root secret cannot be used as configured. Stops the process at start-up (as an EnvError
 * does): a key that is wrong now stays wrong, and a console that guessed another one would seal
 * channel secrets that no other process, nor the next start, could open.
 */
export class AppSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppSecretError";
  }
}

/**
 * The root secret: APP_SECRET when set, otherwise 32 random bytes generated once into
 * DATA_DIR/app-secret (base64, mode 0600). Several processes sharing one PostgreSQL database must
 * share it too: set APP_SECRET, or point them at the same DATA_DIR. Either must hold at least
 * 32 bytes; an empty or short one is refused, never replaced, since a new key would not open
 * what the old one sealed.
 */
export function loadRootSecret(appSecret: string | undefined, dataDir: string): Buffer {
  if (appSecret !== undefined) {
    const bytes = Buffer.byteLength(appSecret, "utf8");
    if (bytes < MIN_ROOT_SECRET_BYTES) {
      throw new AppSecretError(
        `APP_SECRET is ${bytes} bytes long; it must be at least ${MIN_ROOT_SECRET_BYTES}. ` +
          `Set it to a random value, e.g. the output of \`${HOW_TO_MAKE_ONE}\`, the same in every process of this console.`,
      );
    }
    return Buffer.from(appSecret, "utf8");
  }
  const file = path.join(dataDir, "app-secret");
  return readSecretFile(file) ?? generateSecretFile(dataDir, file);
}

/** The file's key; undefined when there is no file yet. */
function readSecretFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const fix =
    `Write a new one with \`${HOW_TO_MAKE_ONE} > ${file}\` (or delete the file to have one generated), ` +
    "then enter the channel secrets again: the ones sealed under the old key cannot be opened. Or set APP_SECRET.";
  if (text === "") throw new AppSecretError(`${file} is empty. ${fix}`);
  // Buffer.from skips characters outside the alphabet, so check the text first: a typed passphrase
  // would otherwise shrink silently into a few bytes.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new AppSecretError(`${file} is not base64. ${fix}`);
  const key = Buffer.from(text, "base64");
  if (key.length < MIN_ROOT_SECRET_BYTES) {
    throw new AppSecretError(`${file} holds ${key.length} bytes; it must hold at least ${MIN_ROOT_SECRET_BYTES}. ${fix}`);
  }
  return key;
}

/**
 * Writes the key beside the file and links it into place, so a process starting at the same
 * moment never reads a half-written (empty) file: it finds no file, or the whole key.
 */
function generateSecretFile(dataDir: string, file: string): Buffer {
  fs.mkdirSync(dataDir, { recursive: true });
  const generated = crypto.randomBytes(MIN_ROOT_SECRET_BYTES);
  const staging = `${file}.${process.pid}.${crypto.randomUUID()}`;
  const text = generated.toString("base64") + "\n";
  fs.writeFileSync(staging, text, { flag: "wx", mode: 0o600 });
  try {
    linkOrCreate(staging, file, text);
    return generated;
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readSecretFile(file)!;
    throw error;
  } finally {
    fs.rmSync(staging, { force: true });
  }
}

/** Some mounted file systems have no hard links: there, create the file exclusively and write it. */
function linkOrCreate(staging: string, file: string, text: string): void {
  try {
    fs.linkSync(staging, file);
  } catch (error) {
    if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
    fs.writeFileSync(file, text, { flag: "wx", mode: 0o600 });
  }
}

/** One independent 32-byte key per purpose, so a key used for sessions never seals secrets. */
export function deriveKey(root: Buffer, purpose: "channel-secrets" | "session-jwt"): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", root, Buffer.alloc(0), `sms-console:${purpose}`, 32));
}
