// Owns the RFC 3579 (RADIUS support for EAP) attributes.
import type { DictionarySource } from '../dictionary.js';

/** RFC 3579 §3.1 (EAP-Message, concatenated across attributes) and §3.2 (Message-Authenticator). */
export const rfc3579: DictionarySource = {
  vendors: [],
  attributes: [
    { name: 'EAP-Message', type: 79, dataType: 'octets' },
    { name: 'Message-Authenticator', type: 80, dataType: 'octets', length: 16 },
  ],
};
