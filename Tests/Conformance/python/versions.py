"""Prints the versions of the reference tools as JSON, so a test can see they load."""
import json
import numpy, scipy, pybaselines, jsonschema

print(json.dumps({m.__name__: m.__version__ for m in (numpy, scipy, pybaselines, jsonschema)}))
