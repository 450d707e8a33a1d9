"""String building and parsing: records are serialised to a CSV-like text and
to a hand-written JSON-like text, then parsed back character by character.

Checks itself: both parsers return exactly the records that were written,
and an escaping round trip preserves every field.
"""

import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


NAMES = ["alpha", "beta, gamma", 'say "hi"', "delta\\epsilon", "zeta", "eta theta"]


def make_records(count):
    records = []
    state = 17
    for i in range(count):
        state = (state * 69069 + 1) & 0xFFFFFFFF
        name = NAMES[state % len(NAMES)] + str(i % 97)
        records.append((i, name, (state >> 8) % 100000 - 50000, (state >> 4) % 1000 / 8.0))
    return records


def csv_quote(field):
    if any(ch in field for ch in ',"\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def to_csv(records):
    out = []
    for ident, name, amount, ratio in records:
        out.append("%d,%s,%d,%s" % (ident, csv_quote(name), amount, repr(ratio)))
    return "\n".join(out) + "\n"


def parse_csv(text):
    records = []
    fields = []
    field = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while True:
                ch = text[i]
                if ch == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        field.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                field.append(ch)
                i += 1
            continue
        if ch == ",":
            fields.append("".join(field))
            field = []
        elif ch == "\n":
            fields.append("".join(field))
            field = []
            records.append((int(fields[0]), fields[1], int(fields[2]), float(fields[3])))
            fields = []
        else:
            field.append(ch)
        i += 1
    return records


def json_string(s):
    parts = ['"']
    for ch in s:
        if ch == '"':
            parts.append('\\"')
        elif ch == "\\":
            parts.append("\\\\")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def to_json(records):
    items = []
    for ident, name, amount, ratio in records:
        items.append('{"id": %d, "name": %s, "amount": %d, "ratio": %r}'
                     % (ident, json_string(name), amount, ratio))
    return "[" + ",\n ".join(items) + "]"


class JsonParser:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def skip(self):
        while self.text[self.pos] in " \n\t":
            self.pos += 1

    def expect(self, ch):
        self.skip()
        assert self.text[self.pos] == ch, (self.pos, ch)
        self.pos += 1

    def value(self):
        self.skip()
        ch = self.text[self.pos]
        if ch == "[":
            return self.array()
        if ch == "{":
            return self.object()
        if ch == '"':
            return self.string()
        return self.number()

    def array(self):
        self.expect("[")
        items = []
        self.skip()
        if self.text[self.pos] == "]":
            self.pos += 1
            return items
        while True:
            items.append(self.value())
            self.skip()
            if self.text[self.pos] == ",":
                self.pos += 1
                continue
            self.expect("]")
            return items

    def object(self):
        self.expect("{")
        result = {}
        while True:
            self.skip()
            key = self.string()
            self.expect(":")
            result[key] = self.value()
            self.skip()
            if self.text[self.pos] == ",":
                self.pos += 1
                continue
            self.expect("}")
            return result

    def string(self):
        assert self.text[self.pos] == '"'
        self.pos += 1
        chars = []
        while True:
            ch = self.text[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(chars)
            if ch == "\\":
                self.pos += 1
                ch = self.text[self.pos]
            chars.append(ch)
            self.pos += 1

    def number(self):
        start = self.pos
        while self.text[self.pos] in "-+.0123456789eE":
            self.pos += 1
        token = self.text[start:self.pos]
        if "." in token or "e" in token or "E" in token:
            return float(token)
        return int(token)


def main():
    scale = bench_scale()
    records = make_records(max(100, int(60_000 * scale)))
    csv_text = to_csv(records)
    assert parse_csv(csv_text) == records
    json_text = to_json(records)
    parsed = JsonParser(json_text).value()
    assert [(d["id"], d["name"], d["amount"], d["ratio"]) for d in parsed] == records
    print("records: %d, csv chars: %d, json chars: %d" % (len(records), len(csv_text), len(json_text)))
    print("amount total: %d" % sum(r[2] for r in records))


if __name__ == "__main__":
    main()
