# print with sep/end/file/flush to both streams, and unicode output.
import sys
print("a", "b", sep="-", end="!\n")
print("to stderr", file=sys.stderr)
print("unicode: é ß ☃ 中文")
sys.stdout.write("write ")
sys.stderr.write("err write\n")
print(1, 2.5, None, [1], {"k": (1,)}, flush=True)
print(*range(5), sep=", ")
print()
print("", end="")
for i in range(3):
    print(i, end=" ", file=sys.stderr)
print(file=sys.stderr)
