"""A keyword call (KW_NAMES, PRECALL, CALL: sorted(key=...)) right after an inner loop,
in a loop traced at once.  A trace must not end where it starts without progress: an
exit to the KW_NAMES that starts its own side trace, linked to itself, spins forever."""


def keyword_call_after_inner_loop(n):
    acc = 0
    for i in range(n):
        for j in range(i % 4):
            acc = acc + j * i
        acc += sorted([3, i % 5, 1], key=lambda v: -v)[0]
    return acc


def keyword_call_alone(n):
    acc = 0
    for i in range(n):
        acc += sorted([i % 7, 2, 5], key=lambda v: v % 3, reverse=True)[0]
        acc += max(i, 3, key=lambda v: -v) + int("7", base=8)
    return acc


print(keyword_call_after_inner_loop(20))
print(keyword_call_after_inner_loop(100))
print(keyword_call_alone(100))
