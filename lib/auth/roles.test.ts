import { describe, expect, it } from "vitest";
import { ROLES, hasRole, isRole, type Role } from "./roles";

describe("roles", () => {
  it("orders the roles from weakest to strongest", () => {
    expect(ROLES).toEqual(["viewer", "operator", "admin"]);
  });

  // Every (actual, needed) pair: a role may do what it and the weaker roles may, nothing more.
  const table: [actual: Role, needed: Role, allowed: boolean][] = [
    ["viewer", "viewer", true],
    ["viewer", "operator", false],
    ["viewer", "admin", false],
    ["operator", "viewer", true],
    ["operator", "operator", true],
    ["operator", "admin", false],
    ["admin", "viewer", true],
    ["admin", "operator", true],
    ["admin", "admin", true],
  ];

  it.each(table)("a %s calling a %s call is allowed: %s", (actual, needed, allowed) => {
    expect(hasRole(actual, needed)).toBe(allowed);
  });

  it("covers every pair of roles", () => {
    expect(new Set(table.map(([a, n]) => `${a}/${n}`)).size).toBe(ROLES.length * ROLES.length);
  });

  it.each(ROLES)("accepts %s as a role", (role) => {
    expect(isRole(role)).toBe(true);
  });

  it.each([
    ["another case", "Admin"],
    ["surrounding spaces", " admin"],
    ["an empty string", ""],
    ["a role-like word", "superadmin"],
    ["an array method name", "includes"],
    ["an object property name", "constructor"],
    ["a prototype key", "__proto__"],
    ["a number", 2],
    ["an index", 0],
    ["null", null],
    ["undefined", undefined],
    ["an array holding a role", ["admin"]],
    ["an object", { role: "admin" }],
    ["a boxed string", new String("admin")],
  ])("refuses %s", (_what, value) => {
    expect(isRole(value)).toBe(false);
  });
});
