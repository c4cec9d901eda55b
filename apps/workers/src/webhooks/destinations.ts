import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AddressClass, addressClass, literalAddress } from '@kassa/webhooks';
import { Agent } from 'undici';

/** Every address a host name resolves to, as the system resolver answers (`dns.lookup`). */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

export const systemResolver: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * A delivery refused for where it would go. The message names only the address and its class
 * (never what else the name resolves to): it is recorded as the attempt's error, which the
 * merchant sees.
 */
export class DestinationForbiddenError extends Error {
  readonly code = 'destination_forbidden';

  constructor(
    readonly address: string,
    readonly addressClass: AddressClass,
  ) {
    super(`destination_forbidden: ${address} is ${addressClass}`);
    this.name = 'DestinationForbiddenError';
  }
}

export interface DestinationOptions {
  resolveHost?: ResolveHost;
  /** Hosts (names or addresses) that may be non-public, for local development and tests. */
  allowPrivateHosts?: readonly string[];
  connectTimeoutMs: number;
}

/**
 * Where webhook deliveries may go: only to public addresses (SSRF). The check runs inside the
 * socket's own lookup, so the addresses vetted are exactly the ones the socket connects to; a
 * name that answers a public address to the check and a private one to the connection (DNS
 * rebinding) cannot happen, because there is only one lookup. If any address of a name is not
 * public the delivery is refused, rather than picking a public one: the name's owner means it.
 *
 * Allowed hosts skip the check, except for cloud metadata addresses, which no webhook needs.
 */
export class DeliveryDestinations {
  private readonly resolveHost: ResolveHost;
  private readonly allowed: ReadonlySet<string>;
  private current: Agent;

  constructor(private readonly options: DestinationOptions) {
    this.resolveHost = options.resolveHost ?? systemResolver;
    this.allowed = new Set((options.allowPrivateHosts ?? []).map(normalizeHost));
    this.current = this.newAgent();
  }

  /** The HTTP agent deliveries are sent through: its connections are made to vetted addresses. */
  get agent(): Agent {
    return this.current;
  }

  /**
   * The refusal of a URL whose host is written as an address. A socket never looks such a host
   * up, so the agent's check does not see it: it is vetted here, before the request.
   */
  refusalOf(url: URL): DestinationForbiddenError | undefined {
    const address = literalAddress(url.hostname);
    return address === undefined ? undefined : this.refusal(url.hostname, address);
  }

  /** Closes the connections kept alive; deliveries after this use a fresh agent. */
  async close(): Promise<void> {
    const closing = this.current;
    this.current = this.newAgent();
    await closing.close();
  }

  private refusal(host: string, address: string): DestinationForbiddenError | undefined {
    const kind = addressClass(address);
    if (kind === 'public') return undefined;
    if (kind !== 'metadata' && this.allowed.has(normalizeHost(host))) return undefined;
    return new DestinationForbiddenError(address, kind);
  }

  /** Resolves once and vets every address; what it returns is what the socket connects to. */
  private async vetted(hostname: string): Promise<LookupAddress[]> {
    const addresses = await this.resolveHost(hostname);
    const entries = addresses.map((address) => {
      const family = isIP(address);
      if (family === 0) throw new Error(`the resolver answered something that is not an address`);
      return { address, family };
    });
    if (entries.length === 0)
      throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
    for (const { address } of entries) {
      const refusal = this.refusal(hostname, address);
      if (refusal) throw refusal;
    }
    return entries;
  }

  private newAgent(): Agent {
    return new Agent({
      connect: {
        timeout: this.options.connectTimeoutMs,
        // net.connect (and tls.connect) call this instead of dns.lookup for a host name. With
        // `all` (Node's happy eyeballs) it wants every address, otherwise one.
        lookup: (hostname: string, options: LookupOptions, callback: LookupCallback) => {
          this.vetted(hostname).then(
            (entries) => {
              const family = options.family === 4 || options.family === 6 ? options.family : 0;
              const wanted = family ? entries.filter((e) => e.family === family) : entries;
              const [first] = wanted;
              if (!first) {
                const error = Object.assign(new Error(`no IPv${family} address for ${hostname}`), {
                  code: 'ENOTFOUND',
                });
                callback(error, '', 0);
              } else if (options.all) callback(null, wanted);
              else callback(null, first.address, first.family);
            },
            (error: NodeJS.ErrnoException) => callback(error, '', 0),
          );
        },
      },
    });
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** How hosts compare: `[::1]`, `0:0:0:0:0:0:0:1` and `::1`; `LocalHost.` and `localhost`. */
function normalizeHost(host: string): string {
  const bare = (literalAddress(host) ?? host).toLowerCase().replace(/\.$/, '');
  // The URL parser writes an IPv6 address the way it writes it in endpoint URLs.
  if (isIP(bare) !== 6) return bare;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare; // a zone id (fe80::1%eth0): no URL names one, so it matches nothing
  }
}
