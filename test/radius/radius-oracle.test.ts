// Cross-check against the independent `radius` npm package: each side reads and verifies what the other writes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import radius from 'radius';
import { AttributeType } from '../../src/radius/attribute-type.js';
import {
  verifyAccountingRequestAuthenticator,
  verifyResponseAuthenticator,
} from '../../src/radius/authenticator.js';
import { Code } from '../../src/radius/code.js';
import { decodeAttributes, isInvalid } from '../../src/radius/decode-attributes.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { encodeReply, encodeRequest, randomAuthenticator, vendorSpecific } from '../../src/radius/encode.js';
import {
  verifyReplyMessageAuthenticator,
  verifyRequestMessageAuthenticator,
} from '../../src/radius/message-authenticator.js';
import { decodePacket, findAttribute, type Packet } from '../../src/radius/packet.js';
import { hideUserPassword, unhideUserPassword } from '../../src/radius/user-password.js';

// The oracle knows no Fortinet attributes; give it the two we use, in FreeRADIUS format.
const dir = mkdtempSync(join(tmpdir(), 'assent-radius-oracle-'));
writeFileSync(
  join(dir, 'dictionary.fortinet'),
  'VENDOR Fortinet 12356\nBEGIN-VENDOR Fortinet\nATTRIBUTE Fortinet-Group-Name 1 string\nEND-VENDOR Fortinet\n',
);
radius.add_dictionary(join(dir, 'dictionary.fortinet'));
after(() => rmSync(dir, { recursive: true, force: true }));

const RUNS = { numRuns: 200 };
const secretArb = fc.string({
  minLength: 1,
  maxLength: 32,
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789!$%'),
});
/** Passwords without NUL: the oracle cuts a recovered password at the first NUL. */
const passwordArb = fc.string({
  minLength: 1,
  maxLength: 128,
  unit: fc.constantFrom(...'abcdefXYZ0123456789 .,-_'),
});
const userArb = fc.string({
  minLength: 1,
  maxLength: 60,
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz.@-'),
});

function decoded(bytes: Uint8Array): Packet {
  const result = decodePacket(bytes);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.packet;
}

