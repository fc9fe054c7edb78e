"""The emulator's own cost per AWS call: p50/p95 of an EC2 DescribeVpcs round trip.

Usage: tests/emulator/.venv/bin/python tests/emulator/overhead.py URL [N]

Sends N (default 300, after 20 to warm up) signed-looking DescribeVpcs requests, one
at a time on one keep-alive connection (as an SDK client does), and prints the
percentiles in milliseconds as JSON. Run it with latency_profile "none" and no
request delay: what remains is moto plus the extensions (classification, stats,
the due-transition check), i.e. the floor under anything a benchmark measures.
"""

import http.client
import json
import sys
import time
from urllib.parse import urlparse

BODY = b"Action=DescribeVpcs&Version=2016-11-15"
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0",
    "X-Amz-Date": "20260101T000000Z",
}


def measure(url: str, n: int) -> dict[str, float]:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    timings = []
    for i in range(n + 20):
        started = time.perf_counter()
        conn.request("POST", "/", body=BODY, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"DescribeVpcs answered {response.status}")
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
        if i >= 20:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "requests": n,
        "p50_ms": round(timings[len(timings) // 2], 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
    }


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)))
