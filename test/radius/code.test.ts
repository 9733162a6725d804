// Unit tests for packet codes and their names (RFC 2865 §3, RFC 5176 §3, RFC 5997, RFC 7930).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, codeName, hasComputedRequestAuthenticator } from '../../src/radius/code.js';

describe('codeName', () => {
  it('names every code we define', () => {
    assert.equal(codeName(Code.AccessRequest), 'Access-Request');
    assert.equal(codeName(Code.AccountingResponse), 'Accounting-Response');
    assert.equal(codeName(Code.StatusServer), 'Status-Server');
    assert.equal(codeName(Code.DisconnectAck), 'Disconnect-ACK');
    assert.equal(codeName(Code.CoANak), 'CoA-NAK');
    assert.equal(codeName(Code.ProtocolError), 'Protocol-Error');
    for (const code of Object.values(Code)) assert.doesNotMatch(codeName(code), /^Unknown/);
  });

  it('names unknown codes by number, for logs', () => {
    assert.equal(codeName(53), 'Unknown-Code-53');
    assert.equal(codeName(0), 'Unknown-Code-0');
  });
});

describe('hasComputedRequestAuthenticator', () => {
  it('holds for Accounting-, Disconnect- and CoA-Request only (RFC 2866 §3, RFC 5176 §3.5)', () => {
    const computed = Object.values(Code).filter(hasComputedRequestAuthenticator);
    assert.deepEqual(computed, [Code.AccountingRequest, Code.DisconnectRequest, Code.CoARequest]);
  });
});
