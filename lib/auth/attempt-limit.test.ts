import { expect, it, vi } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "./actor";
import {
  ADDRESS_BLOCK_MS,
  ADDRESS_MAX_FAILURES,
  ADDRESS_WINDOW_MS,
  AddressBlockedError,
  assertAddressAllowed,
  recordAddressFailure,
} from "./attempt-limit";
import { createOperator, verifyOperatorLogin } from "./operators";
import { verifyPassword } from "./passwords";

// The real bcrypt, watched: a blocked address must be refused before any password is compared.
vi.mock("./passwords", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./passwords")>();
  return { ...actual, verifyPassword: vi.fn(actual.verifyPassword) };
});

const system = SYSTEM_ACTOR("test");

describeEachDb("per-address attempt limit", (t) => {
  it("refuses the right password from an address after 20 parallel wrong ones, and says how long to wait", async () => {
    await createOperator(t.db, system, { email: "owner@example.com", password: "owner-password", role: "admin" });
    await createOperator(t.db, system, { email: "other@example.com", password: "other-password", role: "viewer" });
    const now = new Date("2026-01-01T00:00:00Z");
    const guesses = Array.from({ length: 20 }, (_, i) =>
      verifyOperatorLogin(t.db, { email: "other@example.com", password: "guess-" + i }, "203.0.113.5", now),
    );
    await Promise.allSettled(guesses);

    vi.mocked(verifyPassword).mockClear();
    const later = new Date(now.getTime() + 60_000);
    const refused = verifyOperatorLogin(t.db, { email: "owner@example.com", password: "owner-password" }, "203.0.113.5", later);
    await expect(refused).rejects.toBeInstanceOf(AddressBlockedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: ADDRESS_BLOCK_MS / 1000 - 60 });
    expect(verifyPassword).not.toHaveBeenCalled();

    // The account itself is fine: from another address the same password signs in.
    expect((await verifyOperatorLogin(t.db, { email: "owner@example.com", password: "owner-password" }, "203.0.113.6", later))?.email).toBe(
      "owner@example.com",
    );
    // And the block ends.
    const afterBlock = new Date(now.getTime() + ADDRESS_BLOCK_MS + 1000);
    expect(await verifyOperatorLogin(t.db, { email: "owner@example.com", password: "owner-password" }, "203.0.113.5", afterBlock)).not.toBeNull();
  }, 90_000);

  it("counts unknown emails too, and a success does not wipe the failures counted against other accounts", async () => {
    const now = new Date("2026-02-01T00:00:00Z");
    for (let i = 1; i < ADDRESS_MAX_FAILURES; i++) {
      expect(await verifyOperatorLogin(t.db, { email: `nobody${i}@example.com`, password: "x" }, "203.0.113.7", now)).toBeNull();
    }
    expect(await verifyOperatorLogin(t.db, { email: "owner@example.com", password: "owner-password" }, "203.0.113.7", now)).not.toBeNull();
    await expect(verifyOperatorLogin(t.db, { email: "nobody@example.com", password: "x" }, "203.0.113.7", now)).rejects.toBeInstanceOf(
      AddressBlockedError,
    );
  });

  it("counts parallel failures exactly, in one window per address and purpose", async () => {
    const now = new Date("2026-03-01T00:00:00Z");
    const results = await Promise.all(Array.from({ length: 25 }, () => recordAddressFailure(t.db, "sign_in", "198.51.100.20", now)));
    expect(results.map((r) => r.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(results.filter((r) => r.blockedUntil !== null)).toHaveLength(25 - ADDRESS_MAX_FAILURES + 1);
    await expect(assertAddressAllowed(t.db, "sign_in", "198.51.100.20", now)).rejects.toBeInstanceOf(AddressBlockedError);
    // The set-up page and other addresses keep their own counts.
    await expect(assertAddressAllowed(t.db, "setup", "198.51.100.20", now)).resolves.toBeUndefined();
    await expect(assertAddressAllowed(t.db, "sign_in", "198.51.100.21", now)).resolves.toBeUndefined();
  });

  it("starts the count over when the window has passed", async () => {
    const now = new Date("2026-04-01T00:00:00Z");
    for (let i = 1; i < ADDRESS_MAX_FAILURES; i++) await recordAddressFailure(t.db, "setup", "198.51.100.30", now);
    const nextWindow = new Date(now.getTime() + ADDRESS_WINDOW_MS + 1);
    expect(await recordAddressFailure(t.db, "setup", "198.51.100.30", nextWindow)).toEqual({ failures: 1, blockedUntil: null });
    await expect(assertAddressAllowed(t.db, "setup", "198.51.100.30", nextWindow)).resolves.toBeUndefined();
  });
});
