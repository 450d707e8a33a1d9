"""Float n-body: a small planetary system integrated with leapfrog steps.

Bodies come from a deterministic generator (no published data set). Checks
itself: total energy and momentum are conserved within tight tolerances.
"""

import math
import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


class Body:
    __slots__ = ("x", "y", "z", "vx", "vy", "vz", "mass")

    def __init__(self, x, y, z, vx, vy, vz, mass):
        self.x, self.y, self.z = x, y, z
        self.vx, self.vy, self.vz = vx, vy, vz
        self.mass = mass


def make_system(count):
    """A heavy star and `count` planets on near-circular orbits (G = 1)."""
    star = Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1000.0)
    bodies = [star]
    seed = 12345
    for k in range(count):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        radius = 5.0 + 3.0 * k + (seed % 1000) / 1000.0
        angle = (seed % 6283) / 1000.0
        speed = math.sqrt(star.mass / radius)
        mass = 0.01 + (seed % 97) / 1000.0
        bodies.append(Body(radius * math.cos(angle), radius * math.sin(angle),
                           0.01 * k, -speed * math.sin(angle), speed * math.cos(angle),
                           0.0, mass))
    # Put the centre of mass at rest so momentum starts at zero.
    px = sum(b.vx * b.mass for b in bodies)
    py = sum(b.vy * b.mass for b in bodies)
    pz = sum(b.vz * b.mass for b in bodies)
    star.vx -= px / star.mass
    star.vy -= py / star.mass
    star.vz -= pz / star.mass
    return bodies


def energy(bodies):
    e = 0.0
    for i, a in enumerate(bodies):
        e += 0.5 * a.mass * (a.vx * a.vx + a.vy * a.vy + a.vz * a.vz)
        for b in bodies[i + 1:]:
            dx, dy, dz = a.x - b.x, a.y - b.y, a.z - b.z
            e -= a.mass * b.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def momentum(bodies):
    return (sum(b.vx * b.mass for b in bodies),
            sum(b.vy * b.mass for b in bodies),
            sum(b.vz * b.mass for b in bodies))


def advance(bodies, pairs, dt, steps):
    for _ in range(steps):
        for a, b in pairs:
            dx = a.x - b.x
            dy = a.y - b.y
            dz = a.z - b.z
            dist2 = dx * dx + dy * dy + dz * dz
            mag = dt / (dist2 * math.sqrt(dist2))
            bm = b.mass * mag
            am = a.mass * mag
            a.vx -= dx * bm
            a.vy -= dy * bm
            a.vz -= dz * bm
            b.vx += dx * am
            b.vy += dy * am
            b.vz += dz * am
        for body in bodies:
            body.x += dt * body.vx
            body.y += dt * body.vy
            body.z += dt * body.vz


def main():
    scale = bench_scale()
    steps = max(50, int(200_000 * scale))
    bodies = make_system(5)
    pairs = [(bodies[i], bodies[j])
             for i in range(len(bodies)) for j in range(i + 1, len(bodies))]
    e0 = energy(bodies)
    advance(bodies, pairs, 0.001, steps)
    e1 = energy(bodies)
    drift = abs((e1 - e0) / e0)
    assert drift < 1e-5, drift
    assert all(abs(p) < 1e-9 for p in momentum(bodies)), momentum(bodies)
    print("steps: %d" % steps)
    print("energy before: %.9f" % e0)
    print("energy after:  %.9f" % e1)


if __name__ == "__main__":
    main()
