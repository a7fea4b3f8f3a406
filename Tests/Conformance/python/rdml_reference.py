"""Reads an RDML file with the RDML consortium's rdmlpython (PyPI 1.7.2): validates it against
the official XML schema shipped with rdmlpython (1.3 and earlier; 1.7.2 has no 1.4 schema) and
prints, as JSON, what rdmlpython reads from it: per reaction the sample, and per target the Cq,
efficiency, background and every amplification and melting point.

Usage: rdml_reference.py FILE.rdml
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")
from rdmlpython import Rdml  # noqa: E402


def main(path):
    rdml = Rdml(path)
    report = rdml.validate()
    out = {"version": rdml.version(), "valid": "Schema validation result:\tTrue" in report, "validation": report, "runs": []}
    for experiment in rdml.experiments():
        for run in experiment.runs():
            reacts = []
            for react in run.getreactjson()["reacts"]:
                datas = []
                for d in react["datas"]:
                    datas.append({
                        "tar": d["tar"],
                        "cq": d.get("cq", ""),
                        "ampEff": d.get("ampEff", ""),
                        "bgFluor": d.get("bgFluor", ""),
                        "adp": [[float(p[0]), float(p[1])] for p in d.get("adps", [])],
                        "mdp": [[float(p[0]), float(p[1])] for p in d.get("mdps", [])],
                    })
                reacts.append({"id": int(react["id"]), "sample": react["sample"], "datas": datas})
            out["runs"].append({"experiment": experiment["id"], "run": run["id"], "reacts": reacts})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
