# An uncaught RecursionError: the repeated lines are folded as python folds them.
def walk(node):
    return walk(node + 1) + 1

print("walking")
walk(0)
