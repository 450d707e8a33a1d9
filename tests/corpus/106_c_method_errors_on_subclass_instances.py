"""Calling a C method wrongly on an instance of a subclass that does not override it:
3.11's LOAD_METHOD pushes the method descriptor and self (_PyObject_GetMethod), so the
TypeError names the descriptor's type ("list.append() takes exactly one argument"); a
bound method would name the instance's type ("MyList.append()")."""


class MyList(list):
    pass


class MyDict(dict):
    pass


def wrong_calls(n):
    lst = [1]
    d = MyDict()
    for i in range(n):
        if i == 25:
            lst = MyList(lst)
        try:
            if i % 10 == 9:
                lst.append()
            if i % 10 == 8:
                d.get()
            if i % 10 == 7:
                lst.insert(1)
        except TypeError as e:
            print(i, e)
        lst.append(i)
    return len(lst)


print(wrong_calls(60))
print(wrong_calls(60))
try:
    MyList().append(1, 2)
except TypeError as e:
    print(e)
