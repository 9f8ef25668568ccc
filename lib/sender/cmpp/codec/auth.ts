/**
 * Login authenticators (spec 8.4.1). Both sides hash the shared secret, so neither ever sends it.
 */
import { createHash } from "node:crypto";
import type { CmppVersion } from "../types";

/**
 * MMDDHHMMSS as the integer CONNECT carries. `utcOffsetMinutes` picks the clock; without it, the
 * host's local time. The session passes 480 unless told otherwise: gateways in China run on UTC+8
 * and refuse a timestamp several minutes off, so a host in another zone must not use its own.
 */
export function cmppTimestamp(date: Date = new Date(), utcOffsetMinutes?: number): number {
  const d = utcOffsetMinutes === undefined ? localParts(date) : shiftedParts(date, utcOffsetMinutes);
  return d.month * 100_000_000 + d.day * 1_000_000 + d.hour * 10_000 + d.minute * 100 + d.second;
}

/** The 10-character form the hash uses: zero-padded, so January gives "01…". */
export function timestampString(timestamp: number): string {
  return String(timestamp).padStart(10, "0");
}

/** AuthenticatorSource = MD5(Source_Addr + 9 zero octets + secret + timestamp). */
export function authenticatorSource(sourceAddr: string, secret: string, timestamp: number): Buffer {
  return createHash("md5")
    .update(Buffer.from(sourceAddr, "latin1"))
    .update(Buffer.alloc(9))
    .update(Buffer.from(secret, "latin1"))
    .update(Buffer.from(timestampString(timestamp), "latin1"))
    .digest();
}

/**
 * AuthenticatorISMG = MD5(Status + AuthenticatorSource + secret), Status in its wire width:
 * 1 octet in 2.0, 4 (big-endian) in 3.0.
 */
export function authenticatorIsmg(status: number, source: Buffer, secret: string, version: CmppVersion): Buffer {
  const statusBytes = version === "2.0" ? Buffer.from([status & 0xff]) : Buffer.alloc(4);
  if (version === "3.0") statusBytes.writeUInt32BE(status >>> 0, 0);
  return createHash("md5").update(statusBytes).update(source).update(Buffer.from(secret, "latin1")).digest();
}

/**
 * Whether the gateway's AuthenticatorISMG proves it knows the secret. For 3.0 the 1-octet form is
 * accepted too: several deployed gateways hash Status as one octet whatever the version.
 */
export function verifyAuthenticatorIsmg(received: Buffer, status: number, source: Buffer, secret: string, version: CmppVersion): boolean {
  if (authenticatorIsmg(status, source, secret, version).equals(received)) return true;
  return version === "3.0" && authenticatorIsmg(status, source, secret, "2.0").equals(received);
}

interface ClockParts {
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(d: Date): ClockParts {
  return { month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
}

function shiftedParts(d: Date, offsetMinutes: number): ClockParts {
  const s = new Date(d.getTime() + offsetMinutes * 60_000);
  return { month: s.getUTCMonth() + 1, day: s.getUTCDate(), hour: s.getUTCHours(), minute: s.getUTCMinutes(), second: s.getUTCSeconds() };
}
