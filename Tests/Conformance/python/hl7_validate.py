"""Parses HL7 v2 messages with hl7apy and validates their structure (message structure
ORU_R01 of v2.5.1, strict validation of segments, fields and required elements). Reads a JSON
list of messages (segments separated by CR) on stdin; prints, per message, the problems and
the decoded OBX-5 and OBX-8, and the audit head of the ZPR segment (hl7apy accepts a Z segment
at the end of the message but keeps it in no group, so it is parsed on its own)."""
import json
import sys

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message, parse_segment

def zpr(text):
    found = [s for s in text.split("\r") if s.startswith("ZPR|")]
    if not found:
        return None
    segment = parse_segment(found[0], version="2.5.1")
    return [segment.zpr_1.to_er7(), segment.zpr_2.to_er7()]


out = []
for text in json.load(sys.stdin):
    try:
        message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
        obx = message.oru_r01_patient_result.oru_r01_order_observation.oru_r01_observation.obx
        out.append({"problems": [], "structure": message.msh.msh_9.to_er7(), "value": obx.obx_5.to_er7(),
                    "flags": obx.obx_8.to_er7(), "status": obx.obx_11.to_er7(), "pid3": message.oru_r01_patient_result
                    .oru_r01_patient.pid.pid_3.to_er7(), "zpr": zpr(text)})
    except Exception as error:
        out.append({"problems": [f"{type(error).__name__}: {error}"]})
print(json.dumps(out))
