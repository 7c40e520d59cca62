"""Key of ninjakx-nn-solver-numeric.md: the README's own network at its own numbers (input
(1, 2, -1, 1), the weights its substitutions give, logistic units, no biases), computed here in
float64.  Symbolic lines (net as the weighted sum, out as the logistic function of net, the weights'
values) are definitions; every numeric step is compared with the true value at the precision its
text shows.  The second hidden layer's sums are wrong (0.43 for 0.2422, 1 for 0.5646) while its
outputs are the true ones, and three logistic functions flip the exponent's sign."""

import math
from fractions import Fraction as Q

from evaluator import PA, PF, D, P, Setup

SETUP = Setup(depth=3, widths=(4, 2, 2, 1), samples=1, bias=False)
DIRECTIVE = "<!-- derivator: network=single letters=input:I,preactivation:net,activation:out -->"

sig = lambda x: 1 / (1 + math.exp(-x))
I = [1, 2, -1, 1]
# the first layer's sums in exact decimals (1.4 and 1.45 exactly: an exact identity's two sides are
# then the same float)
net_h11 = float(Q("0.5") * 1 + Q("0.4") * 2 + Q("0.1") * -1 + Q("0.2") * 1)
net_h12 = float(Q("0.65") * 1 + Q("0.15") * 2 + Q("0.2") * -1 + Q("0.7") * 1)
h11, h12 = sig(net_h11), sig(net_h12)
net_h21 = 0.1 * h11 + 0.2 * h12
net_h22 = 0.3 * h11 + 0.4 * h12
h21, h22 = sig(net_h21), sig(net_h22)
net_o1 = -0.25 * h21 + 0.5 * h22
o1 = sig(net_o1)
given = "the weights' values and the previous layer's outputs, given by substitution"

KEY = {
    (1, 0): D(None, why="net as the weighted sum"),
    (1, 1): D(None, why=given),
    (1, 2): P(lambda: (net_h11, 1.4)),
    (1, 3): D(None, why="the logistic unit"),
    (1, 4): P(lambda: (h11, 1 / (1 + math.exp(-1.4)))),
    (1, 5): P(lambda: (1 / (1 + math.exp(-1.4)), 0.802184)),
    (1, 6): D(None, why="net as the weighted sum"),
    (1, 7): D(None, why=given),
    (1, 8): P(lambda: (net_h12, 1.45)),
    (1, 9): D(None, why="the logistic unit"),
    (1, 10): P(lambda: (h12, 1 / (1 + math.exp(-1.45)))),
    (1, 11): PF(lambda: (1 / (1 + math.exp(-1.45)), 0.80998)),
    (2, 0): D(None, why="net as the weighted sum"),
    (2, 1): D(None, why=given),
    (2, 2): PF(lambda: (0.1 * 0.802184 + 0.2 * 0.80998, 0.43)),
    (2, 3): D(None, why="the logistic unit"),
    (2, 4): PF(lambda: (h21, 1 / (1 + math.exp(0.43)))),
    (2, 5): PF(lambda: (1 / (1 + math.exp(0.43)), 0.56026)),
    (2, 6): D(None, why="net as the weighted sum"),
    (2, 7): D(None, why=given),
    (2, 8): PF(lambda: (0.3 * 0.802184 + 0.4 * 0.80998, 1.0)),
    (2, 9): D(None, why="the logistic unit"),
    (2, 10): PF(lambda: (h22, 1 / (1 + math.exp(-1)))),
    (2, 11): PF(lambda: (1 / (1 + math.exp(-1)), 0.637529)),
    (3, 0): D(None, why="net as the weighted sum"),
    (3, 1): D(None, why=given),
    (3, 2): PA(lambda: (-0.25 * 0.56026 + 0.5 * 0.637529, 0.17)),
    (3, 3): D(None, why="the logistic unit"),
    (3, 4): PF(lambda: (o1, 1 / (1 + math.exp(0.17)))),
    (3, 5): PF(lambda: (1 / (1 + math.exp(0.17)), 0.544556)),
}
