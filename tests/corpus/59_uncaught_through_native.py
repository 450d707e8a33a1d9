# An uncaught exception raised in a tier-1 function called back from native code (sorted).
def key(item):
    return 10 // (item - 3)

def order(items):
    out = []
    for i in range(2):
        out.append(sorted(items, key=key))
    return out

print(order([5, 4, 7]))
print(list(map(key, [4, 5])))
order([1, 2, 3, 4])
