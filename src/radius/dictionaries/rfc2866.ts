// Owns the RFC 2866 (RADIUS Accounting) attributes and values.
import type { DictionarySource } from '../dictionary.js';

/** RFC 2866 §5. */
export const rfc2866: DictionarySource = {
  vendors: [],
  attributes: [
    {
      name: 'Acct-Status-Type',
      type: 40,
      dataType: 'integer',
      values: {
        Start: 1,
        Stop: 2,
        'Interim-Update': 3,
        'Accounting-On': 7,
        'Accounting-Off': 8,
        Failed: 15,
      },
    },
    { name: 'Acct-Delay-Time', type: 41, dataType: 'integer' },
    { name: 'Acct-Input-Octets', type: 42, dataType: 'integer' },
    { name: 'Acct-Output-Octets', type: 43, dataType: 'integer' },
    { name: 'Acct-Session-Id', type: 44, dataType: 'string' },
    {
      name: 'Acct-Authentic',
      type: 45,
      dataType: 'integer',
      values: {
        RADIUS: 1,
        Local: 2,
        Remote: 3,
        Diameter: 4,
      },
    },
    { name: 'Acct-Session-Time', type: 46, dataType: 'integer' },
    { name: 'Acct-Input-Packets', type: 47, dataType: 'integer' },
    { name: 'Acct-Output-Packets', type: 48, dataType: 'integer' },
    {
      name: 'Acct-Terminate-Cause',
      type: 49,
      dataType: 'integer',
      values: {
        'User-Request': 1,
        'Lost-Carrier': 2,
        'Lost-Service': 3,
        'Idle-Timeout': 4,
        'Session-Timeout': 5,
        'Admin-Reset': 6,
        'Admin-Reboot': 7,
        'Port-Error': 8,
        'NAS-Error': 9,
        'NAS-Request': 10,
        'NAS-Reboot': 11,
        'Port-Unneeded': 12,
        'Port-Preempted': 13,
        'Port-Suspended': 14,
        'Service-Unavailable': 15,
        Callback: 16,
        'User-Error': 17,
        'Host-Request': 18,
      },
    },
    { name: 'Acct-Multi-Session-Id', type: 50, dataType: 'string' },
    { name: 'Acct-Link-Count', type: 51, dataType: 'integer' },
  ],
};
