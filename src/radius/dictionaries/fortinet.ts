// Owns the Fortinet vendor attributes (vendor 12356), the reply attributes FortiGate reads.
import type { DictionarySource } from '../dictionary.js';

/**
 * Types 1–6 as in FreeRADIUS 3.x share/dictionary.fortinet; 7–42 as in FreeRADIUS 4's
 * share/dictionary/radius/dictionary.fortinet (from Fortinet KB FD36919), with the `Fortinet-` prefix
 * that the 3.x names carry.
 */
export const fortinet: DictionarySource = {
  vendors: [{ name: 'Fortinet', id: 12356 }],
  attributes: [
    { name: 'Fortinet-Group-Name', type: 1, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Client-IP-Address', type: 2, vendorId: 12356, dataType: 'ipaddr' },
    { name: 'Fortinet-Vdom-Name', type: 3, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Client-IPv6-Address', type: 4, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-Interface-Name', type: 5, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Access-Profile', type: 6, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-SSID', type: 7, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-AP-Name', type: 8, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FAC-Auth-Status', type: 11, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FAC-Token-ID', type: 12, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FAC-Challenge-Code', type: 15, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Webfilter-Category-Allow', type: 16, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-Webfilter-Category-Block', type: 17, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-Webfilter-Category-Monitor', type: 18, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-AppCtrl-Category-Allow', type: 19, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-AppCtrl-Category-Block', type: 20, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-AppCtrl-Risk-Allow', type: 21, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-AppCtrl-Risk-Block', type: 22, vendorId: 12356, dataType: 'octets' },
    { name: 'Fortinet-WirelessController-Device-MAC', type: 23, vendorId: 12356, dataType: 'ether' },
    { name: 'Fortinet-WirelessController-WTP-ID', type: 24, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-WirelessController-Assoc-Time', type: 25, vendorId: 12356, dataType: 'date' },
    { name: 'Fortinet-FortiWAN-AVPair', type: 26, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-Access-Profile', type: 30, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-Trusted-Hosts', type: 31, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-SPP-Name', type: 32, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-Is-System-Admin', type: 33, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-Is-SPP-Admin', type: 34, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-SPP-Policy-Group', type: 35, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-FDD-Allow-API-Access', type: 36, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Fpc-User-Role', type: 40, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Tenant-Identification', type: 41, vendorId: 12356, dataType: 'string' },
    { name: 'Fortinet-Host-Port-AVPair', type: 42, vendorId: 12356, dataType: 'string' },
  ],
};
