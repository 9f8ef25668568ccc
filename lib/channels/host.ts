/**
 * Gateway addresses: an IPv4 address, an IPv6 address or a DNS host name (RFC 1123).
 * Pure string checks, so the same rule runs in the browser form and on the server.
 */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

export function isIPv6(value: string): boolean {
  if (!value.includes(":") || !/^[0-9a-f:.]+$/i.test(value)) return false;
  try {
    // The URL parser implements the full IPv6 grammar (compression, embedded IPv4).
    new URL(`http://[${value}]/`);
    return true;
  } catch {
    return false;
  }
}

export function isHostName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  // A name made only of digits and dots is a malformed IPv4 address, not a host name.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

export function isValidHost(value: string): boolean {
  return isIPv4(value) || isIPv6(value) || isHostName(value);
}
