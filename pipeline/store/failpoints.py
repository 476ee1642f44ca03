"""Named points where the crash-safety tests kill the process (SIGKILL), to prove recovery.

Inert unless BROADSHEET_FAILPOINT names the point; costs one dict lookup otherwise.
"""
from __future__ import annotations

import os
import signal


def failpoint(name: str) -> None:
    if os.environ.get("BROADSHEET_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
