"""Runs python-seabreeze's own pure-Python OBP code (PyPI seabreeze 2.11.0,
seabreeze/pyseabreeze) against recorded bytes, with no device: a fake transport captures
what seabreeze writes and plays back, in order, the answers Precis's simulator gave Precis.

Reads one JSON object on stdin:
  model      seabreeze's model class name (STS, QEPRO, ST, SR2, SR4, SR6, HR2, HR4, HR6)
  answers    the device's answers, hex, one per request, in order
  calls      what to do, in order: "serial", "set_itime:<us>", "wavelengths", "nonlinearity",
             "intensities", or raw requests seabreeze's feature classes do not make:
             "set:<type>:<struct fmt>:<value>" (ACK requested) and "query:<type>"
  build      messages to build with seabreeze's encoder: [{"type", "hex", "version"}]
Prints one JSON object:
  writes     every message seabreeze wrote, hex, in order
  results    one per call: what seabreeze returned (a string, numbers, or the answer's data as hex)
  built      the messages of "build", hex
  config     the model's spectrometer settings in seabreeze (pixels, limits, max value, dark pixels)
  warnings   the warnings seabreeze raised (a checksum it found wrong would be one)
"""
import json
import struct
import sys
import warnings

from seabreeze.pyseabreeze import devices
from seabreeze.pyseabreeze.features.nonlinearity import NonlinearityCoefficientsFeatureOBP
from seabreeze.pyseabreeze.features.nonlinearity import NonlinearityCoefficientsFeatureOBP2
from seabreeze.pyseabreeze.protocol import OBP2Protocol
from seabreeze.pyseabreeze.protocol import OBPProtocol
from seabreeze.pyseabreeze.types import PySeaBreezeTransport


class Recorded(PySeaBreezeTransport):
    """A transport that records writes and answers reads from a list, one answer per read."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.writes = []

    def open_device(self, device):
        pass

    @property
    def is_open(self):
        return True

    def close_device(self):
        pass

    def write(self, data, timeout_ms=None, **kwargs):
        self.writes.append(bytes(data))
        return len(data)

    def read(self, size=None, timeout_ms=None, mode=None, **kwargs):
        if not self.answers:
            raise RuntimeError("seabreeze read more answers than Precis's driver received")
        return self.answers.pop(0)

    @property
    def default_timeout_ms(self):
        return 1000

    @property
    def protocol(self):
        raise NotImplementedError

    @classmethod
    def list_devices(cls, **kwargs):
        return []

    @classmethod
    def register_model(cls, model_name, **kwargs):
        pass

    @classmethod
    def supported_model(cls, device):
        return None

    @classmethod
    def specialize(cls, model_name, **kwargs):
        return cls


class Device:
    """Enough of a SeaBreezeDevice for its get_serial_number."""

    def __init__(self, protocol):
        self._transport = type("T", (), {"protocol": protocol})()


def main():
    request = json.load(sys.stdin)
    device_cls = getattr(devices, request["model"])
    feature_cls = device_cls._feature_classes["spectrometer"][0]
    config = dict(feature_cls.__init__._partialmethod.keywords)
    transport = Recorded(bytes.fromhex(a) for a in request["answers"])
    generation2 = request["model"] in ("ST", "SR2", "SR4", "SR6", "HR2", "HR4", "HR6")
    protocol = (OBP2Protocol if generation2 else OBPProtocol)(transport)
    feature = feature_cls(protocol, 0)
    nonlinearity = (NonlinearityCoefficientsFeatureOBP2 if generation2 else NonlinearityCoefficientsFeatureOBP)(protocol, 0)
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in request["calls"]:
            parts = call.split(":")
            if call == "serial":
                results.append(devices.SeaBreezeDevice.get_serial_number(Device(protocol)))
            elif parts[0] == "set_itime":
                feature.set_integration_time_micros(int(parts[1]))
                results.append(None)
            elif call == "wavelengths":
                results.append([float(w) for w in feature.get_wavelengths()])
            elif call == "nonlinearity":
                results.append([float(c) for c in nonlinearity.get_nonlinearity_coefficients()])
            elif call == "intensities":
                results.append([float(c) for c in feature.get_intensities()])
            elif parts[0] == "set":
                data = struct.pack(parts[2], int(parts[3]))
                message = protocol._construct_outgoing_message(int(parts[1], 0), data, request_ack=True)
                transport.write(message)
                answer = transport.read()
                protocol._check_incoming_message_header(answer[:44])
                results.append(None)
            elif parts[0] == "query":
                message = protocol._construct_outgoing_message(int(parts[1], 0), b"", request_ack=False)
                transport.write(message)
                results.append(protocol.receive().hex())
            else:
                raise ValueError(f"unknown call {call}")
        built = []
        for b in request.get("build", []):
            encoder = OBP2Protocol(Recorded([])) if b["version"] == 0x2000 else OBPProtocol(Recorded([]))
            built.append(encoder._construct_outgoing_message(b["type"], bytes.fromhex(b["hex"]), request_ack=b.get("ack", False)).hex())
    json.dump({
        "writes": [w.hex() for w in transport.writes],
        "results": results,
        "built": built,
        "left": len(transport.answers),
        "config": {
            "pixels": config["spectrum_num_pixel"],
            "integration_min": config["integration_time_min"],
            "integration_max": config["integration_time_max"],
            "integration_base": config["integration_time_base"],
            "max_value": config["spectrum_max_value"],
            "dark_pixels": list(config["dark_pixel_indices"]),
        },
        "warnings": [str(w.message) for w in caught],
    }, sys.stdout)


if __name__ == "__main__":
    main()
