"""A ray tracer: spheres and a chequered floor, point lights, shadows and
mirror reflections, rendered into an in-memory greyscale image.

Checks itself: every pixel is in range, the ray through the centre of the
image hits the centre sphere, pixels in the sky are pure background, a
shadowed floor point is darker than a lit one.
"""

import math
import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


class Vec:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return Vec(self.x - o.x, self.y - o.y, self.z - o.z)

    def scale(self, k):
        return Vec(self.x * k, self.y * k, self.z * k)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def length(self):
        return math.sqrt(self.dot(self))

    def normalized(self):
        return self.scale(1.0 / self.length())


class Ray:
    __slots__ = ("origin", "direction")

    def __init__(self, origin, direction):
        self.origin = origin
        self.direction = direction

    def at(self, t):
        return self.origin + self.direction.scale(t)


class Sphere:
    def __init__(self, centre, radius, shade, mirror):
        self.centre, self.radius = centre, radius
        self.shade, self.mirror = shade, mirror

    def intersect(self, ray):
        oc = ray.origin - self.centre
        b = oc.dot(ray.direction)
        c = oc.dot(oc) - self.radius * self.radius
        disc = b * b - c
        if disc < 0:
            return None
        root = math.sqrt(disc)
        t = -b - root
        if t > 1e-6:
            return t
        t = -b + root
        return t if t > 1e-6 else None

    def normal_at(self, point):
        return (point - self.centre).normalized()

    def shade_at(self, point):
        return self.shade


class Floor:
    mirror = 0.2

    def __init__(self, height):
        self.height = height

    def intersect(self, ray):
        if abs(ray.direction.y) < 1e-9:
            return None
        t = (self.height - ray.origin.y) / ray.direction.y
        return t if t > 1e-6 else None

    def normal_at(self, point):
        return Vec(0.0, 1.0, 0.0)

    def shade_at(self, point):
        return 0.9 if (math.floor(point.x) + math.floor(point.z)) % 2 == 0 else 0.3


class Scene:
    background = 0.05

    def __init__(self):
        self.objects = [
            Sphere(Vec(0.0, 1.0, 6.0), 1.0, 0.8, 0.3),
            Sphere(Vec(-2.2, 0.7, 7.0), 0.7, 0.6, 0.0),
            Sphere(Vec(2.2, 0.7, 7.0), 0.7, 0.6, 0.0),
            Floor(0.0),
        ]
        self.lights = [(Vec(0.0, 8.0, 2.0), 0.7), (Vec(-6.0, 5.0, 0.0), 0.3)]

    def nearest(self, ray):
        best_t, best = None, None
        for obj in self.objects:
            t = obj.intersect(ray)
            if t is not None and (best_t is None or t < best_t):
                best_t, best = t, obj
        return best_t, best

    def lit(self, point, light_pos):
        to_light = light_pos - point
        distance = to_light.length()
        ray = Ray(point, to_light.scale(1.0 / distance))
        for obj in self.objects:
            t = obj.intersect(ray)
            if t is not None and t < distance:
                return False
        return True

    def trace(self, ray, depth):
        t, obj = self.nearest(ray)
        if obj is None:
            return self.background
        point = ray.at(t)
        normal = obj.normal_at(point)
        brightness = 0.1
        for light_pos, power in self.lights:
            if self.lit(point, light_pos):
                direction = (light_pos - point).normalized()
                brightness += power * max(0.0, normal.dot(direction))
        colour = obj.shade_at(point) * brightness
        if obj.mirror > 0 and depth < 3:
            d = ray.direction
            reflected = d - normal.scale(2.0 * d.dot(normal))
            colour = (1 - obj.mirror) * colour + obj.mirror * self.trace(
                Ray(point, reflected), depth + 1)
        return min(1.0, colour)


def render(scene, width, height):
    eye = Vec(0.0, 1.0, 0.0)
    image = []
    for row in range(height):
        y = 1.0 - 2.0 * (row + 0.5) / height
        line = []
        for col in range(width):
            x = (2.0 * (col + 0.5) / width - 1.0) * width / height
            ray = Ray(eye, Vec(x * 0.5, y * 0.5, 1.0).normalized())
            line.append(scene.trace(ray, 0))
        image.append(line)
    return image


def main():
    scale = bench_scale()
    height = max(8, int(260 * scale ** 0.5)) // 2 * 2
    width = height * 4 // 3 // 2 * 2
    scene = Scene()
    image = render(scene, width, height)
    assert all(0.0 <= p <= 1.0 for line in image for p in line)
    centre = scene.trace(Ray(Vec(0.0, 1.0, 0.0), Vec(0.0, 0.0, 1.0)), 0)
    assert centre != scene.background
    assert image[0][0] == scene.background  # the top corner sees only sky
    shadow = scene.trace(Ray(Vec(0.0, 1.0, 0.0), (Vec(0.0, 0.0, 7.2) - Vec(0.0, 1.0, 0.0)).normalized()), 0)
    open_floor = scene.trace(Ray(Vec(0.0, 1.0, 0.0), (Vec(0.0, 0.0, 2.5) - Vec(0.0, 1.0, 0.0)).normalized()), 0)
    assert shadow < open_floor, (shadow, open_floor)
    checksum = sum(sum(line) for line in image)
    print("%dx%d image, checksum %.6f" % (width, height, checksum))
    for line in image[:: max(1, height // 12)]:
        print("".join(" .:-=+*#%@"[min(9, int(p * 10))] for p in line[:: max(1, width // 48)]))


if __name__ == "__main__":
    main()
