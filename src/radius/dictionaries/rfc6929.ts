// Owns the RFC 6929 extended attribute space placeholders (types 241–246).
import type { DictionarySource } from '../dictionary.js';

/**
 * RFC 6929 §2.1/§2.2: these are containers. Attributes inside them are defined with `type` = the parent
 * (241–246) and `extendedType` = the Extended-Type, e.g. `{ type: 241, extendedType: 1 }` for 241.1.
 */
export const rfc6929: DictionarySource = {
  vendors: [],
  attributes: [
    { name: 'Extended-Attribute-1', type: 241, dataType: 'extended' },
    { name: 'Extended-Attribute-2', type: 242, dataType: 'extended' },
    { name: 'Extended-Attribute-3', type: 243, dataType: 'extended' },
    { name: 'Extended-Attribute-4', type: 244, dataType: 'extended' },
    { name: 'Extended-Attribute-5', type: 245, dataType: 'long-extended' },
    { name: 'Extended-Attribute-6', type: 246, dataType: 'long-extended' },
  ],
};
