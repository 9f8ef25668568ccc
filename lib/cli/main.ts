/**
 * `npm run console -- <command>`: administration without the web UI.
 *   migrate                                   apply database migrations
 *   create-api-key --name NAME --role ROLE    prints keyId:secret as the last line
 *   create-operator --email E --password P --role ROLE
 * Works on a fresh DATA_DIR: the database is created and migrated first.
 */
import { parseArgs } from "node:util";
import { createApiKey } from "@/lib/auth/api-keys";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createOperator } from "@/lib/auth/operators";
import { closeRuntime, getRuntime } from "@/lib/server/runtime";
import { DomainError } from "@/lib/util/errors";
import { translateMessage } from "@/lib/i18n/messages";

const USAGE = `usage: npm run console -- <command>
  migrate
  create-api-key --name NAME --role admin|operator|viewer
  create-operator --email EMAIL --password PASSWORD --role admin|operator|viewer`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: "string" }, role: { type: "string" }, email: { type: "string" }, password: { type: "string" } },
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
      const { db } = await getRuntime();
      const operator = await createOperator(db, actor, { email: values.email, password: values.password, role: values.role });
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
    if (error instanceof DomainError) {
      console.error(`error: ${error.message}`);
      for (const detail of error.details) console.error(`  ${detail.path}: ${translateMessage(detail.message)}`);
    } else {
      console.error(error instanceof Error ? error.message : error);
    }
    await closeRuntime().catch(() => {});
    process.exit(1);
  });
