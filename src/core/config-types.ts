import { Type } from '@sinclair/typebox';

/** TLS files for a server (PEM). */
export const TlsConfigSchema = Type.Object(
  { cert_file: Type.String({ minLength: 1 }), key_file: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

/** A TCP port; 0 asks the OS for a free one. */
export const PortSchema = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback });

/** Log level names pino knows. */
export const LogLevelSchema = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { default: 'info' },
);
