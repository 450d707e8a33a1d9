"""Helper module imported by the corpus programs (not a program itself)."""

__all__ = ["Square", "area_sum", "PUBLIC_CONSTANT"]

PUBLIC_CONSTANT = 42
_private = "hidden"
not_exported = "not in __all__"


class Square:
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side


def area_sum(shapes):
    total = 0
    for s in shapes:
        total += s.area()
    return total
