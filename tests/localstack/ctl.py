"""Small helpers for scripts/localstack (stdlib only, so any Python 3 runs it).

  ctl.py health URL                  exit 0 and print LocalStack's version if it answers at URL
  ctl.py port-busy PORT              exit 0 if something accepts connections on 127.0.0.1:PORT
  ctl.py free-port                   print a TCP port that is free on 127.0.0.1 right now
  ctl.py listener PORT               print the pid of the process listening on 127.0.0.1:PORT
                                     (or on 0.0.0.0), exit 1 if none is found
  ctl.py wait URL PID PORT SECONDS   wait until LocalStack answers at URL from a socket that PID
                                     listens on; exit 1 if PID dies or the deadline passes
  ctl.py group PID                   print the pids whose process group is PID (PID excluded)
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request

HEALTH = "/_localstack/health"


def health(url: str) -> str | None:
    """LocalStack's version if its health route answers at url, else None."""
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=2.0) as resp:
            doc = json.loads(resp.read())
    except (OSError, ValueError, urllib.error.HTTPError):
        return None
    if isinstance(doc, dict) and isinstance(doc.get("services"), dict) and "version" in doc:
        return str(doc["version"])
    return None


def alive(pid: int) -> bool:
    """True for a live process; a zombie (exited, not yet reaped) is not alive."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on 127.0.0.1:port or 0.0.0.0:port (IPv4 and IPv6)."""
    inodes = set()
    wanted = {f"0100007F:{port:04X}", f"00000000:{port:04X}"}
    wanted6 = {f"00000000000000000000000000000000:{port:04X}", f"00000000000000000000000001000000:{port:04X}"}
    for table, addresses in (("/proc/net/tcp", wanted), ("/proc/net/tcp6", wanted6)):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    # st 0A = LISTEN
                    if fields[1] in addresses and fields[3] == "0A":
                        inodes.add(fields[9])
        except OSError:
            continue
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def listens(pid: int, port: int) -> bool:
    return bool(_listening_inodes(port) & _socket_inodes(pid))


def listener(port: int) -> int | None:
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for name in os.listdir("/proc"):
        if name.isdigit() and _socket_inodes(int(name)) & inodes:
            return int(name)
    return None


def group(pid: int) -> list[int]:
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == pid:
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # Fields after the command: state, ppid, pgrp, ...
        if int(fields[2]) == pid and fields[0] != "Z":
            members.append(int(name))
    return members


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else ""
    if cmd == "health":
        version = health(argv[1])
        if version is None:
            return 1
        print(version)
        return 0
    if cmd == "port-busy":
        with socket.socket() as s:
            s.settimeout(1.0)
            return 0 if s.connect_ex(("127.0.0.1", int(argv[1]))) == 0 else 1
    if cmd == "free-port":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            print(s.getsockname()[1])
        return 0
    if cmd == "listener":
        pid = listener(int(argv[1]))
        if pid is None:
            return 1
        print(pid)
        return 0
    if cmd == "wait":
        url, pid, port = argv[1], int(argv[2]), int(argv[3])
        deadline = time.monotonic() + float(argv[4])
        while time.monotonic() < deadline:
            if listens(pid, port) and health(url) is not None:
                return 0
            if not alive(pid):
                print(f"localstack process {pid} exited during start-up", file=sys.stderr)
                return 1
            time.sleep(0.1)
        print(f"localstack did not answer at {url}{HEALTH} within {argv[4]}s", file=sys.stderr)
        return 1
    if cmd == "group":
        for member in group(int(argv[1])):
            print(member)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
