"""Key of tesserato-backprop-example.md: a 2-3-2 network without biases, hidden activation g
(softplus here) and output activation f (generic here: two different functions, as the file keeps
them apart), w_ab from input a to hidden unit b (the evaluator's W[1][b, a]), u_bc from hidden unit b
to output c (W[2][c, b]), E = ½ Σ_c (o_c - t_c)² of one example.  "∂f/∂u_11 (…)" in display 7 is
the author's f′ at the bracket (as the next step shows).  E* is a new cost of the hidden layer
alone (its own setup: one layer of g, targets t*)."""

from evaluator import D, Setup, T

SETUP = Setup(
    depth=2, widths=(2, 3, 2), acts=("softplus", "generic"), loss="mse", total="sum", bias=False
)
STAR = Setup(depth=1, widths=(2, 3), acts=("softplus",), loss="mse", total="sum", bias=False)
DIRECTIVE = (
    "<!-- derivator: cost=E cost-is=sample weights=from-to "
    "letters=input:i,activation:h,output:o,target:t,weight:w -->"
)

i = lambda N, k: N.a[0][:, k - 1]
h = lambda N, k: N.a[1][:, k - 1]
o = lambda N, k: N.a[2][:, k - 1]
t = lambda N, k: N.y[:, k - 1]
fp = lambda N, k: N.fprime(2)[:, k - 1]  # f' at output k's weighted sum
gp = lambda N, k: N.fprime(1)[:, k - 1]  # g' at hidden unit k's weighted sum
u = lambda N, b, c: N.W[2][c - 1, b - 1]
dE_du11 = lambda N: N.dLi_param(N.W[2])[:, 0, 0]
dE_dw11 = lambda N: N.dLi_param(N.W[1])[:, 0, 0]
du11 = lambda N: h(N, 1) * (o(N, 1) - t(N, 1)) * fp(N, 1)
dw11 = lambda N: (
    (o(N, 1) - t(N, 1)) * fp(N, 1) * u(N, 1, 1) * i(N, 1) * gp(N, 1)
    + (o(N, 2) - t(N, 2)) * fp(N, 2) * u(N, 1, 2) * i(N, 1) * gp(N, 1)
)
star = lambda N: N.dLi_param(N.W[1])[:, 0, 0]
star_rhs = lambda N: i(N, 1) * (h(N, 1) - t(N, 1)) * gp(N, 1)

KEY = {
    **{(k, 0): D(lambda N, k=k: (h(N, k), N.f[1](N.a[0] @ N.W[1].T)[:, k - 1])) for k in (1, 2, 3)},
    **{
        (3 + k, 0): D(lambda N, k=k: (o(N, k), N.f[2](N.a[1] @ N.W[2].T)[:, k - 1])) for k in (1, 2)
    },
    (6, 0): D(lambda N: (N.Li, 0.5 * ((o(N, 1) - t(N, 1)) ** 2 + (o(N, 2) - t(N, 2)) ** 2))),
    **{(7, k): T(lambda N: (dE_du11(N), du11(N))) for k in range(5)},
    **{(8, k): T(lambda N: (dE_dw11(N), dw11(N))) for k in range(7)},
    (9, 0): T(lambda N: (dE_du11(N), du11(N))),
    (9, 1): T(lambda N: (dE_dw11(N), dw11(N))),
    (10, 0): D(lambda N: (N.Li, 0.5 * ((N.a[1] - N.y) ** 2).sum(1)), setup=STAR),
    **{(11, k): T(lambda N: (star(N), star_rhs(N)), setup=STAR) for k in range(4)},
    (12, 0): D(lambda N: (h(N, 1) - t(N, 1), h(N, 1) - t(N, 1)), setup=STAR),
}
