// Owns turning a NAS-supplied Calling-Station-Id into the text shown on the phone and in the sign-in history.

const utf8 = new TextDecoder();
/** SECURITY A7.9: what the phone shows is bounded; so is the history's `userIp`. */
const MAX_STATION_CHARS = 64;

/**
 * Calling-Station-Id (RFC 2865 §5.31) as text: printable ASCII only (anything else becomes `?`), at most 64
 * characters. The NAS chooses these octets, so nothing in them may reach a log line, a phone or a page unchecked.
 * @param octets the attribute's value as received
 * @returns the text; '' for no octets
 */
export function stationText(octets: Uint8Array): string {
  const bounded = octets.length > MAX_STATION_CHARS ? octets.subarray(0, MAX_STATION_CHARS) : octets;
  // Most NASes send an address or a MAC: printable ASCII, for which no decoder call or regex is needed.
  for (let i = 0; i < bounded.length; i++) {
    const c = bounded[i]!;
    if (c < 0x20 || c > 0x7e) return utf8.decode(bounded).replace(/[^\x20-\x7e]/g, '?');
  }
  return String.fromCharCode.apply(null, bounded as unknown as number[]);
}
