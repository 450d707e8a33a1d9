# An uncaught exception raised from deep inside a hot loop, after many iterations.
def step(values, i):
    return values[i] // (values[i] - 500)

def process(values):
    total = 0
    for i in range(len(values)):
        total += step(values, i)
    return total

data = list(range(1000))
print("processing")
print(process(data[:400]))
process(data)
