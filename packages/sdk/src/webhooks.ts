import { webCrypto } from './crypto.ts';
import { KassaError } from './errors.ts';
import type { Event } from './generated/types.ts';

/** The signature did not verify, the header is malformed, or the timestamp is too old. */
export class KassaSignatureVerificationError extends KassaError {
  constructor(message: string) {
    super(message, { type: 'signature_verification_error' });
  }
}

const encoder = new TextEncoder();

async function hmacHex(secret: string, payload: string): Promise<string> {
  const { subtle } = await webCrypto();
  const key = await subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = await subtle.sign('HMAC', key, encoder.encode(payload));
  return [...new Uint8Array(signature)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two strings in time that depends only on their length, not on where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamp = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  return { timestamp, signatures };
}

const asText = (body: string | Uint8Array): string =>
  typeof body === 'string' ? body : new TextDecoder().decode(body);

/**
 * Webhook signatures: `Kassa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * with your endpoint's signing secret. While a secret is being rolled, a delivery carries one
 * `v1` per secret; any one that verifies is enough. Web Crypto only: it runs wherever fetch does.
 */
export class Webhooks {
  /**
   * Verifies a delivery and returns its event. Pass the body exactly as received (before any
   * JSON parsing: a re-serialized body does not verify). Throws
   * KassaSignatureVerificationError when the header is malformed, no signature matches, or the
   * timestamp is more than `toleranceSeconds` away from now (replayed deliveries).
   */
  async constructEvent(
    rawBody: string | Uint8Array,
    signatureHeader: string | null | undefined,
    secret: string,
    toleranceSeconds = 300,
  ): Promise<Event> {
    const body = asText(rawBody);
    if (!signatureHeader) {
      throw new KassaSignatureVerificationError('No Kassa-Signature header on this request.');
    }
    const { timestamp, signatures } = parseHeader(signatureHeader);
    if (!Number.isFinite(timestamp) || signatures.length === 0) {
      throw new KassaSignatureVerificationError(
        'Kassa-Signature is malformed: expected t=<timestamp>,v1=<signature>.',
      );
    }
    const expected = await hmacHex(secret, `${timestamp}.${body}`);
    // Every candidate is compared, so the time taken does not tell which one matched.
    let matched = false;
    for (const candidate of signatures) matched = constantTimeEqual(candidate, expected) || matched;
    if (!matched) {
      throw new KassaSignatureVerificationError(
        'No signature matches the body: check the endpoint secret, and pass the raw body.',
      );
    }
    if (toleranceSeconds > 0 && Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) {
      throw new KassaSignatureVerificationError(
        `The signature's timestamp is more than ${toleranceSeconds} s from now: a replayed delivery?`,
      );
    }
    return JSON.parse(body) as Event;
  }

  /** A valid Kassa-Signature for `payload`, to test your webhook handler. */
  async generateTestHeaderString(options: {
    payload: string;
    secret: string;
    /** Unix seconds; default now. */
    timestamp?: number;
  }): Promise<string> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    return `t=${timestamp},v1=${await hmacHex(options.secret, `${timestamp}.${options.payload}`)}`;
  }
}
