"""One row through a LightGBM model without ``Booster.predict``'s per-call set-up.

``Booster.predict`` on one row spent ~55 of its ~65 us (measured on the risk models) on
Python set-up: copying parameters, building an inner predictor and converting the
input. LightGBM's C API has a variant for exactly this case,
``LGBM_BoosterPredictForMatSingleRowFast``: the configuration is prepared once
(``...FastInit``) and each call passes a pointer to the row. Same trees, same code in
LightGBM's predictor, so the same numbers as ``Booster.predict`` (tested bit for bit).

The C API is reached through the library handle the ``lightgbm`` package has already
loaded and the booster's handle; both are private names of the package, so any failure
to reach them leaves ``single_row_predictor`` returning None and callers keep using
``Booster.predict``.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

# LightGBM's c_api.h constants.
_PREDICT_NORMAL = 0
_DTYPE_FLOAT64 = 1


class SingleRowPredictor:
    """``booster.predict(x[None, :])[0]`` for one float64 row, at C-call cost.

    Thread-safe: LightGBM guards the prepared configuration's buffers with its own
    mutex, and each call writes to its own output."""

    def __init__(self, booster: Any, lib: Any, n_features: int) -> None:
        self._booster = booster  # keeps the model alive as long as the configuration
        self._lib = lib
        self.n_features = n_features
        self._config = ctypes.c_void_p()
        best = int(getattr(booster, "best_iteration", -1) or -1)
        rc = lib.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster._handle,
            ctypes.c_int(_PREDICT_NORMAL),
            ctypes.c_int(0),  # start iteration
            ctypes.c_int(best if best > 0 else -1),  # as Booster.predict: best or all
            ctypes.c_int(_DTYPE_FLOAT64),
            ctypes.c_int32(n_features),
            ctypes.c_char_p(b"num_threads=1"),
            ctypes.byref(self._config),
        )
        if rc != 0:
            raise OSError(lib.LGBM_GetLastError().decode())

    def __call__(self, row: np.ndarray) -> float:
        row = np.ascontiguousarray(row, dtype=np.float64)
        if row.shape != (self.n_features,):
            raise ValueError(f"expected {self.n_features} features, got shape {row.shape}")
        out = np.zeros(1)
        out_len = ctypes.c_int64()
        rc = self._lib.LGBM_BoosterPredictForMatSingleRowFast(
            self._config,
            ctypes.c_void_p(row.ctypes.data),
            ctypes.byref(out_len),
            ctypes.c_void_p(out.ctypes.data),
        )
        if rc != 0:
            raise OSError(self._lib.LGBM_GetLastError().decode())
        return float(out[0])

    def __del__(self) -> None:
        config = getattr(self, "_config", None)
        if config is not None and config.value:
            self._lib.LGBM_FastConfigFree(config)
            config.value = None


def single_row_predictor(booster: Any) -> SingleRowPredictor | None:
    """The fast predictor of a binary or regression booster (one output per row), or
    None when the C API cannot be reached (``Booster.predict`` then serves)."""
    try:
        from lightgbm.basic import _LIB

        lib = _LIB
        lib.LGBM_GetLastError.restype = ctypes.c_char_p
        if booster.num_model_per_iteration() != 1:
            return None
        return SingleRowPredictor(booster, lib, int(booster.num_feature()))
    except (ImportError, AttributeError, OSError):
        return None
