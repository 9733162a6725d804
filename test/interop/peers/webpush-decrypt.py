#!/usr/bin/python3
"""Independent RFC 8291 / RFC 8292 check of one Web Push request, on Debian's python3-cryptography.

Reads JSON on stdin: body (base64), headers (lower-case names), ua_private (base64url P-256 scalar), ua_public
(base64url point), auth (base64url), audience, subject. Decrypts the aes128gcm body (RFC 8188 framing, RFC 8291
key derivation), verifies the VAPID JWT (RFC 8292: ES256 over header.payload, aud, exp, sub) and the RFC 8030
headers, and prints {"plaintext": ..., "claims": ...}. Any failure: a message on stderr and exit 1.
"""
import base64
import json
import struct
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def decrypt(body, ua_private, ua_public, auth):
    # RFC 8188 §2.1: salt(16) | rs(4) | idlen(1) | keyid(idlen) | records
    if len(body) < 21:
        fail("body shorter than the aes128gcm header")
    salt = body[:16]
    record_size = struct.unpack(">I", body[16:20])[0]
    idlen = body[20]
    as_public = body[21 : 21 + idlen]
    ciphertext = body[21 + idlen :]
    if idlen != 65:
        fail("keyid is not a 65-octet P-256 point (RFC 8291 §4)")
    if len(ciphertext) > record_size:
        fail("more than one record: RFC 8291 §4 allows one")
    sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public)
    ecdh_secret = ua_private.exchange(ec.ECDH(), sender)
    # RFC 8291 §3.4
    key_info = b"WebPush: info\x00" + ua_public + as_public
    ikm = hkdf(auth, ecdh_secret, key_info, 32)
    cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
    # RFC 8188 §2: the last record ends with 0x02, then zero padding
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(b"\x02"):
        fail("last-record delimiter 0x02 missing")
    return stripped[:-1].decode("utf-8")


def verify_vapid(authorization, audience, subject):
    # RFC 8292 §3: Authorization: vapid t=<JWT>, k=<key>
    if not authorization.startswith("vapid "):
        fail("Authorization is not the vapid scheme: " + authorization[:20])
    params = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
    token, key = params["t"], params["k"]
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url(header_b64))
    if header.get("alg") != "ES256":
        fail("JWT alg is not ES256")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url(key))
    signature = b64url(signature_b64)
    if len(signature) != 64:
        fail("JWT signature is not 64 octets")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, (header_b64 + "." + payload_b64).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        fail("VAPID JWT signature does not verify with k")
    claims = json.loads(b64url(payload_b64))
    if claims.get("aud") != audience:
        fail("aud %r is not the push service origin %r" % (claims.get("aud"), audience))
    now = time.time()
    if not (now < claims.get("exp", 0) <= now + 86400):
        fail("exp is not within the next 24 hours (RFC 8292 §2)")
    if claims.get("sub") != subject:
        fail("sub %r is not %r" % (claims.get("sub"), subject))
    return claims


def main():
    request = json.load(sys.stdin)
    headers = request["headers"]
    if headers.get("content-encoding") != "aes128gcm":
        fail("Content-Encoding is not aes128gcm")
    for name in ("ttl", "urgency", "topic"):
        if name not in headers:
            fail("RFC 8030 header missing: " + name)
    scalar = int.from_bytes(b64url(request["ua_private"]), "big")
    ua_private = ec.derive_private_key(scalar, ec.SECP256R1())
    plaintext = decrypt(base64.b64decode(request["body"]), ua_private, b64url(request["ua_public"]), b64url(request["auth"]))
    claims = verify_vapid(headers.get("authorization", ""), request["audience"], request["subject"])
    json.dump({"plaintext": plaintext, "claims": claims}, sys.stdout)


main()
