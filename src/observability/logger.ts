import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. pino's own redaction covers the fixed paths (headers); variables
 * go through redactSecrets before they are logged.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'clavis' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.authorization'], censor: '[redacted]' },
    },
    options.destination,
  );
}
