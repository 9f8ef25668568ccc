/**
 * A path segment as the user typed it. Route params normally arrive decoded; a second decode of a
 * value holding a bare "%" would throw, so a value that does not decode is taken as it is.
 */
export function decodeSegment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
