/**
 * JSON parsing that never rounds large integers.
 *
 * JSMS answers `msg_id` sometimes as a string and sometimes as a bare JSON number (the single-send
 * example in Jiguang's own documentation is `{"msg_id": 288193860302}`), and callback `data` may carry
 * `msgId` as a number too. `JSON.parse` turns an integer above 2^53 into the nearest double, so two
 * different message ids could collide. Here an integer literal outside the safe range becomes a
 * `bigint`; everything else is exactly what `JSON.parse` would give.
 */

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = "JsonSyntaxError";
  }
}

/**
 * A safe integer has at most 16 digits, so text without a run of 16+ digits can go through the
 * native parser unchanged (fast path for the common case).
 */
const POSSIBLY_UNSAFE_INTEGER = /\d{16,}/;

export function parseJsonExact(text: string): JsonValue {
  if (!POSSIBLY_UNSAFE_INTEGER.test(text)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      // Fall through: the careful parser reports the error with our position and wording.
    }
  }
  return new ExactJsonParser(text).parseDocument();
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER_LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER_LITERAL = /^-?(?:0|[1-9]\d*)$/;

class ExactJsonParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) throw this.fail("Unexpected text after the JSON value");
    return value;
  }

  private fail(message: string): JsonSyntaxError {
    return new JsonSyntaxError(message, this.pos);
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private parseValue(): JsonValue {
    const ch = this.text[this.pos];
    switch (ch) {
      case "{":
        return this.parseObject();
      case "[":
        return this.parseArray();
      case '"':
        return this.parseString();
      case "t":
        return this.parseKeyword("true", true);
      case "f":
        return this.parseKeyword("false", false);
      case "n":
        return this.parseKeyword("null", null);
      case undefined:
        throw this.fail("Unexpected end of JSON input");
      default:
        if (ch === "-" || (ch >= "0" && ch <= "9")) return this.parseNumber();
        throw this.fail(`Unexpected character ${JSON.stringify(ch)}`);
    }
  }

  private parseKeyword<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw this.fail(`Unexpected character ${JSON.stringify(this.text[this.pos])}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number | bigint {
    NUMBER_LITERAL.lastIndex = this.pos;
    const match = NUMBER_LITERAL.exec(this.text);
    if (!match) throw this.fail("Invalid number");
    const literal = match[0];
    this.pos += literal.length;
    const asNumber = Number(literal);
    if (INTEGER_LITERAL.test(literal) && !Number.isSafeInteger(asNumber)) return BigInt(literal);
    return asNumber;
  }

  private parseString(): string {
    this.pos++; // opening quote
    let out = "";
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) throw this.fail("Unterminated string");
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) throw this.fail("Control character in string");
      if (code === 0x5c) {
        out += this.text.slice(chunkStart, this.pos);
        const escape = this.text[this.pos + 1];
        if (escape === "u") {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail("Invalid unicode escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else if (escape !== undefined && escape in ESCAPES) {
          out += ESCAPES[escape];
          this.pos += 2;
        } else {
          throw this.fail("Invalid escape");
        }
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private enter(): void {
    // Guards the recursion: a hostile body of 100k nested brackets must not blow the stack.
    if (++this.depth > 512) throw this.fail("JSON nested too deeply");
  }

  private parseArray(): JsonValue[] {
    this.enter();
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      this.depth--;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue());
      this.skipWhitespace();
      const ch = this.text[this.pos];
      if (ch === ",") {
        this.pos++;
        continue;
      }
      if (ch === "]") {
        this.pos++;
        this.depth--;
        return items;
      }
      throw this.fail(ch === undefined ? "Unexpected end of JSON input" : "Expected ',' or ']'");
    }
  }

  private parseObject(): { [key: string]: JsonValue } {
    this.enter();
    this.pos++;
    const result: { [key: string]: JsonValue } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      this.depth--;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') throw this.fail(this.atEnd() ? "Unexpected end of JSON input" : "Expected a property name");
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") throw this.fail(this.atEnd() ? "Unexpected end of JSON input" : "Expected ':'");
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue();
      // defineProperty so a "__proto__" key becomes an ordinary own property, as with JSON.parse.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const ch = this.text[this.pos];
      if (ch === ",") {
        this.pos++;
        continue;
      }
      if (ch === "}") {
        this.pos++;
        this.depth--;
        return result;
      }
      throw this.fail(ch === undefined ? "Unexpected end of JSON input" : "Expected ',' or '}'");
    }
  }
}
