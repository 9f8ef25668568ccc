/**
 * `npm run console -- <command>`: administration without the web UI.
 *   migrate                                   apply database migrations
 *   create-api-key --name NAME --role ROLE    prints keyId:secret as the last line
 *   create-operator --email E (--password P | --password-stdin) --role ROLE
 * Works on a fresh DATA_DIR: the database is created and migrated first.
 */
import readline from "node:readline";
import { parseArgs } from "node:util";
import { createApiKey } from "@/lib/auth/api-keys";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createOperator } from "@/lib/auth/operators";
import { closeRuntime, getRuntime } from "@/lib/server/runtime";
import { DomainError } from "@/lib/util/errors";
import { translateMessage } from "@/lib/i18n/messages";
import { unrecoverableStartupProblem } from "@/lib/server/startup-failure";

const USAGE = `usage: npm run console -- <command>
  migrate
  create-api-key --name NAME --role admin|operator|viewer
  create-operator --email EMAIL --password PASSWORD --role admin|operator|viewer
  create-operator --email EMAIL --password-stdin --role admin|operator|viewer   (password: first line of standard input)`;

/** A usage mistake: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** The first line of standard input, without its line ending; undefined when the input is empty. */
async function readFirstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}

/**
 * --password-stdin, or no --password with input piped in, reads the password from standard input
 * (as `docker login --password-stdin` does), so it stays out of the shell history and `ps`.
 */
async function operatorPassword(values: { password?: string; "password-stdin"?: boolean }): Promise<string | undefined> {
  const fromStdin = values["password-stdin"] ?? false;
  if (values.password !== undefined && fromStdin) throw new UsageError("give --password or --password-stdin, not both");
  if (values.password !== undefined) return values.password;
  if (!fromStdin && process.stdin.isTTY) return undefined;
  const line = await readFirstLine(process.stdin);
  if (line === undefined) throw new UsageError("no password on standard input");
  return line;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: "string" },
      role: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      "password-stdin": { type: "boolean" },
    },
    strict: true,
  });
  const actor = SYSTEM_ACTOR("cli");
  switch (command) {
    case "migrate": {
      await getRuntime();
      console.log("migrations applied");
      return 0;
    }
    case "create-api-key": {
      const { db } = await getRuntime();
      const created = await createApiKey(db, actor, { name: values.name, role: values.role });
      console.log(`API key ${created.key.keyId} (${created.key.role}) created. Its secret is shown only now:`);
      console.log(created.credentials);
      return 0;
    }
    case "create-operator": {
      const password = await operatorPassword(values);
      const { db } = await getRuntime();
      const operator = await createOperator(db, actor, { email: values.email, password, role: values.role });
      console.log(`operator ${operator.email} (${operator.role}) created`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2))
  .then(async (code) => {
    await closeRuntime();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    const problem = unrecoverableStartupProblem(error);
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n${USAGE}`);
    } else if (problem) {
      // A bad variable or key: its message names what to fix, as the server and the worker print it.
      console.error(`error: ${problem}`);
    } else if (error instanceof DomainError) {
      console.error(`error: ${error.message}`);
      for (const detail of error.details) console.error(`  ${detail.path}: ${translateMessage(detail.message)}`);
    } else {
      console.error(error instanceof Error ? error.message : error);
    }
    await closeRuntime().catch(() => {});
    process.exit(error instanceof UsageError ? 2 : 1);
  });
