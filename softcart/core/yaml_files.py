"""YAML read with libyaml's C loader where PyYAML has it: several times faster than the pure-Python
``yaml.safe_load`` (the same safe constructor), which matters for the files every run reads
(``ingest/streams.yml``, the Superset bundle: 0.24 s of a `softcart up` that changed nothing)."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load(text)``, with the C loader when there is one; raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506  (a safe loader: SafeLoader or CSafeLoader)
