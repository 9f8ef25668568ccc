import { describe, expect, it } from "vitest";
import { PORTS_WITHOUT_APPROVAL, portNeedsApproval } from "./port-policy";

describe("gateway port policy", () => {
  it("opens the usual web and mail ports without approval", () => {
    expect([...PORTS_WITHOUT_APPROVAL].sort((a, b) => a - b)).toEqual([25, 80, 443, 465]);
  });

  it.each([80, 443, 25, 465])("needs no approval for port %i", (port) => {
    expect(portNeedsApproval(port)).toBe(false);
  });

  it.each([7890, 7891, 8080, 22, 1, 65535, 444, 24])("needs approval for port %i", (port) => {
    expect(portNeedsApproval(port)).toBe(true);
  });
});
