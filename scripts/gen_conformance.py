#!/usr/bin/python3
"""Generates ONNX's backend node tests (model.onnx + test_data_set_0/*.pb).

Usage: /usr/bin/python3 scripts/gen_conformance.py OUT_DIR

Uses the test-case generator shipped with the installed onnx package (Debian's
python3-onnx 1.12) and writes the same layout as `backend-test-tools
generate-data`: OUT_DIR/<test_name>/model.onnx and
OUT_DIR/<test_name>/test_data_set_0/{input,output}_<k>.pb. Only node tests
are produced. A case whose generator raises is skipped and counted, so one
broken case does not drop its whole operator.
"""

import importlib
import os
import pkgutil
import shutil
import sys
import time
import warnings

import numpy as np

# NumPy 1.24 removed these aliases; the onnx 1.12 generator still uses them.
# (Looked up in __dict__: hasattr() on a removed alias emits a FutureWarning.)
for _alias, _type in (("float", float), ("int", int), ("bool", bool), ("object", object),
                      ("complex", complex), ("str", str)):
    if _alias not in np.__dict__:
        setattr(np, _alias, _type)
warnings.filterwarnings("ignore", category=DeprecationWarning)

import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
import onnx.backend.test.case.base as case_base  # noqa: E402
import onnx.backend.test.case.node as node_cases  # noqa: E402

_failures = []  # (class.export name, error text)


def _tolerant_exporter_init(cls, name, bases, dct):
    """Replacement for _Exporter.__init__ that runs each export_* on its own.

    The stock metaclass calls every export function while the class is being
    defined, so one exception aborts the whole module (every case of that op).
    """
    for key, value in dct.items():
        if not key.startswith("export"):
            continue
        np.random.seed(seed=0)  # as the stock generator does, per export
        try:
            getattr(cls, key)()
        except Exception as e:  # noqa: BLE001 - any generator bug means "skip this case"
            _failures.append((f"{name}.{key}", f"{type(e).__name__}: {e}"))
    type.__init__(cls, name, bases, dct)


def _import_all(package):
    """Imports every module under `package` (each import registers its cases)."""
    for _loader, mod_name, is_pkg in pkgutil.iter_modules(package.__path__):
        full = f"{package.__name__}.{mod_name}"
        try:
            module = importlib.import_module(full)
        except Exception as e:  # noqa: BLE001
            _failures.append((full, f"import failed: {type(e).__name__}: {e}"))
            continue
        if is_pkg:
            _import_all(module)


def _to_proto(value, value_info):
    """Serialises one input/output like backend-test-tools does."""
    t = value_info.type
    if t.HasField("sequence_type"):
        return numpy_helper.from_list(value, value_info.name)
    if t.HasField("optional_type"):
        return numpy_helper.from_optional(value, value_info.name)
    if t.HasField("map_type"):
        return numpy_helper.from_dict(value, value_info.name)
    return numpy_helper.from_array(np.asarray(value), value_info.name)


def _write_case(out_dir, case):
    case_dir = os.path.join(out_dir, case.name)
    data_dir = os.path.join(case_dir, "test_data_set_0")
    os.makedirs(data_dir)
    with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    inputs, outputs = case.data_sets[0]
    graph = case.model.graph
    for kind, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
        for k, value in enumerate(values):
            with open(os.path.join(data_dir, f"{kind}_{k}.pb"), "wb") as f:
                f.write(_to_proto(value, infos[k]).SerializeToString())


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out_dir = argv[1]
    start = time.time()
    case_base._Exporter.__init__ = _tolerant_exporter_init
    node_cases._TargetOpType = None
    _import_all(node_cases)
    cases = node_cases._NodeTestCases

    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    # A few generators emit the same name twice; like generate-data (which
    # rewrites the directory), the last one wins.
    by_name = {case.name: case for case in cases}
    written, write_failures = 0, []
    for case in by_name.values():
        try:
            _write_case(out_dir, case)
            written += 1
        except Exception as e:  # noqa: BLE001
            shutil.rmtree(os.path.join(out_dir, case.name), ignore_errors=True)
            write_failures.append((case.name, f"{type(e).__name__}: {e}"))

    for what, err in _failures + write_failures:
        print(f"  skipped {what}: {err.splitlines()[0] if err else ''}")
    print(f"gen_conformance: wrote {written} node tests to {out_dir} "
          f"(onnx {onnx.__version__}; {len(_failures)} generator exports and "
          f"{len(write_failures)} writes skipped) in {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
