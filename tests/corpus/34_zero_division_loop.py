# Exceptions raised inside hot loops and caught by an except inside the loop.
def safe_ratios(n):
    out = 0.0
    errors = 0
    for i in range(n):
        try:
            out += 100 / (i % 50)
        except ZeroDivisionError:
            errors += 1
    return round(out, 6), errors

def int_div(n):
    total = 0
    failures = []
    for i in range(n):
        d = (i % 7) - 3
        try:
            total += 1000 // d
        except ZeroDivisionError as e:
            failures.append(str(e))
    return total, len(failures), failures[0]

def key_errors(n):
    d = {i: i for i in range(0, n, 3)}
    hits = misses = 0
    for i in range(n):
        try:
            hits += d[i]
        except KeyError:
            misses += 1
    return hits, misses

def break_out(n):
    i = 0
    try:
        while True:
            i += 1
            if i > n:
                raise StopIteration(i)
    except StopIteration as e:
        return e.value
print(safe_ratios(5000))
print(int_div(3000))
print(key_errors(3000))
print(break_out(2500))
def modulo_float(n):
    s = 0.0
    for i in range(n):
        try:
            s += 1.0 % (i % 10)
        except ZeroDivisionError as e:
            s -= 1
    return s
print(modulo_float(2000))
