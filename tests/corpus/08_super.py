# Zero-argument super(), __class__, diamond MRO, super in classmethods and properties.
class A:
    def who(self):
        return ["A"]
    @classmethod
    def cm(cls):
        return "A.cm(" + cls.__name__ + ")"
    @property
    def prop(self):
        return "A.prop"

class B(A):
    def who(self):
        return ["B"] + super().who()
    @classmethod
    def cm(cls):
        return "B>" + super().cm()

class C(A):
    def who(self):
        return ["C"] + super().who()
    @property
    def prop(self):
        return "C>" + super().prop

class D(B, C):
    def who(self):
        r = ["D"] + super().who()
        return r
    def cls_cell(self):
        return __class__.__name__
    def loop_super(self):
        out = []
        for i in range(3):
            out.append(super().who()[0] + str(i))
        return out

d = D()
print(d.who(), D.cm(), d.prop, d.cls_cell(), d.loop_super())
print([k.__name__ for k in D.__mro__])
print(super(B, d).who(), super(D, D).cm())

class E(D):
    def who(self):
        return ["E"] + super(D, self).who()
print(E().who(), E().cls_cell())

class WithInit(dict):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self["extra"] = True
    def __setitem__(self, k, v):
        super().__setitem__(k, str(v))
w = WithInit(a=1)
w["b"] = 2
print(sorted(w.items()))
def outside():
    try:
        super()
    except RuntimeError as e:
        print("RuntimeError:", e)
outside()
class F:
    def method(self):
        def inner():
            return __class__
        return inner().__name__
print(F().method())
