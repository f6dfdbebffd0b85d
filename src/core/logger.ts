import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Query parameters that carry secrets (signed URLs, passkeys) and never reach a log. */
const SECRET_QUERY = /([?&](?:sig|signature|passkey|token)=)[^&]*/gi;

/** A URL as it may be logged: secret query values replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

/** pino options every service shares: secrets redacted, URLs cleaned, levels by name. */
export function loggerOptions(level = 'info'): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-auth-token"]',
        'req.headers["x-subject-token"]',
        'headers.authorization',
        'headers["x-auth-token"]',
        '*.token',
        '*.password',
        '*.secret_access_key',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }) {
        return { method: req.method, url: redactUrl(req.url ?? ''), remoteAddress: req.ip ?? req.socket?.remoteAddress };
      },
    },
  };
}

/** The process logger: JSON lines on stderr so stdout stays free for command output. */
export function createLogger(level = process.env.GLANCE_P2P_LOG_LEVEL ?? 'info'): Logger {
  return pino(loggerOptions(level), pino.destination(2));
}
