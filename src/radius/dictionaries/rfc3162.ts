// Owns the RFC 3162 (RADIUS and IPv6) attributes.
import type { DictionarySource } from '../dictionary.js';

/** RFC 3162 §2. */
export const rfc3162: DictionarySource = {
  vendors: [],
  attributes: [
    { name: 'NAS-IPv6-Address', type: 95, dataType: 'ipv6addr' },
    { name: 'Framed-Interface-Id', type: 96, dataType: 'ifid' },
    { name: 'Framed-IPv6-Prefix', type: 97, dataType: 'ipv6prefix' },
    { name: 'Login-IPv6-Host', type: 98, dataType: 'ipv6addr' },
    { name: 'Framed-IPv6-Route', type: 99, dataType: 'string' },
    { name: 'Framed-IPv6-Pool', type: 100, dataType: 'string' },
  ],
};
