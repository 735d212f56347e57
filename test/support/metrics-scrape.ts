/**
 * Reading /metrics in tests through a Prometheus text-format parser: a scrape as data, and
 * the value of a counter, gauge or histogram count for a set of labels. The parser folds a
 * histogram's series into one sample and loses its labels when it has any besides `le`, so
 * histograms are handed to it untyped: their `_bucket`, `_sum` and `_count` series then
 * come out as plain labelled samples.
 */
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

export type Scrape = ParsedFamily[];

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const text = (await res.text()).replace(/^# TYPE \S+ histogram\n/gm, '');
  return parsePrometheusTextFormat(text);
}

const matches = (have: Record<string, string> | undefined, want: Record<string, string>): boolean =>
  Object.entries(want).every(([k, v]) => have?.[k] === v);

/** The family, or throws: a metric the service does not export is a failure, not a zero. */
export function family(s: Scrape, name: string): ParsedFamily {
  const f = s.find((x) => x.name === name);
  if (!f) throw new Error(`metric ${name} is not exported`);
  return f;
}

/** Sum of a counter's or gauge's samples whose labels include `labels` (0 when none has them yet). */
export function valueOf(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  family(s, name);
  // An untyped series interleaved with others comes out as several families of one name.
  return s
    .filter((f) => f.name === name)
    .flatMap((f) => f.metrics)
    .filter((m) => matches(m.labels, labels))
    .reduce((sum, m) => sum + Number(m.value), 0);
}

/** Sum of a histogram's observation counts whose labels include `labels`. */
export function countOf(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  family(s, name);
  return s.some((x) => x.name === `${name}_count`) ? valueOf(s, `${name}_count`, labels) : 0;
}

/** Every label value a family uses for `label`. */
export function labelValues(s: Scrape, name: string, label: string): string[] {
  return [...new Set(family(s, name).metrics.map((m) => m.labels?.[label]).filter((v): v is string => v !== undefined))];
}
