"""Regex and text: a generated web-server log is parsed with regular
expressions, fields are extracted and aggregated, then the log is rewritten
with substitutions (anonymising addresses) and tokenised with a scanner.

Checks itself: the regex parse agrees with a hand-written str.split parse of
the same lines, the per-status counts add up, and the rewritten log still
parses to the same records apart from the address.
"""

import os
import re
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


PATHS = ["/", "/index.html", "/api/v1/items", "/api/v1/items/42", "/static/app.js",
         "/login", "/search?q=jit+compiler", "/img/logo.png"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
STATUSES = [200, 200, 200, 301, 304, 404, 500]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.4.0", "python-requests/2.31",
          "Googlebot/2.1 (+http://www.google.com/bot.html)"]

LINE = re.compile(
    r'(?P<ip>\d{1,3}(?:\.\d{1,3}){3}) - (?P<user>\S+) '
    r'\[(?P<day>\d\d)/(?P<month>\w{3})/(?P<year>\d{4}):(?P<time>\d\d:\d\d:\d\d) \+0000\] '
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) (?P<size>\d+|-) '
    r'"(?P<agent>[^"]*)"')
IP = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")
TOKEN = re.compile(r"(?P<number>\d+)|(?P<word>[A-Za-z_]+)|(?P<punct>[^\sA-Za-z_\d])|(?P<space>\s+)")


def make_log(count):
    lines = []
    state = 1
    for i in range(count):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        ip = "%d.%d.%d.%d" % (10 + state % 200, (state >> 8) % 256, (state >> 16) % 256, i % 256)
        user = "-" if state % 5 else "user%d" % (state % 17)
        status = STATUSES[(state >> 3) % len(STATUSES)]
        size = "-" if status == 304 else str((state >> 5) % 50000)
        lines.append('%s - %s [%02d/Nov/2026:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %s "%s"' % (
            ip, user, 1 + i % 28, (i // 3600) % 24, (i // 60) % 60, i % 60,
            METHODS[(state >> 7) % len(METHODS)], PATHS[(state >> 11) % len(PATHS)],
            status, size, AGENTS[(state >> 13) % len(AGENTS)]))
    return lines


def parse_by_split(line):
    """The same fields without regular expressions."""
    ip, _, user, rest = line.split(" ", 3)
    stamp, rest = rest[1:].split("] ", 1)
    request, rest = rest[1:].split('" ', 1)
    method, path, _ = request.split(" ")
    status, size, agent = rest.split(" ", 2)
    return ip, user, method, path, int(status), size, agent[1:-1], stamp[:-6]


def main():
    scale = bench_scale()
    lines = make_log(max(200, int(80_000 * scale)))
    by_status = {}
    bytes_by_path = {}
    for line in lines:
        m = LINE.match(line)
        assert m is not None, line
        g = m.groupdict()
        fields = (g["ip"], g["user"], g["method"], g["path"], int(g["status"]), g["size"],
                  g["agent"], "%s/%s/%s:%s" % (g["day"], g["month"], g["year"], g["time"]))
        assert fields == parse_by_split(line), line
        by_status[fields[4]] = by_status.get(fields[4], 0) + 1
        if fields[5] != "-":
            bytes_by_path[fields[3]] = bytes_by_path.get(fields[3], 0) + int(fields[5])
    assert sum(by_status.values()) == len(lines)

    anonymised = [IP.sub(lambda m: "%s.%s.x.x" % (m.group(1), m.group(2)), line) for line in lines]
    for before, after in zip(lines[:: 7], anonymised[:: 7]):
        b, a = LINE.match(before), LINE.match(after.replace(".x.x", ".0.0", 1))
        assert a is not None and b.group("path") == a.group("path"), after

    kinds = {}
    for line in lines[: len(lines) // 4]:
        for m in TOKEN.finditer(line):
            kinds[m.lastgroup] = kinds.get(m.lastgroup, 0) + 1
    assert sum(kinds.values()) > len(lines) // 4

    print("lines: %d" % len(lines))
    print("status: " + ", ".join("%d=%d" % kv for kv in sorted(by_status.items())))
    print("bytes: " + ", ".join("%s=%d" % kv for kv in sorted(bytes_by_path.items())))
    print("tokens: " + ", ".join("%s=%d" % kv for kv in sorted(kinds.items())))


if __name__ == "__main__":
    main()
