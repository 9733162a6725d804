// Conformance: the RFC 2865 §7.1 and §7.2 example packets decode, and their authenticators verify.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { verifyResponseAuthenticator } from '../../src/radius/authenticator.js';
import { decodeAttributes, isInvalid } from '../../src/radius/decode-attributes.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { decodePacket, findAttribute, type Packet } from '../../src/radius/packet.js';
import { unhideUserPassword } from '../../src/radius/user-password.js';
import { fromHex, readVectorLines, toHex } from './support/hex.js';

interface Vector {
  source: string;
  secret: Uint8Array;
  request: Uint8Array;
  response: Uint8Array;
  password?: string;
  requestAttributes: string[];
  responseAttributes: string[];
}

function loadVector(file: string): Vector {
  const { source, lines } = readVectorLines(
    readFileSync(new URL(`vectors/${file}`, import.meta.url), 'utf8'),
  );
  const fields = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon).trim();
    fields.set(key, [...(fields.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  const one = (key: string) => fields.get(key)?.[0] ?? assert.fail(`${file}: no ${key}`);
  const password = fields.get('request-password')?.[0];
  return {
    source,
    secret: Buffer.from(one('secret')),
    request: fromHex(one('request')),
    response: fromHex(one('response')),
    ...(password === undefined ? {} : { password }),
    requestAttributes: fields.get('request-attr') ?? [],
    responseAttributes: fields.get('response-attr') ?? [],
  };
}

function decoded(bytes: Uint8Array): Packet {
  const result = decodePacket(bytes);
  assert.ok(result.ok, `decodes: ${result.ok ? '' : result.reason}`);
  return result.packet;
}

function summary(packet: Packet): string[] {
  return decodeAttributes(packet, standardDictionary()).flatMap((a) => {
    if (isInvalid(a)) return [`invalid ${a.type}`];
    if (a.definition.encrypt !== undefined) return [];
    const value = a.value instanceof Uint8Array ? `0x${toHex(a.value)}` : String(a.value);
    return [`${a.name} = ${value}`];
  });
}

for (const file of ['rfc2865-7.1.txt', 'rfc2865-7.2.txt']) {
  const vector = loadVector(file);
  describe(vector.source, () => {
    it('names an RFC 2865 section on its first line', () => {
      assert.match(vector.source, /^RFC 2865 §7\.[12] /);
    });

    it('decodes the Access-Request with the listed attributes', () => {
      const packet = decoded(vector.request);
      assert.equal(packet.code, 1);
      assert.deepEqual(summary(packet), vector.requestAttributes);
    });

    it('decodes the Access-Accept with the listed attributes', () => {
      const packet = decoded(vector.response);
      assert.equal(packet.code, 2);
      assert.equal(packet.identifier, vector.request[1]);
      assert.deepEqual(summary(packet), vector.responseAttributes);
    });

    it('verifies the Response Authenticator with the request authenticator and secret (RFC 2865 §3)', () => {
      const request = decoded(vector.request);
      assert.equal(verifyResponseAuthenticator(vector.response, request.authenticator, vector.secret), true);
      assert.equal(
        verifyResponseAuthenticator(vector.response, request.authenticator, Buffer.from('xyzzy5462')),
        false,
      );
    });

    if (vector.password !== undefined) {
      const password = vector.password;
      it('recovers the stated User-Password (RFC 2865 §5.2)', () => {
        const request = decoded(vector.request);
        const hidden = findAttribute(request, AttributeType.UserPassword);
        assert.ok(hidden);
        const clear = unhideUserPassword(hidden.value, vector.secret, request.authenticator);
        assert.equal(Buffer.from(clear ?? []).toString(), password);
      });
    }
  });
}
