import { describe, expect, it } from "vitest";
import { parsePrometheusText, sampleValue } from "./prometheus-text";

/** The reader the metrics tests rely on must refuse what Prometheus would refuse. */
describe("the Prometheus text reader", () => {
  const good = [
    "# HELP up 1 when up",
    "# TYPE up gauge",
    'up{job="a\\"b",x="1"} 1',
    "# TYPE lat histogram",
    'lat_bucket{le="0.1"} 1',
    'lat_bucket{le="+Inf"} 2',
    "lat_sum 0.3",
    "lat_count 2",
    "",
  ].join("\n");

  it("reads families, labels with escapes and values", () => {
    const families = parsePrometheusText(good);
    expect(families.get("up")).toMatchObject({ type: "gauge", help: "1 when up" });
    expect(sampleValue(families, "up", { job: 'a"b' })).toBe(1);
    expect(sampleValue(families, "lat_count")).toBe(2);
  });

  it.each([
    ["a sample before its TYPE", "up 1\n"],
    ["a bad value", "# TYPE up gauge\nup one\n"],
    ["an unquoted label", "# TYPE up gauge\nup{a=1} 1\n"],
    ["a series twice", "# TYPE up gauge\nup 1\nup 2\n"],
    ["no final newline", "# TYPE up gauge\nup 1"],
    ["a histogram without +Inf", '# TYPE lat histogram\nlat_bucket{le="1"} 1\nlat_count 1\n'],
    ["a +Inf bucket unlike _count", '# TYPE lat histogram\nlat_bucket{le="+Inf"} 1\nlat_count 2\n'],
    ["falling buckets", '# TYPE lat histogram\nlat_bucket{le="1"} 2\nlat_bucket{le="2"} 1\nlat_bucket{le="+Inf"} 2\nlat_count 2\n'],
  ])("refuses %s", (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
