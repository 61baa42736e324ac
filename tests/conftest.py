"""Shared test set-up: quiet, deterministic, single-threaded numerics so timings do not fight."""
from __future__ import annotations

import os

os.environ.setdefault("CI", "true")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
