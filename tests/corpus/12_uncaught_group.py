# An uncaught exception group: printed as python prints groups, exit status 1.
def a():
    raise ValueError("in a")

def b():
    try:
        a()
    except ValueError as e:
        return e

def fail():
    errors = []
    for i in range(3):
        try:
            if i == 0:
                a()
            elif i == 1:
                raise TypeError("i=%d" % i)
            else:
                {}[i]
        except Exception as e:
            errors.append(e)
    raise ExceptionGroup("three failures", errors + [ExceptionGroup("nested", [b()])])

print("before")
fail()
