// The address of the person behind a request, for throttling and audit. The socket's peer is the truth unless
// that peer is a proxy the operator named in TRUSTED_PROXIES: then X-Forwarded-For is read from the right,
// skipping trusted hops, and the first address not trusted is the client. Reading from the left would let a
// client pick its own address by sending the header itself.
import { BlockList, isIP } from 'node:net';
import { parseIpRange } from '../config/index.js';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly isEmpty: boolean;

  /** Entries are IP addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`); throws on anything else. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseIpRange(entry);
      if (!parsed) throw new Error(`not an IP address or CIDR range: '${entry}'`);
      if (parsed.prefix === undefined) this.list.addAddress(parsed.address, parsed.family);
      else this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.isEmpty = entries.length === 0;
  }

  has(address: string): boolean {
    const plain = normalize(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:192.0.2.1` (how Node shows IPv4 on a dual-stack socket) → `192.0.2.1`; brackets and zone ids dropped. */
function normalize(address: string): string {
  const trimmed = address
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

/** The client's address given the socket peer and the X-Forwarded-For header(s). */
export function resolveClientAddress(
  peer: string | null | undefined,
  forwardedFor: string | null | undefined,
  trusted: TrustedProxies,
): string | null {
  if (!peer) return null;
  const address = normalize(peer);
  if (trusted.isEmpty || !trusted.has(address) || !forwardedFor) return address;
  const hops = forwardedFor
    .split(',')
    .map((hop) => normalize(hop))
    .filter((hop) => hop.length > 0);
  let client = address;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    // A hop that is not an address (a forged or broken header) ends the walk: the last trusted hop's word
    // is all that can be believed.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}
