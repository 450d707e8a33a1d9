# warnings.warn with stacklevel and logging's caller file/line/function name.
import warnings
import logging
import sys

warnings.simplefilter("always")
def deprecated_api():
    warnings.warn("deprecated_api is deprecated", DeprecationWarning, stacklevel=2)

def user_code():
    deprecated_api()

user_code()
warnings.warn("module level", UserWarning)
def deeper():
    warnings.warn("stacklevel 3", RuntimeWarning, stacklevel=3)
def mid():
    deeper()
mid()
for i in range(2):
    warnings.warn("in loop %d" % i)
with warnings.catch_warnings(record=True) as caught:
    user_code()
print([(str(w.message), w.lineno, w.filename.endswith("24_warnings_logging.py")) for w in caught])

logging.basicConfig(stream=sys.stdout, level=logging.DEBUG,
                    format="%(levelname)s %(filename)s:%(lineno)d %(funcName)s %(message)s")
log = logging.getLogger("corpus")
log.info("at module level")
def worker(n):
    for i in range(n):
        log.debug("iteration %d", i)
    log.warning("done")
worker(2)
class Service:
    def run(self):
        log.error("from a method")
Service().run()
try:
    1 / 0
except ZeroDivisionError:
    log.exception("with exception")
