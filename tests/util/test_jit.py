"""arclf.util.jit: kernels stay plain Python until compiled, then every marked function is numba's."""

from __future__ import annotations

import subprocess
import sys


def test_importing_kernel_modules_does_not_import_numba():
    code = ("import sys, arclf.features.kernels, arclf.models.solver, arclf.evaluation.duplicates; "
            "from arclf.util.jit import any_compiled, kernel_sets; "
            "print('numba' in sys.modules, any_compiled(), sorted(s.module for s in kernel_sets()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert out[0] == "False" and out[1] == "False"
    assert "arclf.evaluation.duplicates" in out[2] and "arclf.features.kernels" in out[2] and "arclf.models.solver" in out[2]


def test_compile_replaces_marked_functions_and_prange():
    import numpy as np

    from arclf.util.jit import KernelSet

    namespace = {"__name__": "fake_kernels", "prange": range, "np": np}
    kernels = KernelSet(namespace)

    def total(x):
        s = 0.0
        for i in namespace["prange"](x.shape[0]):
            s += x[i]
        return s

    namespace["total"] = kernels.kernel()(total)
    assert kernels.names == ["total"] and not kernels.compiled
    assert namespace["total"] is total  # plain Python before compile
    kernels.compile()
    kernels.compile()  # idempotent
    import numba

    assert kernels.compiled and namespace["prange"] is numba.prange
    assert isinstance(namespace["total"], numba.core.registry.CPUDispatcher)
