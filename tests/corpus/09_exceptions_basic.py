# try/except/else/finally, nested handlers, return in finally, the except variable cleared.
def f(kind):
    log = []
    try:
        log.append("try")
        if kind == "value":
            raise ValueError("bad value")
        if kind == "key":
            {}["nope"]
        if kind == "zero":
            1 / 0
    except (ValueError, KeyError) as e:
        log.append("caught " + type(e).__name__ + " " + repr(e))
    except ZeroDivisionError:
        log.append("zero")
        try:
            raise TypeError("inner")
        except TypeError as e2:
            log.append("inner " + str(e2))
    else:
        log.append("else")
    finally:
        log.append("finally")
    return log

for k in ["none", "value", "key", "zero"]:
    print(k, f(k))

def ret_in_finally():
    try:
        return "try"
    finally:
        print("finally runs before the return")

print(ret_in_finally())

def override():
    try:
        raise ValueError
    finally:
        return "finally swallowed"
print(override())

def loop_finally():
    out = []
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
        finally:
            out.append("f%d" % i)
    return out
print(loop_finally())

try:
    raise ValueError("x")
except ValueError as err:
    pass
try:
    err
except NameError as e:
    print("NameError:", e)

def reraise():
    try:
        raise KeyError("k")
    except KeyError:
        raise
try:
    reraise()
except KeyError as e:
    print("re-raised", repr(e))

class MyError(Exception):
    def __init__(self, code):
        super().__init__("code %d" % code)
        self.code = code
try:
    raise MyError(7)
except Exception as e:
    print(type(e).__name__, e, e.code, e.args)
try:
    try:
        raise OSError(2, "No such file")
    except OSError as e:
        print(e.errno, e.strerror, type(e).__name__)
        raise RuntimeError("wrapped")
except RuntimeError as e:
    print("context:", repr(e.__context__), e.__suppress_context__)
try:
    assert 1 + 1 == 3, "math is broken"
except AssertionError as e:
    print("AssertionError:", e)
try:
    assert False
except AssertionError as e:
    print("bare assert", repr(e))
def gen_exc():
    for exc in (ValueError, TypeError, IndexError, StopIteration, ArithmeticError):
        try:
            raise exc("msg")
        except (ValueError, TypeError):
            yield "vt"
        except LookupError:
            yield "lookup"
        except Exception as e:
            yield "other " + type(e).__name__
print(list(gen_exc()))
try:
    raise 42
except TypeError as e:
    print("TypeError:", e)
try:
    try:
        pass
    except 42:
        pass
    raise ValueError
except ValueError:
    print("ok")
try:
    try:
        raise ValueError
    except 42:
        pass
except TypeError as e:
    print("TypeError:", e)
