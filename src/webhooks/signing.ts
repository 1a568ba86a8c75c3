// Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256>`
// of `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the bytes of the
// secret after `whsec_` (base64). Receivers verify them with any Standard
// Webhooks library (docs/api.md, "Webhooks").
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: its bytes (to seal and keep) and the text shown once to the client. */
export function newSigningSecret(): { bytes: Buffer; text: string } {
  const bytes = randomBytes(SECRET_BYTES);
  return { bytes, text: `${SECRET_PREFIX}${bytes.toString('base64')}` };
}

/** The webhook-signature header's value. `timestamp` in whole seconds since the epoch. */
export function signature(secret: Buffer, messageId: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${messageId}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}
