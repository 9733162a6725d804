// Owns the RFC 5176 (Dynamic Authorization, obsoletes RFC 3576) attribute and values.
import type { DictionarySource } from '../dictionary.js';

/** RFC 5176 §3.5 Error-Cause; plus the Service-Type value Authorize-Only (17) it adds. */
export const rfc5176: DictionarySource = {
  vendors: [],
  attributes: [
    {
      name: 'Error-Cause',
      type: 101,
      dataType: 'integer',
      values: {
        'Residual-Context-Removed': 201,
        'Invalid-EAP-Packet': 202,
        'Unsupported-Attribute': 401,
        'Missing-Attribute': 402,
        'NAS-Identification-Mismatch': 403,
        'Invalid-Request': 404,
        'Unsupported-Service': 405,
        'Unsupported-Extension': 406,
        'Invalid-Attribute-Value': 407,
        'Administratively-Prohibited': 501,
        'Proxy-Request-Not-Routable': 502,
        'Session-Context-Not-Found': 503,
        'Session-Context-Not-Removable': 504,
        'Proxy-Processing-Error': 505,
        'Resources-Unavailable': 506,
        'Request-Initiated': 507,
        'Multiple-Session-Selection-Unsupported': 508,
      },
    },
  ],
  values: [{ attribute: 'Service-Type', name: 'Authorize-Only', value: 17 }],
};
