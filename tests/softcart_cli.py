"""The ``softcart`` command as a user runs it: a subprocess with the settings' environment."""

from __future__ import annotations

import subprocess
import sys

from softcart.core.settings import Settings


def softcart(settings: Settings, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "softcart.cli", *args],
        env=dict(settings.env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
