// Owns the rule that the load generator only ever sends to the local machine (127.0.0.0/8 or ::1).
import { isIPv4, isIPv6 } from 'node:net';

/** Why a target was refused. */
export const TargetRefusal = {
  /** Not an IP literal; names are not resolved, so `localhost` cannot turn into a remote address. */
  NotAnIpAddress: 'not-an-ip-address',
  /** An IP address outside 127.0.0.0/8 and ::1. */
  NotLoopback: 'not-loopback',
} as const;
export type TargetRefusal = (typeof TargetRefusal)[keyof typeof TargetRefusal];

export type LoopbackTargetResult =
  | { ok: true; address: string; family: 'udp4' | 'udp6' }
  | { ok: false; reason: TargetRefusal };

/**
 * Accepts only a loopback IP literal as a load target. Load tests against production or a neighbour's server
 * are exactly what this tool must not make easy, so there is no override.
 * @param host - an IPv4 or IPv6 literal, or the name `localhost` (taken as 127.0.0.1 without a DNS lookup)
 * @returns the normalised address and socket type, or why it was refused
 */
export function checkLoopbackTarget(host: string): LoopbackTargetResult {
  const trimmed = host.trim();
  if (trimmed.toLowerCase() === 'localhost') return { ok: true, address: '127.0.0.1', family: 'udp4' };
  if (isIPv4(trimmed)) {
    return trimmed.split('.')[0] === '127'
      ? { ok: true, address: trimmed, family: 'udp4' }
      : { ok: false, reason: TargetRefusal.NotLoopback };
  }
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (isIPv6(bare)) {
    // A zone index (fe80::1%eth0) names a link, never the loopback interface.
    if (bare.includes('%')) return { ok: false, reason: TargetRefusal.NotLoopback };
    // The URL parser gives the canonical form, so 0:0:0:0:0:0:0:1 and ::0001 both become ::1.
    const canonical = new URL(`udp://[${bare}]`).hostname.slice(1, -1);
    return canonical === '::1'
      ? { ok: true, address: '::1', family: 'udp6' }
      : { ok: false, reason: TargetRefusal.NotLoopback };
  }
  return { ok: false, reason: TargetRefusal.NotAnIpAddress };
}
