# An uncaught exception raised while a class body runs, inside a loop of a function.
def build(n):
    classes = []
    for i in range(n):
        class Item:
            index = i
            label = "item-%d" % (10 // (3 - i))
        classes.append(Item)
    return classes

print([c.label for c in build(3)])
build(5)
