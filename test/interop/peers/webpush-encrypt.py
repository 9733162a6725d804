#!/usr/bin/python3
"""Independent RFC 8291 encryption of one push message, on Debian's python3-cryptography (the twin of
webpush-decrypt.py), for testing a receiver.

Reads JSON on stdin: plaintext (base64), ua_public (base64url point), auth (base64url); optional salt (base64url,
16 octets) and as_private (base64url P-256 scalar) to fix the output (RFC 8291 Appendix A), rs (record size,
default 4096), delimiter (the padding delimiter, default 2: the last record) and pad (zero octets after it).
Prints {"body": <base64 of the aes128gcm body>}. Any failure: a message on stderr and exit 1.
"""
import base64
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def main():
    request = json.load(sys.stdin)
    plaintext = base64.b64decode(request["plaintext"])
    ua_public = b64url(request["ua_public"])
    auth = b64url(request["auth"])
    salt = b64url(request["salt"]) if "salt" in request else os.urandom(16)
    if "as_private" in request:
        scalar = int.from_bytes(b64url(request["as_private"]), "big")
        as_private = ec.derive_private_key(scalar, ec.SECP256R1())
    else:
        as_private = ec.generate_private_key(ec.SECP256R1())
    as_public = as_private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    ecdh_secret = as_private.exchange(ec.ECDH(), receiver)
    # RFC 8291 §3.4
    key_info = b"WebPush: info\x00" + ua_public + as_public
    ikm = hkdf(auth, ecdh_secret, key_info, 32)
    cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    # RFC 8188 §2: one record, data | delimiter | zero padding
    record = plaintext + bytes([request.get("delimiter", 2)]) + b"\x00" * request.get("pad", 0)
    ciphertext = AESGCM(cek).encrypt(nonce, record, None)
    header = salt + struct.pack(">I", request.get("rs", 4096)) + bytes([len(as_public)]) + as_public
    json.dump({"body": base64.b64encode(header + ciphertext).decode()}, sys.stdout)


main()
