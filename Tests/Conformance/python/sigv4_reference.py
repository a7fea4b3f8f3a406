"""Signs one S3 request with botocore (AWS's Python SDK core; pinned in requirements.txt),
for Tests/Conformance/SigV4ConformanceTests.swift. Reads a JSON request on stdin:
{method, url, headers: [[name, value]], body (text), timestamp (yyyymmddThhmmssZ), region,
access_key, secret_key, token (or null), unsigned (true: UNSIGNED-PAYLOAD)} and prints JSON:
the canonical request, the string to sign and the headers botocore sent."""
import datetime
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

spec = json.load(sys.stdin)
when = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
botocore.auth.get_current_datetime = lambda *args, **kwargs: when

request = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode())
for name, value in spec["headers"]:
    request.headers[name] = value
request.context["client_config"] = Config(s3={"payload_signing_enabled": not spec["unsigned"]})
auth = botocore.auth.S3SigV4Auth(Credentials(spec["access_key"], spec["secret_key"], spec["token"]), "s3", spec["region"])
seen = {}
canonical_request, string_to_sign = auth.canonical_request, auth.string_to_sign
auth.canonical_request = lambda r: seen.setdefault("canonical_request", canonical_request(r))
auth.string_to_sign = lambda r, c: seen.setdefault("string_to_sign", string_to_sign(r, c))
auth.add_auth(request)
seen["headers"] = {k.lower(): v for k, v in request.headers.items()}
print(json.dumps(seen))
