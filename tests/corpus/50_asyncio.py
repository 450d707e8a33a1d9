# asyncio: coroutines run natively; the event loop is driven from tier-1 module code.
import asyncio

async def produce(q, n):
    for i in range(n):
        await q.put(i)
        await asyncio.sleep(0)
    await q.put(None)

async def consume(q):
    total = 0
    while True:
        item = await q.get()
        if item is None:
            return total
        total += item

async def failing():
    await asyncio.sleep(0)
    raise ValueError("async failure")

async def main():
    q = asyncio.Queue()
    _, total = await asyncio.gather(produce(q, 50), consume(q))
    print("total", total)
    try:
        await failing()
    except ValueError as e:
        print("caught", e)
    results = await asyncio.gather(failing(), asyncio.sleep(0, "ok"), return_exceptions=True)
    print([repr(r) for r in results])
    async with asyncio.timeout(10):
        await asyncio.sleep(0)
    return "main done"

print(asyncio.run(main()))
