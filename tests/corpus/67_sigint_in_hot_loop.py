# A real SIGINT delivered inside a hot loop: caught once by the guest, then uncaught (status -2).
import os, signal
def spin():
    i = 0
    while True:
        i += 1
        if i == 20000:
            os.kill(os.getpid(), signal.SIGINT)
        if i > 10**7:
            return "not interrupted"
try:
    spin()
except KeyboardInterrupt:
    print("caught KeyboardInterrupt in the guest")
print("after")
spin()
