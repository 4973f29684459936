#!/usr/bin/env python3
"""Make the seed corpora of tests/fuzz/corpus from the test data.

Run from the top of the source tree: python3 tests/fuzz/mkseeds.py
Writes only the seeds it derives (attest, sshkey, sshattest, config,
pamu2f, wa_clientdata, wa_proto, wa_assert); store, audit, token and verify_proto seeds were written once by
lib/'s own writers (pr_store_format, pr_audit_append, pr_ticket_create,
pr_invite_create, pr_lockout_fail, pr_verify_*_format) and are kept as
files, as are crash reproducers (named crash-*).
"""
import base64
import glob
import os
import re
import struct

OUT = "tests/fuzz/corpus"


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def vec(path):
    fields = {}
    for line in open(path, encoding="utf-8"):
        k, sep, v = line.rstrip("\n").partition(": ")
        if sep:
            fields[k] = v
    return fields


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# Attestation: fmt, rp_id, client data hash, authData, attStmt (fuzz_attest.c).
for path in sorted(glob.glob("tests/data/vectors/*.vec")):
    v = vec(path)
    if v.get("kind") != "registration" or "att_stmt_cbor_hex" not in v:
        continue
    fmt, rp = v["attestation_fmt"].encode(), v["rp_id"].encode()
    ad = bytes.fromhex(v["auth_data_hex"])
    data = (bytes([len(fmt)]) + fmt + bytes([len(rp)]) + rp +
            bytes.fromhex(v["client_data_hash_hex"]) + struct.pack(">H", len(ad)) +
            ad + bytes.fromhex(v["att_stmt_cbor_hex"]))
    put("attest", os.path.basename(path)[:-4], data)

# SSH keys and attestation files (fuzz_sshkey.c, fuzz_sshattest.c).
for pub in sorted(glob.glob("tests/data/ssh/*.pub")):
    name = os.path.basename(pub)[:-4]
    line = open(pub, "rb").read()
    put("sshkey", name, line)
    put("sshkey", name + ".blob", base64.b64decode(line.split()[1]))
    att = pub[:-4] + ".att"
    if os.path.exists(att):
        put("sshattest", name, line.rstrip(b"\n") + b"\n" + open(att, "rb").read())
        put("sshattest", name + ".att-only", open(att, "rb").read())

# The policy file (fuzz_config.c): the shipped example and the README's.
put("config", "practicerunner.conf", open("conf/practicerunner.conf", "rb").read())
for i, block in enumerate(re.findall(r"```(?:conf|ini)?\n(.*?)```",
                                     open("README.md", encoding="utf-8").read(), re.S)):
    if "rp_id" in block:
        put("config", "readme-%d.conf" % i, block.encode())

# pam_u2f mapping files (fuzz_pamu2f.c): the unit tests' formats.
src = open("tests/unit/check_pamu2f.c", encoding="utf-8").read()
macros = dict(re.findall(r'#define (\w+) "([^"]*)"', src))
macros["ES_HEX"] = "".join(re.search(r'#define ES_HEX ((?:"[^"]*"\s*\\?\s*)+)', src)
                           .group(1).replace("\\", "").split('"')[1::2])
m = macros
files = [
    "alice:%s,%s,es256,+presence\n" % (m["KH1"], m["ES_XY"]),
    "alice:%s,%s,es256,+presence\n" % (m["KH1"], m["ES_PT"]),
    "bob:%s,%s\n" % (m["KH2"], m["ES_HEX"]),
    "carol:%s,%s,eddsa,+presence+pin\n" % (m["KH3"], m["ED"]),
    "dave:%s,%s,RS256,+verification\n" % (m["KH1"], m["RS"]),
    "erin:%s,%s,es256\n" % (m["KH1"], m["ES_XY"]),
    "# migrated\nalice:%s,%s,es256,+presence:%s,%s\n\nbob:*,%s,es256,+presence:"
    "%s,%s,eddsa,+presence\n#carol:x\ncarol.x_y-z:%s,%s,rs256,+presence"
    % (m["KH1"], m["ES_XY"], m["KH2"], m["ES_HEX"], m["ES_XY"], m["KH3"], m["ED"],
       m["KH4"], m["RS"]),
]
for i, text in enumerate(files):
    put("pamu2f", "file-%d" % i, text.encode())


# The web gate: browsers' clientDataJSON (fuzz_wa_clientdata.c), with the
# harness's own origin and challenge so the accepting paths are reached,
# and the verifier's requests built from the same vectors (fuzz_wa_proto.c).
GATE = "https://gate.clinic.example"
for path in sorted(glob.glob("tests/data/vectors/*.vec")):
    v = vec(path)
    name = os.path.basename(path)[:-4]
    if "client_data_json_b64url" not in v:
        continue
    cdj = b64url(v["client_data_json_b64url"])
    put("wa_clientdata", name, cdj)
    ours = re.sub(rb'"challenge" ?: ?"[^"]*"', b'"challenge":"AAECAw"', cdj)
    ours = re.sub(rb'"origin" ?: ?"[^"]*"', b'"origin":"' + GATE.encode() + b'"', ours)
    put("wa_clientdata", name + "-gate", ours)
    head = ("practicerunner-webauthn 1\npending=0123456789abcdef0123456789abcdef\n"
            "rhost=192.0.2.7\nuser_agent=Mozilla/5.0\nclient_data=%s\n"
            % v["client_data_json_b64url"])
    if v.get("kind") == "assertion":
        body = ("op=get\ncredential=%s\nauthenticator_data=%s\nsignature=%s\n"
                % (v["credential_id_b64url"],
                   base64.urlsafe_b64encode(bytes.fromhex(v["auth_data_hex"])).decode().rstrip("="),
                   base64.urlsafe_b64encode(bytes.fromhex(v["signature_hex"])).decode().rstrip("=")))
    else:
        body = "op=create\nattestation=%s\n" % v["attestation_object_b64url"]
    put("wa_proto", name, (head + body + "\n").encode())
    # The assertion path (fuzz_wa_assert.c): each response as the parent
    # reads it, and its four parts raw (u16 n | bytes, three times, then
    # the clientDataJSON), both judged against the vectors' own sign-ins.
    if v.get("kind") == "assertion" and "registration_vector" in v:
        put("wa_assert", name, (head + body + "\n").encode())
        raw = b"".join(struct.pack(">H", len(b)) + b for b in (
            b64url(v["credential_id_b64url"]), bytes.fromhex(v["auth_data_hex"]),
            bytes.fromhex(v["signature_hex"])))
        put("wa_assert", name + ".raw", raw + cdj)
put("wa_proto", "options", b"practicerunner-webauthn 1\nop=options\n"
    b"pending=0123456789abcdef0123456789abcdef\nrhost=192.0.2.7\nuser_agent=\n\n")
put("wa_proto", "approve", b"practicerunner-webauthn 1\nop=approve\nuser=prstaff\n"
    b"rhost=192.0.2.7\nuser_agent=Mozilla/5.0\n\n")
put("wa_proto", "result-ok", b"result ok class=physical flags=0x05 sign_count=12")
put("wa_proto", "result-refused", b"result origin-mismatch class=- flags=0x00 sign_count=0")