describe('cross-check with the radius npm package', () => {
  it('decodes and verifies its Access-Requests with Message-Authenticator and User-Password', () => {
    fc.assert(
      fc.property(
        secretArb,
        userArb,
        passwordArb,
        fc.integer({ min: 0, max: 255 }),
        (secret, user, password, id) => {
          const wire = radius.encode({
            code: 'Access-Request',
            identifier: id,
            secret,
            add_message_authenticator: true,
            attributes: [
              ['User-Name', user],
              ['User-Password', password],
              ['NAS-IP-Address', '192.0.2.7'],
            ],
          });
          const packet = decoded(wire);
          const key = Buffer.from(secret);
          assert.equal(packet.identifier, id);
          assert.equal(verifyRequestMessageAuthenticator(packet, key), true);
          const hidden = findAttribute(packet, AttributeType.UserPassword);
          assert.ok(hidden);
          assert.equal(
            Buffer.from(unhideUserPassword(hidden.value, key, packet.authenticator)!).toString(),
            password,
          );
          const names = decodeAttributes(packet, standardDictionary()).map((a) =>
            isInvalid(a) ? a.type : a.name,
          );
          assert.deepEqual(names, ['User-Name', 'User-Password', 'NAS-IP-Address', 'Message-Authenticator']);
        },
      ),
      RUNS,
    );
  });

  it('verifies its Accounting-Request authenticators (RFC 2866 §3)', () => {
    fc.assert(
      fc.property(secretArb, userArb, (secret, user) => {
        const wire = radius.encode({
          code: 'Accounting-Request',
          secret,
          attributes: [
            ['User-Name', user],
            ['Acct-Status-Type', 'Start'],
          ],
        });
        assert.equal(verifyAccountingRequestAuthenticator(wire, Buffer.from(secret)), true);
        assert.equal(verifyAccountingRequestAuthenticator(wire, Buffer.from(`${secret}x`)), false);
      }),
      RUNS,
    );
  });

  it('verifies its replies (Response Authenticator and Message-Authenticator)', () => {
    fc.assert(
      fc.property(secretArb, userArb, (secret, user) => {
        const request = radius.encode({
          code: 'Access-Request',
          secret,
          add_message_authenticator: true,
          attributes: [['User-Name', user]],
        });
        const reply = radius.encode_response({
          packet: radius.decode({ packet: request, secret }),
          code: 'Access-Accept',
          secret,
          attributes: [['Reply-Message', `hello ${user}`]],
        });
        const key = Buffer.from(secret);
        const requestAuthenticator = decoded(request).authenticator;
        assert.equal(verifyResponseAuthenticator(reply, requestAuthenticator, key), true);
        assert.equal(verifyReplyMessageAuthenticator(decoded(reply), requestAuthenticator, key), true);
      }),
      RUNS,
    );
  });

  it('has our replies (MA first, Fortinet VSA) verified by its verify_response', () => {
    fc.assert(
      fc.property(
        secretArb,
        userArb,
        fc.constantFrom(Code.AccessAccept, Code.AccessReject, Code.AccessChallenge),
        (secret, group, code) => {
          const request = radius.encode({
            code: 'Access-Request',
            secret,
            add_message_authenticator: true,
            attributes: [['User-Name', 'alice']],
          });
          const requestPacket = decoded(request);
          const reply = encodeReply({
            code,
            identifier: requestPacket.identifier,
            requestAuthenticator: requestPacket.authenticator,
            secret: Buffer.from(secret),
            attributes: [
              vendorSpecific(12356, 1, Buffer.from(group)),
              { type: AttributeType.ReplyMessage, value: Buffer.from('ok') },
            ],
          });
          const replyBuffer = Buffer.from(reply);
          assert.equal(radius.verify_response({ request, response: replyBuffer, secret }), true);
          const parsed = radius.decode({ packet: replyBuffer, secret });
          assert.deepEqual(parsed.attributes['Vendor-Specific'], { 'Fortinet-Group-Name': group });
          assert.equal(parsed.raw_attributes[0]?.[0], AttributeType.MessageAuthenticator);
          // Sanity: with another secret the oracle refuses the same reply.
          assert.equal(
            radius.verify_response({ request, response: replyBuffer, secret: `${secret}x` }),
            false,
          );
        },
      ),
      RUNS,
    );
  });

  it('has our Access-Requests (hidden password, MA) decoded and verified by it', () => {
    fc.assert(
      fc.property(secretArb, userArb, passwordArb, (secret, user, password) => {
        const key = Buffer.from(secret);
        const authenticator = randomAuthenticator();
        const wire = encodeRequest({
          code: Code.AccessRequest,
          identifier: 9,
          secret: key,
          authenticator,
          messageAuthenticator: true,
          attributes: [
            { type: AttributeType.UserName, value: Buffer.from(user) },
            {
              type: AttributeType.UserPassword,
              value: hideUserPassword(Buffer.from(password), key, authenticator),
            },
          ],
        });
        // The oracle throws when the MA does not verify.
        const parsed = radius.decode({ packet: Buffer.from(wire), secret });
        assert.equal(parsed.attributes['User-Name'], user);
        assert.equal(parsed.attributes['User-Password'], password);
        assert.throws(
          () => radius.decode({ packet: Buffer.from(wire), secret: `${secret}x` }),
          /Message-Authenticator/,
        );
      }),
      RUNS,
    );
  });

  it('has our Accounting-Requests verified by it (RFC 2866 §3)', () => {
    fc.assert(
      fc.property(secretArb, userArb, (secret, user) => {
        const wire = encodeRequest({
          code: Code.AccountingRequest,
          identifier: 3,
          secret: Buffer.from(secret),
          messageAuthenticator: false,
          attributes: [{ type: AttributeType.UserName, value: Buffer.from(user) }],
        });
        assert.equal(radius.decode({ packet: Buffer.from(wire), secret }).attributes['User-Name'], user);
        assert.throws(
          () => radius.decode({ packet: Buffer.from(wire), secret: `${secret}x` }),
          /authenticator/,
        );
      }),
      RUNS,
    );
  });
});
