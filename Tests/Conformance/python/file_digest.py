"""Prints the size, SHA-256 (hashlib) and RFC 6920 ni URI (base64url without padding) of the
file named on the command line, as JSON."""
import base64
import hashlib
import json
import os
import sys

path = sys.argv[1]
digest = hashlib.sha256()
with open(path, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
ni = "ni:///sha-256;" + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
print(json.dumps({"size": os.path.getsize(path), "sha256": digest.hexdigest(), "ni": ni}))
