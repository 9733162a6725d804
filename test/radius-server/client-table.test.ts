import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '../../src/domain/client.js';
import { ClientTable } from '../../src/radius-server/client-table.js';
import { cidrContains, parseAddress, parseCidr } from '../../src/radius-server/ip-address.js';

const client = (name: string, address: string): Client => ({
  id: 1,
  name,
  address,
  secret: new Uint8Array(16),
  requireMessageAuthenticator: true,
  limitProxyState: true,
  nasTimeout: 60,
  createdAt: '',
});

test('finds a client by its exact IPv4 address, also as an IPv4-mapped IPv6 source (RFC 2865 §2)', () => {
  const table = new ClientTable([client('fw', '192.0.2.1')]);
  assert.equal(table.find('192.0.2.1')?.name, 'fw');
  assert.equal(table.find('::ffff:192.0.2.1')?.name, 'fw');
  assert.equal(table.find('192.0.2.2'), undefined);
});

test('finds IPv6 clients whatever the spelling of the address', () => {
  const table = new ClientTable([client('v6', '2001:db8::1'), client('lo', '::1')]);
  assert.equal(table.find('2001:db8:0:0:0:0:0:1')?.name, 'v6');
  assert.equal(table.find('::1')?.name, 'lo');
  assert.equal(table.find('0:0:0:0:0:0:0:1')?.name, 'lo');
  assert.equal(table.find('2001:db8::2'), undefined);
});

test('prefers the longest matching CIDR block', () => {
  const table = new ClientTable([client('wide', '10.0.0.0/8'), client('narrow', '10.1.0.0/16')]);
  assert.equal(table.find('10.1.2.3')?.name, 'narrow');
  assert.equal(table.find('10.2.2.3')?.name, 'wide');
  assert.equal(table.find('11.0.0.1'), undefined);
  assert.equal(table.find('::ffff:10.1.0.9')?.name, 'narrow');
});

test('matches IPv6 CIDR blocks and never lets an IPv4 block match a plain IPv6 source', () => {
  const table = new ClientTable([client('v6net', '2001:db8:abcd::/48'), client('all4', '0.0.0.0/0')]);
  assert.equal(table.find('2001:db8:abcd:12::5')?.name, 'v6net');
  assert.equal(table.find('2001:db8:abce::5'), undefined);
  assert.equal(table.find('203.0.113.9')?.name, 'all4');
});

test('refuses a client whose address is not an IP or CIDR', () => {
  assert.throws(() => new ClientTable([client('bad', 'fw.example.com')]), /not an IP address or CIDR/);
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0.0/x'), undefined);
  assert.equal(parseCidr('::/129'), undefined);
});

test('parses embedded IPv4 in IPv6 and zone ids', () => {
  assert.deepEqual(parseAddress('::ffff:1.2.3.4'), [0, 0, 0xffff, 0x01020304]);
  assert.deepEqual(parseAddress('fe80::1%eth0'), [0xfe800000, 0, 0, 1]);
  const block = parseCidr('192.168.0.0/23');
  assert.ok(block);
  assert.equal(cidrContains(block, parseAddress('192.168.1.255')!), true);
  assert.equal(cidrContains(block, parseAddress('192.168.2.0')!), false);
});
