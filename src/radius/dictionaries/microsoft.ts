// Owns the Microsoft vendor attributes (vendor 311, RFC 2548) used by MS-CHAP peers.
import type { DictionarySource } from '../dictionary.js';

/** RFC 2548 §2, numbers as in FreeRADIUS's dictionary.microsoft; a subset (MS-CHAP, MPPE, DNS). */
export const microsoft: DictionarySource = {
  vendors: [{ name: 'Microsoft', id: 311 }],
  attributes: [
    { name: 'MS-CHAP-Response', type: 1, vendorId: 311, dataType: 'octets', length: 50 },
    { name: 'MS-CHAP-Error', type: 2, vendorId: 311, dataType: 'string' },
    { name: 'MS-CHAP-CPW-1', type: 3, vendorId: 311, dataType: 'octets', length: 70 },
    { name: 'MS-CHAP-CPW-2', type: 4, vendorId: 311, dataType: 'octets', length: 84 },
    { name: 'MS-CHAP-LM-Enc-PW', type: 5, vendorId: 311, dataType: 'octets' },
    { name: 'MS-CHAP-NT-Enc-PW', type: 6, vendorId: 311, dataType: 'octets' },
    {
      name: 'MS-MPPE-Encryption-Policy',
      type: 7,
      vendorId: 311,
      dataType: 'integer',
      values: {
        'Encryption-Allowed': 1,
        'Encryption-Required': 2,
      },
    },
    {
      name: 'MS-MPPE-Encryption-Types',
      type: 8,
      vendorId: 311,
      dataType: 'integer',
      values: {
        'RC4-40bit-Allowed': 1,
        'RC4-128bit-Allowed': 2,
        'RC4-40or128-bit-Allowed': 6,
      },
    },
    { name: 'MS-RAS-Vendor', type: 9, vendorId: 311, dataType: 'integer' },
    { name: 'MS-CHAP-Domain', type: 10, vendorId: 311, dataType: 'string' },
    { name: 'MS-CHAP-Challenge', type: 11, vendorId: 311, dataType: 'octets' },
    { name: 'MS-CHAP-MPPE-Keys', type: 12, vendorId: 311, dataType: 'octets', length: 24, encrypt: 1 },
    {
      name: 'MS-BAP-Usage',
      type: 13,
      vendorId: 311,
      dataType: 'integer',
      values: {
        'Not-Allowed': 0,
        Allowed: 1,
        Required: 2,
      },
    },
    { name: 'MS-Link-Utilization-Threshold', type: 14, vendorId: 311, dataType: 'integer' },
    { name: 'MS-Link-Drop-Time-Limit', type: 15, vendorId: 311, dataType: 'integer' },
    { name: 'MS-MPPE-Send-Key', type: 16, vendorId: 311, dataType: 'octets', encrypt: 2 },
    { name: 'MS-MPPE-Recv-Key', type: 17, vendorId: 311, dataType: 'octets', encrypt: 2 },
    { name: 'MS-RAS-Version', type: 18, vendorId: 311, dataType: 'string' },
    { name: 'MS-CHAP2-Response', type: 25, vendorId: 311, dataType: 'octets', length: 50 },
    { name: 'MS-CHAP2-Success', type: 26, vendorId: 311, dataType: 'octets' },
    { name: 'MS-CHAP2-CPW', type: 27, vendorId: 311, dataType: 'octets', length: 68 },
    { name: 'MS-Primary-DNS-Server', type: 28, vendorId: 311, dataType: 'ipaddr' },
    { name: 'MS-Secondary-DNS-Server', type: 29, vendorId: 311, dataType: 'ipaddr' },
    { name: 'MS-Primary-NBNS-Server', type: 30, vendorId: 311, dataType: 'ipaddr' },
    { name: 'MS-Secondary-NBNS-Server', type: 31, vendorId: 311, dataType: 'ipaddr' },
  ],
};
