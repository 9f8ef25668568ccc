import { eq } from "drizzle-orm";
import { expect, it, vi } from "vitest";
import { contacts, imports, operators } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { logger } from "./logger";

/** The JSON lines the logger writes to stderr while `run` runs. */
function errorLines(run: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function failure(query: Promise<unknown>): Promise<Error> {
  try {
    await query;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the query did not fail");
}

describeEachDb("logger, given a failed database query", (t) => {
  it("logs the cause PostgreSQL gave, with its code, and not the query's parameters", async () => {
    const error = await failure(t.db.select().from(contacts).where(eq(contacts.userid, "u-13800138000\u0000")));
    expect(error.message).toContain("13800138000");
    const [line] = errorLines(() => logger.error("lookup failed", { error }));
    const text = JSON.stringify(line);
    expect(text).not.toContain("13800138000");
    expect(text).not.toContain("params:");
    expect(line).toMatchObject({
      level: "error",
      msg: "lookup failed",
      error: {
        message: expect.stringMatching(/^Failed query: select .* from "contacts" where "contacts"\."userid" = \$1$/),
        stack: expect.any(String),
        cause: { code: "22021", message: 'invalid byte sequence for encoding "UTF8": 0x00' },
      },
    });
  });

  it("masks the value a data error quotes back", async () => {
    const error = await failure(t.db.select().from(imports).where(eq(imports.id, "13800138000")));
    const [line] = errorLines(() => logger.error("lookup failed", { error }));
    expect(JSON.stringify(line)).not.toContain("13800138000");
    expect(line).toMatchObject({ error: { cause: { code: "22P02", message: 'invalid input syntax for type uuid: "…"' } } });
  });

  it("keeps a password hash out of the log of a refused insert, and PostgreSQL's detail that would name the row", async () => {
    const row = { email: "twice@example.com", passwordHash: "$2b$12$secret-hash-that-must-not-be-logged", role: "viewer" as const };
    await t.db.insert(operators).values(row);
    const error = await failure(t.db.insert(operators).values({ ...row, email: "TWICE@example.com" }));
    const [line] = errorLines(() => logger.error("insert failed", { error }));
    const text = JSON.stringify(line);
    expect(text).not.toContain("secret-hash");
    expect(text).not.toContain("twice@example.com");
    expect(text).not.toContain("TWICE@example.com");
    expect(line).toMatchObject({
      error: { message: expect.stringMatching(/^Failed query: insert into "operators"/), cause: { code: "23505", message: expect.stringContaining("operators_email_lower_idx") } },
    });
  });
});

it("writes an error's cause chain, and a string cause as it is", async () => {
  const error = new Error("outer", { cause: new Error("middle", { cause: "innermost" }) });
  const [line] = errorLines(() => logger.error("chain", { error }));
  expect(line).toMatchObject({ error: { name: "Error", message: "outer", cause: { name: "Error", message: "middle", cause: "innermost" } } });
  expect((line!.error as { cause: Record<string, unknown> }).cause).not.toHaveProperty("stack");
});
