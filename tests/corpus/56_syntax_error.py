# A script that does not compile: python prints the SyntaxError and exits with status 1.
def broken(:
    return 1
