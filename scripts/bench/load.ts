import autocannon from 'autocannon';

/** What one load run sends and how it judges each answer. */
export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  /** The body of the next request (rotating ids, counters…). */
  nextBody: () => string;
  /** True when a response body is a success; anything else fails the run. */
  check: (body: string) => boolean;
  /**
   * Overload runs: a `503` with a `Retry-After` header is an explicit shed, counted apart
   * (`shed`) instead of failing the run; any other non-2xx answer still counts as bad.
   */
  shedding?: boolean;
}

export interface Measurement {
  seconds: number;
  /** Responses with a 2xx status (each also passed `check` unless `bad` > 0). */
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** non-2xx (other than explicit sheds) + connection errors + timeouts + bodies that failed `check`. */
  bad: number;
  /** Explicit sheds: `503` with `Retry-After` (only when `spec.shedding`). */
  shed: number;
  /** Non-2xx answers other than explicit sheds. */
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  firstBadBody?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Drives `spec` with autocannon for `seconds` over `connections` keep-alive connections
 * (loopback only). Latencies are kept exactly (autocannon's own histogram rounds to whole
 * milliseconds, too coarse here), from the 'response' event of every 2xx answer.
 */
export function drive(spec: LoadSpec, options: { connections: number; seconds: number }): Promise<Measurement> {
  const host = new URL(spec.url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`refusing to load ${host}: loopback only`);
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let firstBadBody: string | undefined;
  let shed = 0;
  let shedMismatches = 0;
  // With shedding the status decides how a body is judged, so the judging moves from
  // verifyBody (which sees bodies only) to onResponse (status, body and headers).
  const judge = spec.shedding
    ? {
        onResponse: (status: number, text: string, _context: unknown, headers: Record<string, unknown>) => {
          if (status >= 200 && status <= 299) {
            if (spec.check(text)) return;
            shedMismatches++;
          } else if (status === 503 && Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after')) {
            shed++;
            return;
          }
          if (firstBadBody === undefined) firstBadBody = `${status} ${text.slice(0, 600)}`;
        },
      }
    : {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: 'POST',
        connections: options.connections,
        duration: options.seconds,
        headers: spec.headers,
        timeout: 10,
        requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: spec.nextBody() }), ...judge }],
        verifyBody: spec.shedding
          ? undefined
          : (body: string) => {
              const ok = spec.check(body);
              if (!ok && firstBadBody === undefined) firstBadBody = body.slice(0, 600);
              return ok;
            },
      } as autocannon.Options,
      (error, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const sorted = latencies.slice(0, count).sort();
        let sum = 0;
        for (const value of sorted) sum += value;
        const mismatches = (result.mismatches ?? 0) + shedMismatches;
        const non2xx = result.non2xx - shed;
        const bad = non2xx + result.errors + result.timeouts + mismatches;
        resolve({
          seconds: result.duration,
          requests: count,
          rps: count / result.duration,
          p50: percentile(sorted, 50),
          p90: percentile(sorted, 90),
          p99: percentile(sorted, 99),
          mean: count ? sum / count : Number.NaN,
          bad,
          shed,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          mismatches,
          firstBadBody,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode < 200 || statusCode > 299) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
}

/** Median of numbers (mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
