# sys.exit from inside an exception handler and from inside a with block; status 4.
import sys

class Guard:
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        print("guard exit sees", exc[0].__name__)
        return False

def main():
    try:
        raise ValueError("trigger")
    except ValueError:
        with Guard():
            sys.exit(4)

main()
