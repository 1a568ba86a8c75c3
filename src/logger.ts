// Structured JSON logs (pino). Credentials are redacted wherever they might
// appear in a logged object.
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'rolodex' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization', 'key', 'secretKey', 'publicKey'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
