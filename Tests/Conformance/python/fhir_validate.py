"""Validates FHIR R4 Bundles with fhir.resources (its R4B models accept R4 resources:
structure, required elements, types, unknown elements). Reads a JSON list of Bundles on
stdin; prints, per Bundle, the list of problems (empty when valid) and the resource types
it holds."""
import json
import sys

from fhir.resources.R4B.bundle import Bundle

out = []
for document in json.load(sys.stdin):
    try:
        bundle = Bundle.model_validate(document)
        types = [entry.resource.__resource_type__ for entry in bundle.entry]
        requests = [(entry.request.method, entry.request.url, entry.request.ifNoneExist) for entry in bundle.entry]
        heads = [[str(part.valuePositiveInt or part.valueString) for part in extension.extension]
                 for entry in bundle.entry if entry.resource.__resource_type__ == "Provenance"
                 for extension in (entry.resource.extension or []) if extension.url == "urn:precis:fhir:extension:audit-head"]
        out.append({"problems": [], "types": types, "requests": requests, "auditHead": heads[0] if heads else None})
    except Exception as error:  # pydantic.ValidationError lists every problem
        out.append({"problems": [str(error)], "types": [], "requests": []})
print(json.dumps(out))
