// Unit tests for the dictionary and the built-in data files (RFC 2865/2866/2869/3162/3579/5176/6929, vendors).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RadiusCodecErrorCode } from '../../src/radius/codec-error.js';
import { Dictionary, standardDictionary, standardSources } from '../../src/radius/dictionary.js';

describe('standardDictionary', () => {
  const dictionary = standardDictionary();

  it('finds standard attributes by name (case-insensitive) and by code', () => {
    assert.equal(dictionary.byName('User-Name')?.type, 1);
    assert.equal(dictionary.byName('user-name')?.type, 1);
    assert.equal(dictionary.byCode(80)?.name, 'Message-Authenticator');
    assert.equal(dictionary.byCode(101)?.name, 'Error-Cause');
    assert.equal(dictionary.byCode(97)?.dataType, 'ipv6prefix');
    assert.equal(dictionary.byCode(245)?.dataType, 'long-extended');
    assert.equal(dictionary.byCode(17), undefined);
  });

  it('holds the Fortinet attributes FortiGate reads (vendor 12356)', () => {
    assert.equal(dictionary.vendorId('Fortinet'), 12356);
    assert.equal(dictionary.vendorName(12356), 'Fortinet');
    const group = dictionary.byName('Fortinet-Group-Name');
    assert.deepEqual(group, { name: 'Fortinet-Group-Name', type: 1, vendorId: 12356, dataType: 'string' });
    assert.equal(dictionary.byCode(2, 12356)?.name, 'Fortinet-Client-IP-Address');
    assert.equal(dictionary.byCode(6, 12356)?.name, 'Fortinet-Access-Profile');
    assert.equal(dictionary.byCode(1)?.name, 'User-Name', 'vendor codes do not shadow standard ones');
  });

  it('holds named values, including those another RFC adds (RFC 5176 Authorize-Only)', () => {
    const service = dictionary.byName('Service-Type')!;
    assert.equal(service.values?.['Login-User'], 1);
    assert.equal(service.values?.['Authorize-Only'], 17);
    assert.equal(dictionary.valueName(service, 2), 'Framed-User');
    assert.equal(dictionary.valueName(service, 99), undefined);
    assert.equal(dictionary.valueName(dictionary.byName('User-Name')!, 1), undefined);
  });

  it('has no duplicate names or codes within the built-in data files', () => {
    const names = new Set<string>();
    const codes = new Set<string>();
    for (const source of standardSources) {
      for (const def of source.attributes) {
        const code = `${def.vendorId ?? 0}/${def.extendedType ?? 0}/${def.type}`;
        assert.ok(!names.has(def.name.toLowerCase()), `duplicate ${def.name}`);
        assert.ok(!codes.has(code), `duplicate code ${code} (${def.name})`);
        names.add(def.name.toLowerCase());
        codes.add(code);
        assert.ok(def.type >= 1 && def.type <= 255, def.name);
        if (def.vendorId !== undefined)
          assert.ok(
            source.vendors.some((v) => v.id === def.vendorId),
            def.name,
          );
      }
    }
  });

  it('returns a fresh dictionary each call, so one site cannot change another', () => {
    const a = standardDictionary();
    a.add([{ name: 'Site-Thing', type: 250, dataType: 'string' }]);
    assert.equal(standardDictionary().byName('Site-Thing'), undefined);
  });
});

describe('Dictionary', () => {
  it('lets later definitions replace earlier ones, by name and by code', () => {
    const d = new Dictionary();
    d.add([{ name: 'A', type: 200, dataType: 'string' }]);
    d.add([{ name: 'A', type: 200, dataType: 'octets' }]);
    assert.equal(d.byName('a')?.dataType, 'octets');
    assert.equal(d.byCode(200)?.dataType, 'octets');
  });

  it('keys extended attributes by parent type and Extended-Type (RFC 6929)', () => {
    const d = new Dictionary();
    d.add([{ name: 'Ext-1', type: 241, extendedType: 1, dataType: 'integer' }]);
    assert.equal(d.byCode(241, undefined, 1)?.name, 'Ext-1');
    assert.equal(d.byCode(241), undefined);
  });

  it('knows a vendor when it is declared or has attributes', () => {
    const d = new Dictionary();
    assert.equal(d.hasVendor(9), false);
    d.add([{ name: 'Cisco-AVPair', type: 1, vendorId: 9, dataType: 'string' }]);
    assert.equal(d.hasVendor(9), true);
    d.addVendors([{ name: 'Other', id: 10 }]);
    assert.equal(d.hasVendor(10), true);
    assert.equal(d.vendorId('other'), 10);
  });

  it('adds values to known attributes and throws for unknown ones', () => {
    const d = new Dictionary();
    d.add([{ name: 'Color', type: 200, dataType: 'integer' }]);
    d.addValues([{ attribute: 'color', name: 'Red', value: 1 }]);
    d.addValues([{ attribute: 'Color', name: 'Blue', value: 2 }]);
    assert.deepEqual(d.byCode(200)?.values, { Red: 1, Blue: 2 });
    assert.throws(() => d.addValues([{ attribute: 'Nope', name: 'X', value: 1 }]), {
      code: RadiusCodecErrorCode.UnknownAttribute,
    });
  });
});
