#!/usr/bin/python3
"""A test WebAuthn client: makes the responses a browser makes, with its own
P-256 key, for tests/integration/webgate.sh (no browser on this machine).

  webauthn_client.py create --state FILE --options FILE --origin ORIGIN
        [--fmt none|fido-u2f --ca-key PEM --ca-cert PEM] [--uv]
      -> the /api/create body for the creation options in FILE; the new
         key is kept in the state FILE (JSON, 0600).
  webauthn_client.py get --state FILE --options FILE --origin ORIGIN
        --pending ID [--uv] [--challenge B64URL]
      -> the /api/get body for the request options in FILE, signed as an
         authenticator signs (authenticatorData || SHA-256(clientDataJSON)).

creation() and assertion() make the same bodies in memory, for programs
that import this file (bench/webgate_load.py).

clientDataJSON, authenticatorData and the attestation object are built as
WebAuthn Level 3 and CTAP2 define them (a tiny CBOR encoder below).
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

UP, UV, AT = 0x01, 0x04, 0x40


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)


def cbor(v):
    if isinstance(v, bool):
        raise TypeError("no booleans here")
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, bytes):
        return cbor_head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return cbor_head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


def client_data(kind, challenge, origin):
    # Member order and spacing as Chromium writes it.
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                       "crossOrigin": False}, separators=(",", ":")).encode()


def cose_key(pub):
    nums = pub.public_numbers()
    return cbor({1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")})


def raw_point(pub):
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def attestation_cert(ca_key_pem, ca_cert_pem):
    ca_key = serialization.load_pem_private_key(open(ca_key_pem, "rb").read(), None)
    ca_cert = x509.load_pem_x509_certificate(open(ca_cert_pem, "rb").read())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webauthn_client attestation"),
                                     x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PracticeRunner tests"),
                                     x509.NameAttribute(NameOID.COUNTRY_NAME, "US")]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.DER)


def creation(doc, origin, fmt="none", ca_key=None, ca_cert=None, uv=False):
    """The /api/create body for the gate's creation options DOC (parsed JSON),
    and the new key's state (what create keeps in its state file)."""
    opts = doc["publicKey"]
    key = ec.generate_private_key(ec.SECP256R1())
    cred_id = os.urandom(64)
    rp_hash = hashlib.sha256(opts["rp"]["id"].encode()).digest()
    cdj = client_data("webauthn.create", opts["challenge"], origin)
    flags = UP | AT | (UV if uv else 0)
    authdata = (rp_hash + bytes([flags]) + struct.pack(">I", 0) + bytes(16) +
                struct.pack(">H", len(cred_id)) + cred_id + cose_key(key.public_key()))
    if fmt == "fido-u2f":
        att_key, der = attestation_cert(ca_key, ca_cert)
        signed = b"\0" + rp_hash + hashlib.sha256(cdj).digest() + cred_id + raw_point(key.public_key())
        stmt = {"sig": att_key.sign(signed, ec.ECDSA(hashes.SHA256())), "x5c": [der]}
    else:
        stmt = {}
    attobj = cbor({"fmt": fmt, "attStmt": stmt, "authData": authdata})
    state = {"id": b64u(cred_id), "counter": 0, "rp_id": opts["rp"]["id"],
             "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()}
    body = {"pending": doc["pending"], "id": b64u(cred_id), "rawId": b64u(cred_id), "type": "public-key",
            "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(attobj)}}
    return body, state


def create(a):
    body, state = creation(json.load(open(a.options)), a.origin, a.fmt, a.ca_key, a.ca_cert, a.uv)
    fd = os.open(a.state, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)
    json.dump(body, sys.stdout)


def assertion(state, opts, origin, pending, uv=False, challenge=None):
    """The /api/get body for request options OPTS (the gate's "publicKey"
    member), signed with the key in STATE, whose counter it advances."""
    key = serialization.load_pem_private_key(state["key"].encode(), None)
    state["counter"] += 1
    cdj = client_data("webauthn.get", challenge or opts["challenge"], origin)
    flags = UP | (UV if uv else 0)
    authdata = hashlib.sha256(opts["rpId"].encode()).digest() + bytes([flags]) + struct.pack(">I", state["counter"])
    sig = key.sign(authdata + hashlib.sha256(cdj).digest(), ec.ECDSA(hashes.SHA256()))
    return {"pending": pending, "id": state["id"], "rawId": state["id"], "type": "public-key",
            "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(authdata),
                         "signature": b64u(sig), "userHandle": ""}}


def get(a):
    state = json.load(open(a.state))
    body = assertion(state, json.load(open(a.options))["publicKey"], a.origin, a.pending, a.uv, a.challenge)
    with open(a.state, "w") as f:
        json.dump(state, f)
    json.dump(body, sys.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["create", "get"])
    p.add_argument("--state", required=True)
    p.add_argument("--options", required=True)
    p.add_argument("--origin", required=True)
    p.add_argument("--pending")
    p.add_argument("--uv", action="store_true")
    p.add_argument("--challenge")
    p.add_argument("--fmt", default="none", choices=["none", "fido-u2f"])
    p.add_argument("--ca-key")
    p.add_argument("--ca-cert")
    a = p.parse_args()
    create(a) if a.command == "create" else get(a)


if __name__ == "__main__":
    main()
