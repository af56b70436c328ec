"""Starting servers in tests: find the address gunicorn bound to port 0, read its output."""

from __future__ import annotations

import re
import subprocess
import threading

LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


class StartupReader(threading.Thread):
    """Reads a server's stderr into ``log``; ``address`` is where gunicorn listens, once ``found``."""

    def __init__(self, server: subprocess.Popen, log: list[str]) -> None:
        super().__init__(daemon=True)
        self.server, self.log, self.address = server, log, ""
        self.found = threading.Event()

    def run(self) -> None:
        for line in self.server.stderr:
            self.log.append(line)
            match = LISTENING.search(line)
            if match and not self.address:
                self.address = match.group(1)
                self.found.set()
