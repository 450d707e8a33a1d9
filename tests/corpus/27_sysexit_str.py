# sys.exit("message"): the message goes to stderr, status 1.
import sys
print("output first", end="")
sys.exit("fatal: something went wrong")
