import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Dashboard passwords, hashed with scrypt from node:crypto (no native addon to build) at the
 * cost OWASP's password storage guidance gives for scrypt: N = 2^17, r = 8, p = 1 (128 MiB of
 * memory per hash). The hash is a PHC string that carries its parameters, so raising the cost
 * later still verifies the old hashes (and `needsRehash` says to upgrade them at the next
 * sign-in).
 */
export interface ScryptCost {
  /** log2 of N, the CPU and memory cost. */
  ln: number;
  r: number;
  p: number;
}

export const PASSWORD_COST: ScryptCost = { ln: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** Passwords are 12 to 200 characters (PCI DSS 8.3.6: at least 12). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

function derive(password: string, salt: Buffer, cost: ScryptCost, length: number) {
  const options: ScryptOptions = {
    N: 2 ** cost.ln,
    r: cost.r,
    p: cost.p,
    // scrypt needs 128 * N * r bytes; node refuses above 32 MiB unless told.
    maxmem: 256 * 2 ** cost.ln * cost.r,
  };
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(
  password: string,
  cost: ScryptCost = PASSWORD_COST,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, cost, KEY_LENGTH);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([\w-]{16,})\$([\w-]{32,})$/;

function parse(hash: string) {
  const match = PHC.exec(hash);
  if (!match) throw new Error('not a scrypt PHC string');
  const [, ln, r, p, salt, key] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    cost: { ln: Number(ln), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt, 'base64url'),
    key: Buffer.from(key, 'base64url'),
  };
}

/** Whether `password` is the one `hash` was made from (compared in constant time). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const stored = parse(hash);
  const key = await derive(password, stored.salt, stored.cost, stored.key.length);
  return timingSafeEqual(key, stored.key);
}

/** A hash made at a lower cost than today's: rehash it when the password is next at hand. */
export function needsRehash(hash: string, cost: ScryptCost = PASSWORD_COST): boolean {
  const stored = parse(hash).cost;
  return stored.ln < cost.ln || stored.r < cost.r || stored.p < cost.p;
}

/**
 * A hash of no one's password, verified against when the email is unknown, so that an unknown
 * email takes as long to refuse as a wrong password (no user enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyHash(cost: ScryptCost = PASSWORD_COST): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('base64url'), cost);
  return decoy;
}
