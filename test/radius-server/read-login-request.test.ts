// Tests reading User-Name into a LoginRequest: the printable-ASCII fast path must judge exactly as the decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Reason } from '../../src/domain/reason.js';
import type { Packet } from '../../src/radius/packet.js';
import { readLoginRequest } from '../../src/radius-server/read-login-request.js';

/** Only the fields readLoginRequest reads. */
function packetWithName(name: Uint8Array): Packet {
  return { attributes: [{ type: 1, value: name }], authenticator: new Uint8Array(16) } as unknown as Packet;
}

function read(name: Uint8Array) {
  const request = readLoginRequest(packetWithName(name), new Uint8Array([1]), 'nas');
  return { userName: request.userName, problem: request.userNameProblem };
}

/** The rule as the decoder alone states it: valid UTF-8 without C0 controls or DEL. */
function expected(name: Uint8Array) {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(name);
    if (/[\u0000-\u001f\u007f]/.test(text)) return { userName: undefined, problem: Reason.UserNameInvalid };
    return { userName: text, problem: undefined };
  } catch {
    return { userName: undefined, problem: Reason.UserNameInvalid };
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);

test('reads ASCII and UTF-8 names, and refuses controls, DEL and broken UTF-8', () => {
  assert.deepEqual(read(bytes('alice')), { userName: 'alice', problem: undefined });
  assert.deepEqual(read(bytes('CORP\\a b~')), { userName: 'CORP\\a b~', problem: undefined });
  assert.deepEqual(read(bytes('jörg@corp')), { userName: 'jörg@corp', problem: undefined });
  for (const bad of [[0x61, 0x7f], [0x61, 0x00, 0x62], [0x61, 0x09], [0xff], [0xc3]]) {
    assert.deepEqual(
      read(Uint8Array.from(bad)),
      { userName: undefined, problem: Reason.UserNameInvalid },
      `${bad}`,
    );
  }
});

test('judges every name of up to 24 octets exactly as the decoder does', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        fc.uint8Array({ minLength: 1, maxLength: 24, min: 0x1e, max: 0x80 }),
        fc.string({ minLength: 1, maxLength: 8 }).map(bytes),
      ),
      (name) => {
        assert.deepEqual(read(name), expected(name));
      },
    ),
    { numRuns: 5000 },
  );
});
