import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. pino's own redaction covers the fixed paths (headers); GraphQL
 * variables and query text are never logged. Standard output is written
 * asynchronously (one write per request was a measurable share of a small request); call
 * `flushLogs` before exiting.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'clavis' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.authorization'], censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out whatever the asynchronous destination still holds. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
