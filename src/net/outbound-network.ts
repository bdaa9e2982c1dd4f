// The one way jitbridge makes requests that an admin aims (outbound SCIM connectors, their token endpoints, SAML SP
// metadata): a fetch whose every connection is checked against the AddressPolicy at connect time. The check runs on
// the addresses DNS answered for that very connection (a custom lookup), so a name that resolves to a public address
// when saved and to 127.0.0.1 later (DNS rebinding) is refused; IP literals and redirects pass the same check.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import type { AppConfig } from '../config/index.js';
import { AddressPolicy, type AddressPolicyOptions } from './address-policy.js';
import { OutboundRefusedError, outboundRefusalOf, type OutboundRefusalCode } from './errors.js';

const SAVE_TIME_LOOKUP_MS = 3_000;

function describe(code: OutboundRefusalCode, host: string): string {
  return code === 'outbound_plain_http'
    ? `plain http to ${host} is refused; use https, or allow its network in OUTBOUND_ALLOWED_NETWORKS`
    : `${host} is in a network outbound requests may not reach (loopback, private, link-local, metadata); allow it in OUTBOUND_ALLOWED_NETWORKS`;
}

export class OutboundNetwork {
  readonly policy: AddressPolicy;
  private readonly agent: Agent;

  constructor(options: AddressPolicyOptions) {
    this.policy = new AddressPolicy(options);
    const guardedLookup =
      (protocol: 'http:' | 'https:'): LookupFunction =>
      (hostname, lookupOptions, callback) => {
        dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
          if (error) return callback(error, '', 0);
          // Every answer must pass: the connection may try any of them (happy eyeballs).
          for (const entry of addresses) {
            const code = this.policy.refusal(entry.address, protocol);
            if (code) return callback(new OutboundRefusedError(code, describe(code, `${hostname} (${entry.address})`)), '', 0);
          }
          if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
          const first = addresses[0]!;
          callback(null, first.address, first.family);
        });
      };
    const connectors = {
      'http:': buildConnector({ lookup: guardedLookup('http:') } as buildConnector.BuildOptions),
      'https:': buildConnector({ lookup: guardedLookup('https:') } as buildConnector.BuildOptions),
    };
    this.agent = new Agent({
      connect: (opts, callback) => {
        const protocol = opts.protocol === 'http:' ? 'http:' : 'https:';
        // An IP literal is never looked up, so it is judged here.
        const host = opts.hostname.replace(/^\[|\]$/g, '');
        if (isIP(host)) {
          const code = this.policy.refusal(host, protocol);
          if (code) return callback(new OutboundRefusedError(code, describe(code, host)), null);
        }
        return connectors[protocol](opts, callback);
      },
    });
  }

  /** fetch through the guard; a refusal is thrown as the OutboundRefusedError itself, not undici's "fetch failed". */
  readonly fetch: typeof fetch = async (input, init) => {
    try {
      const url = typeof input === 'string' || input instanceof URL ? input : input.url;
      return (await undiciFetch(url, { ...(init as object), dispatcher: this.agent } as Parameters<
        typeof undiciFetch
      >[1])) as unknown as Response;
    } catch (error) {
      throw outboundRefusalOf(error) ?? error;
    }
  };

  /**
   * The same rules when a URL is saved, for a friendly answer: throws OutboundRefusedError. A name that does not
   * resolve now passes (DNS may come later); the connect-time check still applies to every request.
   */
  async checkUrl(value: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OutboundRefusedError('outbound_url_invalid', 'not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError('outbound_url_invalid', 'not an http(s) URL');
    const protocol = url.protocol;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await resolveBriefly(host);
    for (const address of addresses) {
      const code = this.policy.refusal(address, protocol);
      if (code) throw new OutboundRefusedError(code, describe(code, isIP(host) ? host : `${host} (${address})`));
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function resolveBriefly(host: string): Promise<string[]> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), SAVE_TIME_LOOKUP_MS);
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      resolve(error ? [] : addresses.map((a) => a.address));
    });
  });
}

/** The outbound rules the configuration sets (OUTBOUND_ALLOWED_NETWORKS; loopback too under NODE_ENV=development). */
export function outboundNetworkFor(config: Pick<AppConfig, 'outboundAllowedNetworks' | 'outboundAllowLoopback'>): OutboundNetwork {
  return new OutboundNetwork({
    allowedNetworks: config.outboundAllowedNetworks ?? [],
    allowLoopback: config.outboundAllowLoopback ?? false,
  });
}
