// Owns the RFC 2869 (RADIUS Extensions) attributes; EAP-Message and MA are in rfc3579.ts.
import type { DictionarySource } from '../dictionary.js';

/** RFC 2869 §5. */
export const rfc2869: DictionarySource = {
  vendors: [],
  attributes: [
    { name: 'Acct-Input-Gigawords', type: 52, dataType: 'integer' },
    { name: 'Acct-Output-Gigawords', type: 53, dataType: 'integer' },
    { name: 'Event-Timestamp', type: 55, dataType: 'date' },
    { name: 'ARAP-Password', type: 70, dataType: 'octets', length: 16 },
    { name: 'ARAP-Features', type: 71, dataType: 'octets', length: 14 },
    {
      name: 'ARAP-Zone-Access',
      type: 72,
      dataType: 'integer',
      values: {
        'Default-Zone': 1,
        'Zone-Filter-Inclusive': 2,
        'Zone-Filter-Exclusive': 4,
      },
    },
    { name: 'ARAP-Security', type: 73, dataType: 'integer' },
    { name: 'ARAP-Security-Data', type: 74, dataType: 'string' },
    { name: 'Password-Retry', type: 75, dataType: 'integer' },
    {
      name: 'Prompt',
      type: 76,
      dataType: 'integer',
      values: {
        'No-Echo': 0,
        Echo: 1,
      },
    },
    { name: 'Connect-Info', type: 77, dataType: 'string' },
    { name: 'Configuration-Token', type: 78, dataType: 'string' },
    { name: 'ARAP-Challenge-Response', type: 84, dataType: 'octets', length: 8 },
    { name: 'Acct-Interim-Interval', type: 85, dataType: 'integer' },
    { name: 'NAS-Port-Id', type: 87, dataType: 'string' },
    { name: 'Framed-Pool', type: 88, dataType: 'string' },
  ],
};
