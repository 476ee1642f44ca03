"""Named points where the crash-safety tests kill the process (SIGKILL), to prove recovery.

Inert unless BROADSHEET_FAILPOINT names the point; costs one dict lookup otherwise. With
BROADSHEET_FAILPOINT_ACTION=pause the process waits there instead, for a test to signal it
(writing its pid to the file BROADSHEET_FAILPOINT_PAUSED names, if set).
"""
from __future__ import annotations

import os
import signal
import time


def failpoint(name: str) -> None:
    if os.environ.get("BROADSHEET_FAILPOINT") == name:
        if os.environ.get("BROADSHEET_FAILPOINT_ACTION") == "pause":
            marker = os.environ.get("BROADSHEET_FAILPOINT_PAUSED")
            if marker:                    # tells the waiting test or benchmark that it is there
                with open(marker, "w", encoding="ascii") as handle:
                    handle.write(str(os.getpid()))
            while True:
                time.sleep(1)
        os.kill(os.getpid(), signal.SIGKILL)
