# A custom sys.excepthook receives the uncaught exception (and its traceback) instead.
import sys
import traceback

def hook(etype, value, tb):
    print("custom hook:", etype.__name__, value)
    print("frames:", [fs.name for fs in traceback.extract_tb(tb)])
    print("lines:", [fs.line for fs in traceback.extract_tb(tb)])
sys.excepthook = hook

def fails():
    raise LookupError("handled by the hook")

def caller():
    fails()
caller()
