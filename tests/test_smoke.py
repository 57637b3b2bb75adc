from autograd import Value


def test_chain_rule_on_a_product():
    a, b = Value(2.0), Value(-3.0)
    (a * b).backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)


def test_grad_inside_no_grad_still_differentiates():
    from autograd import grad, gradcheck, no_grad

    def f(x):
        return x * x * x

    with no_grad():
        assert grad(f)(2.0) == 12.0
    # gradcheck evaluates its finite differences under no_grad: grad(f) must still work there
    assert gradcheck(lambda x: grad(f)(x), 2.0)
