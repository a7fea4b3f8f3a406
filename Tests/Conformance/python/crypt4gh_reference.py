"""The crypt4gh reference implementation (PyPI crypt4gh, EGA), driven through its library API
for Tests/Conformance/Crypt4GHConformanceTests.swift. Files are named on the command line.

  keygen SECKEY PUBKEY                      a key pair, the secret key unprotected
  encrypt SECKEY|- IN OUT PUBKEY...          encrypt IN to every PUBKEY (- : a throwaway writer key)
  decrypt SECKEY IN OUT [SENDER_PUBKEY]      decrypt IN (checking the writer when SENDER_PUBKEY is given)
  rearrange SECKEY PUBKEY IN OUT OFFSET SPAN re-encrypt to PUBKEY with a data edit list keeping [OFFSET, OFFSET+SPAN)
"""
import os
import sys

from crypt4gh import lib
from crypt4gh.keys import c4gh, get_private_key, get_public_key


def no_passphrase():
    raise SystemExit("the key asks for a passphrase")


def main(command, *args):
    if command == "keygen":
        seckey, pubkey = args
        c4gh.generate(seckey, pubkey, passphrase=None, comment=None)
        return
    if command == "encrypt":
        seckey, infile, outfile, *recipients = args
        sk = os.urandom(32) if seckey == "-" else get_private_key(seckey, no_passphrase)
        keys = [(0, sk, get_public_key(pk)) for pk in recipients]
        with open(infile, "rb") as i, open(outfile, "wb") as o:
            lib.encrypt(keys, i, o)
        return
    if command == "decrypt":
        seckey, infile, outfile, *sender = args
        sk = get_private_key(seckey, no_passphrase)
        sender_pubkey = get_public_key(sender[0]) if sender else None
        with open(infile, "rb") as i, open(outfile, "wb") as o:
            lib.decrypt([(0, sk, None)], i, o, sender_pubkey=sender_pubkey)
        return
    if command == "rearrange":
        seckey, pubkey, infile, outfile, offset, span = args
        sk = get_private_key(seckey, no_passphrase)
        with open(infile, "rb") as i, open(outfile, "wb") as o:
            lib.rearrange([(0, sk, get_public_key(pubkey))], i, o, offset=int(offset), span=int(span))
        return
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(*sys.argv[1:])
