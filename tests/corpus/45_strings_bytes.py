# String and bytes work in loops: building, slicing, methods, encodings.
def caesar(text, k):
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + k) % 26 + 97))
        else:
            out.append(ch)
    return "".join(out)

msg = "hello world, the quick brown fox"
enc = caesar(msg, 3)
print(enc, caesar(enc, -3) == msg)
s = ""
for i in range(300):
    s += str(i % 10)
print(len(s), s[:20], s.count("7"), s.find("789"), s.rfind("012"))
print("a,b,,c".split(","), " x y ".strip(), "abc".replace("b", "B"), "Title case".title(), "x".join("abc"))
print("é".encode("utf-8"), b"\xc3\xa9".decode(), "ß".upper(), "İ".lower(), len("İ".lower()))
data = bytearray()
for i in range(256):
    data.append(i)
print(len(data), data[250:], bytes(data[:5]).hex(), sum(data))
words = "lorem ipsum dolor sit amet consectetur adipiscing elit".split()
acc = {}
for w in words * 20:
    acc[w[0]] = acc.get(w[0], "") + w[-1]
print(sorted((k, len(v)) for k, v in acc.items()))
print(repr("quote'\"\n\t\x00"), ascii("ü"), str(b"b"), format(3.5, "08.3f"))
lines = "\n".join("line %d" % i for i in range(5)).splitlines()
print(lines, "%-6s|%6s|" % ("l", "r"))
print(int("ff", 16), int("  42 "), float("1e-3"), hex(255), oct(8), bin(5), chr(9731), ord("€"))
