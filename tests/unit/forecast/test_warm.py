"""The forecast kernels load before the first forecast needs them."""

from __future__ import annotations

import numba

from da_platform.forecast import kernels
from da_platform.forecast.warm import warm_kernels


def test_warm_kernels_loads_every_compiled_kernel_of_the_forecast() -> None:
    warm_kernels()
    # The kernels Python calls; the private ones are compiled into their callers, not loaded on their own.
    dispatchers = {
        name: value
        for name, value in vars(kernels).items()
        if isinstance(value, numba.core.registry.CPUDispatcher) and not name.startswith("_")
    }
    assert dispatchers, "forecast/kernels.py has no numba kernels any more: this test has nothing to check"
    unloaded = sorted(name for name, kernel in dispatchers.items() if not kernel.signatures)
    assert not unloaded, f"a forecast still loads these kernels on first use: {unloaded}"
