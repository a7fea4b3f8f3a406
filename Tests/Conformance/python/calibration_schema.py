"""Validates every assay and lot file under the given Calibration folder against its
JSON Schema with the jsonschema package; prints {"file": [errors...]} as JSON."""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(sys.argv[1])
schemas = {
    "assays": json.loads((root / "schema/assay.schema.json").read_text()),
    "lots": json.loads((root / "schema/lot.schema.json").read_text()),
    "qc": json.loads((root / "schema/qc.schema.json").read_text()),
}
report = {}
for kind, schema in schemas.items():
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((root / kind).glob("*.json")):
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(json.loads(path.read_text()))]
        report[f"{kind}/{path.name}"] = errors
print(json.dumps(report))
