type WebCrypto = typeof globalThis.crypto;
let nodeWebCrypto: Promise<WebCrypto> | undefined;

/**
 * Web Crypto. Every runtime the SDK supports has it on `globalThis`, except Node 18 without
 * `--experimental-global-webcrypto`; there it is `webcrypto` of Node's crypto module, loaded
 * only in that case. The specifier is computed so that bundlers for browsers and edge runtimes
 * do not follow it (and the build stays free of Node built-ins).
 */
export function webCrypto(): Promise<WebCrypto> {
  if (globalThis.crypto?.subtle) return Promise.resolve(globalThis.crypto);
  const specifier = ['node', 'crypto'].join(':');
  nodeWebCrypto ??= import(/* webpackIgnore: true */ /* @vite-ignore */ specifier).then(
    (module) => (module as { webcrypto: unknown }).webcrypto as WebCrypto,
  );
  return nodeWebCrypto;
}

/** A random UUID (v4). */
export async function uuid(): Promise<string> {
  const crypto = await webCrypto();
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
