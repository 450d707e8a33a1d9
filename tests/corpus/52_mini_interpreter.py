# A small real program: tokenizer, recursive-descent parser and evaluator for arithmetic.
import re

TOKEN = re.compile(r"\s*(?:(\d+\.?\d*)|(.))")

def tokenize(text):
    for number, op in TOKEN.findall(text):
        if number:
            yield ("num", float(number) if "." in number else int(number))
        elif op.strip():
            yield ("op", op)
    yield ("end", None)

class Parser:
    def __init__(self, text):
        self.tokens = list(tokenize(text))
        self.pos = 0
    def peek(self):
        return self.tokens[self.pos]
    def take(self):
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok
    def expr(self):
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value
    def term(self):
        value = self.factor()
        while self.peek() in (("op", "*"), ("op", "/"), ("op", "%")):
            op = self.take()[1]
            rhs = self.factor()
            if op == "*":
                value *= rhs
            elif op == "/":
                value /= rhs
            else:
                value %= rhs
        return value
    def factor(self):
        kind, val = self.take()
        if kind == "num":
            return val
        if val == "-":
            return -self.factor()
        if val == "(":
            v = self.expr()
            if self.take() != ("op", ")"):
                raise SyntaxError("expected )")
            return v
        raise SyntaxError("unexpected %r" % (val,))

for text in ["1 + 2 * 3", "(1 + 2) * 3", "-4 + 10 / 4", "2 * (3 + (4 - 1)) % 5", "7 / 0", "1 + )", "1.5 * 4"]:
    try:
        print(text, "=", Parser(text).expr())
    except ZeroDivisionError as e:
        print(text, "->", type(e).__name__, e)
    except SyntaxError as e:
        print(text, "->", type(e).__name__, e)
total = 0
for i in range(200):
    total += Parser("%d * (%d + 1) - %d" % (i, i, i)).expr()
print(total)
