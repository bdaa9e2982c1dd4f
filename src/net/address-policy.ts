// Which addresses an outbound request may reach. Loopback, private, link-local, shared (CGNAT), cloud metadata,
// multicast, reserved and unspecified ranges are forbidden; plain http is refused to any address the operator has not
// allowed. OUTBOUND_ALLOWED_NETWORKS (CIDR list, parsed like TRUSTED_PROXIES) opens ranges, for https and http alike.
import { BlockList, isIP } from 'node:net';
import { parseIpRange } from '../config/index.js';
import type { OutboundRefusalCode } from './errors.js';

/** Never reachable unless allowed: the networks an SSRF aims at. */
const FORBIDDEN: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['10.0.0.0', 8, 'ipv4'], // RFC 1918
  ['100.64.0.0', 10, 'ipv4'], // shared address space (CGNAT), RFC 6598
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, and the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'], // RFC 1918
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.168.0.0', 16, 'ipv4'], // RFC 1918
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['64:ff9b::', 96, 'ipv6'], // NAT64: would reach any IPv4 address, private ones included
  ['100::', 64, 'ipv6'], // discard
  ['fc00::', 7, 'ipv6'], // unique local (ULA), with the EC2 metadata address fd00:ec2::254
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

const LOOPBACK: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
];

function listOf(ranges: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family);
  return list;
}

const forbidden = listOf(FORBIDDEN);
const loopback = listOf(LOOPBACK);

export interface AddressPolicyOptions {
  /** CIDR ranges or single addresses the operator opens (OUTBOUND_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[];
  /** Loopback allowed, plain http included (NODE_ENV=development only). */
  allowLoopback?: boolean;
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries. */
export function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address: bare, family: version === 6 ? 'ipv6' : 'ipv4' };
}

export class AddressPolicy {
  private readonly allowed = new BlockList();
  private readonly allowLoopback: boolean;

  constructor(options: AddressPolicyOptions) {
    for (const entry of options.allowedNetworks) {
      const range = parseIpRange(entry);
      if (!range) throw new Error(`not an IP address or CIDR range: ${entry}`);
      if (range.prefix === undefined) this.allowed.addAddress(range.address, range.family);
      else this.allowed.addSubnet(range.address, range.prefix, range.family);
    }
    this.allowLoopback = options.allowLoopback ?? false;
  }

  /** Null when a request over `protocol` may connect to `address`; otherwise why not. */
  refusal(address: string, protocol: 'http:' | 'https:'): OutboundRefusalCode | null {
    const normalized = normalizeAddress(address);
    if (!normalized) return 'outbound_address_forbidden';
    const { address: ip, family } = normalized;
    if (this.allowed.check(ip, family)) return null;
    if (this.allowLoopback && loopback.check(ip, family)) return null;
    if (forbidden.check(ip, family)) return 'outbound_address_forbidden';
    return protocol === 'http:' ? 'outbound_plain_http' : null;
  }
}
