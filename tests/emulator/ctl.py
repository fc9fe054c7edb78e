"""Small HTTP helpers for scripts/emulator (stdlib only, so any Python 3 runs it).

  ctl.py probe URL              exit 0 and print the server's pid if an emulator answers at URL
  ctl.py port-busy PORT         exit 0 if something accepts connections on 127.0.0.1:PORT
  ctl.py wait URL PID SECONDS   wait until the emulator with PID answers; exit 1 if PID dies
                                or the deadline passes
  ctl.py get URL PATH           print the JSON answer of GET URL+PATH
  ctl.py post URL PATH [JSON]   print the JSON answer of POST URL+PATH
"""

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def _request(url: str, method: str = "GET", body: bytes | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def probe(url: str) -> int | None:
    """The pid of the emulator answering at url, or None."""
    try:
        status, body = _request(url + "/_emulator/health", timeout=2.0)
        doc = json.loads(body)
    except (OSError, ValueError):
        return None
    if status == 200 and isinstance(doc, dict) and doc.get("emulator") == "aws-emulator":
        return int(doc["pid"])
    return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive for us.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else ""
    if cmd == "probe":
        pid = probe(argv[1])
        if pid is None:
            return 1
        print(pid)
        return 0
    if cmd == "port-busy":
        with socket.socket() as s:
            s.settimeout(1.0)
            return 0 if s.connect_ex(("127.0.0.1", int(argv[1]))) == 0 else 1
    if cmd == "wait":
        url, pid, deadline = argv[1], int(argv[2]), time.monotonic() + float(argv[3])
        while time.monotonic() < deadline:
            if probe(url) == pid:
                return 0
            if not alive(pid):
                print(f"emulator process {pid} exited during start-up", file=sys.stderr)
                return 1
            time.sleep(0.05)
        print(f"emulator did not answer at {url} within {argv[3]}s", file=sys.stderr)
        return 1
    if cmd in ("get", "post"):
        body = (argv[3] if len(argv) > 3 else "{}").encode() if cmd == "post" else None
        try:
            status, data = _request(argv[1] + argv[2], method=cmd.upper(), body=body, timeout=30.0)
        except OSError as err:
            print(f"cannot reach the emulator at {argv[1]}: {err}", file=sys.stderr)
            return 3
        sys.stdout.write(data.decode())
        return 0 if status == 200 else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
