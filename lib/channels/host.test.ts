import { describe, expect, it } from "vitest";
import { isHostName, isIPv4, isIPv6, isValidHost } from "./host";

describe("gateway host rules", () => {
  it.each(["0.0.0.0", "10.1.2.3", "9.99.199.249", "255.255.255.255", "192.168.200.1", "224.0.0.1", "249.1.1.1"])("takes %s as IPv4", (value) => {
    expect(isIPv4(value)).toBe(true);
    expect(isValidHost(value)).toBe(true);
  });

  it.each([
    ["an octet above 255", "256.1.1.1"],
    ["250-259 past 255", "10.1.1.256"],
    ["200-249 past 249", "10.1.260.1"],
    ["a leading zero", "10.01.1.1"],
    ["three octets", "10.1.1"],
    ["five octets", "10.1.1.1.1"],
    ["a trailing dot", "10.1.1.1."],
    ["text before it", "x10.1.1.1"],
    ["text after it", "10.1.1.1x"],
    ["an empty octet", "10..1.1"],
    ["a non-digit octet", "10.a.1.1"],
  ])("refuses %s as IPv4", (_what, value) => {
    expect(isIPv4(value)).toBe(false);
    // Digits and dots alone are never taken as a host name either.
    if (/^[\d.]+$/.test(value)) expect(isValidHost(value)).toBe(false);
  });

  it.each(["::1", "fe80::1", "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:192.0.2.1"])(
    "takes %s as IPv6",
    (value) => {
      expect(isIPv6(value)).toBe(true);
      expect(isValidHost(value)).toBe(true);
    },
  );

  it.each([
    ["no colon", "2001db8"],
    ["a colon only after other text", "gw.example:1"],
    ["a double compression", "2001::db8::1"],
    ["too many groups", "1:2:3:4:5:6:7:8:9"],
    ["a group too long", "2001:db8::12345"],
    ["a letter past f", "2001:db8::g"],
    ["brackets", "[::1]"],
    ["a zone or path", "::1/64"],
    ["a port after it", "::1]:80"],
  ])("refuses %s as IPv6", (_what, value) => {
    expect(isIPv6(value)).toBe(false);
    if (value.includes(":")) expect(isValidHost(value)).toBe(false);
  });

  it.each(["localhost", "sms-gw.example.com", "A1.Example.CN", "x".repeat(63) + ".com", "a.b.c.d.e", "1.example", "123a", "gw1.10"])(
    "takes %s as a host name",
    (value) => {
      expect(isHostName(value)).toBe(true);
      expect(isValidHost(value)).toBe(true);
    },
  );

  it.each([
    ["a label of 64 characters", "x".repeat(64) + ".com"],
    ["a name longer than 253 characters", Array.from({ length: 51 }, () => "abcd").join(".")],
    ["a label starting with a hyphen", "-gw.example.com"],
    ["a label ending with a hyphen", "gw-.example.com"],
    ["an empty label", "gw..example.com"],
    ["a trailing dot", "gw.example.com."],
    ["an underscore", "sms_gw.example.com"],
    ["a space", "sms gw.example.com"],
    ["a scheme", "http://gw.example.com"],
    ["a port", "gw.example.com:7890"],
    ["digits only (a malformed IPv4 address)", "10.1.1.300"],
    ["a single number", "7890"],
    ["an empty string", ""],
  ])("refuses %s", (_what, value) => {
    expect(isHostName(value)).toBe(false);
    expect(isValidHost(value)).toBe(false);
  });

  it("takes a name of exactly 253 characters", () => {
    const name = [...Array.from({ length: 50 }, () => "abcd"), "abc"].join(".");
    expect(name.length).toBe(253);
    expect(isHostName(name)).toBe(true);
    expect(isHostName(name + "d")).toBe(false);
  });
});
