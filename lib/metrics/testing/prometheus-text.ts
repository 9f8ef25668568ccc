/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), for tests: every line
 * must be a HELP, a TYPE or a sample; a sample's family must have a TYPE before it; names, label
 * names, escapes and values must be well-formed; no series may appear twice; a histogram's
 * buckets must rise with `le`, end with +Inf and agree with its _count. prom-client's own parser
 * is not public, and a test that only checks for substrings would pass on broken output.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]Inf)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function fail(line: number, text: string, why: string): never {
  throw new Error(`line ${line}: ${why}: ${JSON.stringify(text)}`);
}

function parseValue(raw: string): number {
  if (raw === "+Inf") return Infinity;
  if (raw === "-Inf") return -Infinity;
  return Number(raw);
}

/** Labels from just after "{" to the closing "}"; answers them and the index after "}". */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    if (text[i] === "}") return { labels, end: i + 1 };
    const eq = text.indexOf("=", i);
    if (eq < 0) fail(line, text, "a label without =");
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(line, text, `bad label name ${name}`);
    if (name in labels) fail(line, text, `label ${name} twice`);
    if (text[eq + 1] !== '"') fail(line, text, "a label value must be quoted");
    let value = "";
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === "\\") {
        const next = text[++j];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else fail(line, text, `bad escape \\${next}`);
      } else if (text[j] === "\n") {
        fail(line, text, "a raw newline in a label value");
      } else {
        value += text[j];
      }
    }
    if (j >= text.length) fail(line, text, "an unterminated label value");
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail(line, text, "labels must be separated by commas");
  }
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket"))) return family;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  text
    .slice(0, -1)
    .split("\n")
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw === "") return;
      if (raw.startsWith("#")) {
        const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
        if (!match) return; // a plain comment
        const [, kind, name, rest] = match as unknown as [string, string, string, string];
        if (!METRIC_NAME.test(name)) fail(line, raw, "bad metric name");
        if (kind === "HELP") {
          if (helps.has(name)) fail(line, raw, "HELP twice");
          helps.set(name, rest);
        } else {
          if (families.has(name)) fail(line, raw, "TYPE twice");
          if (!TYPES.has(rest)) fail(line, raw, `unknown type ${rest}`);
          families.set(name, { name, type: rest as Family["type"], help: helps.get(name) ?? "", samples: [] });
        }
        return;
      }
      const nameEnd = raw.search(/[{ ]/);
      if (nameEnd <= 0) fail(line, raw, "a sample needs a name and a value");
      const name = raw.slice(0, nameEnd);
      if (!METRIC_NAME.test(name)) fail(line, raw, "bad metric name");
      let labels: Record<string, string> = {};
      let rest = raw.slice(nameEnd);
      if (rest.startsWith("{")) {
        const parsed = parseLabels(raw, nameEnd + 1, line);
        labels = parsed.labels;
        rest = raw.slice(parsed.end);
      }
      const parts = rest.split(" ");
      if (parts[0] !== "" || parts.length < 2 || parts.length > 3) fail(line, raw, "expected one space, a value and maybe a timestamp");
      if (!VALUE.test(parts[1]!)) fail(line, raw, "bad value");
      if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) fail(line, raw, "bad timestamp");
      const family = familyOf(name, families);
      if (!family) fail(line, raw, "a sample before its TYPE");
      const key = `${name}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",")}}`;
      if (seen.has(key)) fail(line, raw, "a series twice");
      seen.add(key);
      family.samples.push({ name, labels, value: parseValue(parts[1]!) });
    });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push([parseValue(le), sample.value]);
    } else if (sample.name === `${family.name}_count`) {
      entry.count = sample.value;
    }
  }
  for (const [key, { buckets, count }] of series) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]![0] > buckets[i - 1]![0]) || buckets[i]![1] < buckets[i - 1]![1]) throw new Error(`${family.name} ${key}: buckets must rise`);
    }
    const last = buckets[buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${family.name} ${key}: no +Inf bucket`);
    if (last[1] !== count) throw new Error(`${family.name} ${key}: +Inf bucket ${last[1]} but _count ${count}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return undefined;
}
