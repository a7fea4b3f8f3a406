"""schemathesis (PyPI) against a running kiosk's own OpenAPI document.

Usage: kiosk_schemathesis.py BASE_URL OPERATOR PIN SEED MAX_EXAMPLES
Signs in as OPERATOR, then runs `st run` with every default check (status codes and
bodies conform to the document, undeclared methods are 405, schema-violating requests
are refused, schema-valid ones accepted) over every operation but signing out (which
would end the session the run uses) and the endless event stream. Exits with
schemathesis's status; its report goes to stderr.
"""
import json
import os
import subprocess
import sys
import urllib.request

base, operator, pin, seed, examples = sys.argv[1:6]
request = urllib.request.Request(base + "/api/v1/session", method="POST",
                                 data=json.dumps({"operator": operator, "pin": pin}).encode(),
                                 headers={"Content-Type": "application/json"})
token = json.load(urllib.request.urlopen(request))["token"]
st = os.path.join(os.path.dirname(sys.executable), "st")
config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
run = subprocess.run([st, "--no-color", "--config-file", config, "run", base + "/api/v1/openapi.json",
                      "-H", "Authorization: Bearer " + token, "--seed", seed, "--max-examples", examples,
                      "--exclude-operation-id", "signOut", "--exclude-operation-id", "events"],
                     capture_output=True, text=True)
sys.stderr.write(run.stdout[-20000:] + run.stderr[-4000:])
summary = [line for line in run.stdout.splitlines() if " generated, " in line]
print(json.dumps({"status": run.returncode, "summary": summary[-1].strip() if summary else ""}))
sys.exit(run.returncode)
