// An IP address or CIDR range as written in configuration (`192.0.2.7`, `10.0.0.0/8`, `fd00::/8`).
import { isIP } from 'node:net';

export type IpRange = { address: string; family: 'ipv4' | 'ipv6'; prefix?: number };

export function parseIpRange(entry: string): IpRange | null {
  const [address = '', prefixText, extra] = entry.trim().split('/');
  if (extra !== undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const family = version === 6 ? 'ipv6' : 'ipv4';
  if (prefixText === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > (version === 6 ? 128 : 32)) return null;
  return { address, family, prefix };
}
