"""True relations of backpropagation, as ``ir`` trees: the seeds of the mutation suite.

Written from the definitions (notation.md), not from derivator's output: every template is
checked true by our own evaluator (test_mutation.py).  Letters follow the article's habit:
i samples; j, k, m, t the layers L, L-1, L-2, L-3; j, k, m the layers l+1, l, l-1.
"""

from __future__ import annotations

from .ir import (
    Add,
    D,
    Fn,
    Frac,
    Had,
    M,
    MatMul,
    Mul,
    Pow,
    Q,
    Rel,
    Row,
    Size,
    Sum,
    T,
    Tag,
    half,
    mean_of,
    neg,
    num,
    sub,
)

L0, L1, L2, L3 = Tag("L"), Tag("L", -1), Tag("L", -2), Tag("L", -3)
lp, l0, lm = Tag("l", 1), Tag("l"), Tag("l", -1)


def letters(ix: str) -> tuple[str, ...]:
    """ "ij'" → ("i", "j'"): one letter per index, primes stay with their letter."""
    out: list[str] = []
    for ch in ix:
        if ch == "'":
            out[-1] += ch
        else:
            out.append(ch)
    return tuple(out)


def a(ix: str, t: Tag) -> Q:
    return Q("a", t, letters(ix))


def z(ix: str, t: Tag) -> Q:
    return Q("z", t, letters(ix))


def w(ix: str, t: Tag) -> Q:
    return Q("w", t, letters(ix))


def b(ix: str, t: Tag) -> Q:
    return Q("b", t, letters(ix))


def d(ix: str, t: Tag) -> Q:
    return Q("delta", t, letters(ix))


def y(ix: str) -> Q:
    return Q("y", None, letters(ix))


def Li(ix: str = "i") -> Q:
    return Q("Li", None, letters(ix))


LOSS = Q("L", None)


def sp(x: Q) -> Fn:
    return Fn("sigmap", x)


def over(var: str, t: Tag, body: object) -> Sum:
    """Σ over the neurons of layer t, 0-based, as derivator prints it."""
    return Sum(var, body, Size(t))  # type: ignore[arg-type]


def err(ix: str = "ij") -> Add:
    return sub(a(ix, L0), y(ix))


def ce_delta(ix: str = "ij") -> Add:
    """δ at a softmax output with cross-entropy: a_ij Σ_j' y_ij' − y_ij (targets need not sum to 1)."""
    return sub(Mul((a(ix, L0), over("j'", L0, Q("y", None, (ix[0], "j'"))))), y(ix))


def sig_form(x: Q) -> Mul:
    return Mul((x, sub(num(1), x)))


def tanh_form(x: Q) -> Add:
    return sub(num(1), Pow(x, 2))


def chain3(num_: Q, mid_a: Q, mid_z: Q, den: Q) -> Mul:
    return Mul((D(num_, mid_a), D(mid_a, mid_z), D(mid_z, den)))


def _templates() -> dict[str, Rel]:
    t: dict[str, Rel] = {}
    dLdw = D(LOSS, w("jk", L0))
    dLdb = D(LOSS, b("j", L0))
    # ---- output layer L, MSE
    t["dw_L_chain"] = Rel(dLdw, mean_of(chain3(Li(), a("ij", L0), z("ij", L0), w("jk", L0))))
    t["dw_L_delta"] = Rel(dLdw, mean_of(Mul((d("ij", L0), a("ik", L1)))))
    for act in ("sigmoid", "tanh", "generic"):
        t[f"dw_L_closed_{act}"] = Rel(
            dLdw, mean_of(Mul((err(), sp(z("ij", L0)), a("ik", L1)))), activation=act
        )
    t["db_L_chain"] = Rel(dLdb, mean_of(chain3(Li(), a("ij", L0), z("ij", L0), b("j", L0))))
    t["db_L_closed"] = Rel(dLdb, mean_of(Mul((err(), sp(z("ij", L0))))), activation="tanh")
    t["dLi_da_L"] = Rel(D(Li(), a("ij", L0)), err())
    t["delta_L_chain"] = Rel(d("ij", L0), Mul((D(Li(), a("ij", L0)), D(a("ij", L0), z("ij", L0)))))
    t["delta_L_closed"] = Rel(d("ij", L0), Mul((err(), sp(z("ij", L0)))), activation="generic")
    t["delta_L_sigmoid_a"] = Rel(d("ij", L0), Mul((err(), sig_form(a("ij", L0)))))
    t["delta_L_tanh_a"] = Rel(d("ij", L0), Mul((err(), tanh_form(a("ij", L0)))), activation="tanh")
    # ---- layer L-1
    t["dw_L1_chain"] = Rel(
        D(LOSS, w("km", L1)), mean_of(chain3(Li(), a("ik", L1), z("ik", L1), w("km", L1)))
    )
    t["dw_L1_delta"] = Rel(
        D(LOSS, w("km", L1)), mean_of(Mul((d("ik", L1), a("im", L2)))), activation="tanh"
    )
    upstream = Mul((err(), sp(z("ij", L0)), w("jk", L0)))
    t["dw_L1_closed"] = Rel(
        D(LOSS, w("km", L1)),
        mean_of(
            over("j", L0, Mul((err(), sp(z("ij", L0)), w("jk", L0), sp(z("ik", L1)), a("im", L2))))
        ),
    )
    t["db_L1_closed"] = Rel(
        D(LOSS, b("k", L1)),
        mean_of(Mul((sp(z("ik", L1)), over("j", L0, upstream)))),
        activation="generic",
    )
    t["dLi_da_L1_chain"] = Rel(
        D(Li(), a("ik", L1)), over("j", L0, chain3(Li(), a("ij", L0), z("ij", L0), a("ik", L1)))
    )
    t["dLi_da_L1_delta"] = Rel(D(Li(), a("ik", L1)), over("j", L0, Mul((d("ij", L0), w("jk", L0)))))
    t["dLi_da_L1_closed"] = Rel(D(Li(), a("ik", L1)), over("j", L0, upstream), activation="tanh")
    t["delta_L1_chain"] = Rel(d("ik", L1), Mul((D(Li(), a("ik", L1)), D(a("ik", L1), z("ik", L1)))))
    t["delta_L1_delta"] = Rel(
        d("ik", L1), Mul((sp(z("ik", L1)), over("j", L0, Mul((d("ij", L0), w("jk", L0))))))
    )
    for act in ("sigmoid", "tanh", "generic"):
        t[f"delta_L1_closed_{act}"] = Rel(
            d("ik", L1), Mul((sp(z("ik", L1)), over("j", L0, upstream))), activation=act
        )
    # ---- layer L-2
    t["dw_L2_delta"] = Rel(D(LOSS, w("mt", L2)), mean_of(Mul((d("im", L2), a("it", L3)))))
    t["delta_L2_delta"] = Rel(
        d("im", L2), Mul((sp(z("im", L2)), over("k", L1, Mul((d("ik", L1), w("km", L1))))))
    )
    deep = Mul(
        (
            sp(z("im", L2)),
            over("k", L1, Mul((w("km", L1), sp(z("ik", L1)), over("j", L0, upstream)))),
        )
    )
    t["delta_L2_closed"] = Rel(d("im", L2), deep, activation="tanh")
    t["dLi_da_L2_delta"] = Rel(
        D(Li(), a("im", L2)), over("k", L1, Mul((d("ik", L1), w("km", L1)))), activation="generic"
    )
    t["db_L2_closed"] = Rel(D(LOSS, b("m", L2)), mean_of(deep))
    # ---- the generic layer l
    t["dw_l_chain"] = Rel(
        D(LOSS, w("km", l0)), mean_of(chain3(Li(), a("ik", l0), z("ik", l0), w("km", l0)))
    )
    t["dw_l_delta"] = Rel(
        D(LOSS, w("km", l0)), mean_of(Mul((d("ik", l0), a("im", lm)))), activation="generic"
    )
    t["db_l_delta"] = Rel(D(LOSS, b("k", l0)), mean_of(d("ik", l0)), activation="tanh")
    t["dLi_da_l_chain"] = Rel(
        D(Li(), a("ik", l0)),
        over("j", lp, Mul((D(Li(), z("ij", lp)), D(z("ij", lp), a("ik", l0))))),
    )
    t["dLi_da_l_delta"] = Rel(D(Li(), a("ik", l0)), over("j", lp, Mul((d("ij", lp), w("jk", lp)))))
    t["delta_l_chain"] = Rel(
        d("ik", l0), Mul((D(Li(), a("ik", l0)), D(a("ik", l0), z("ik", l0)))), activation="tanh"
    )
    back = over("j", lp, Mul((d("ij", lp), w("jk", lp))))
    for act in ("sigmoid", "generic"):
        t[f"delta_l_delta_{act}"] = Rel(d("ik", l0), Mul((sp(z("ik", l0)), back)), activation=act)
    t["sigma_form_l"] = Rel(sp(z("ik", l0)), sig_form(a("ik", l0)))
    # ---- definitions and single steps
    t["mean_loss"] = Rel(LOSS, mean_of(Li()))
    t["loss_i"] = Rel(Li(), Mul((half(), over("j", L0, Pow(err(), 2)))))
    t["z_def"] = Rel(z("ij", L0), Add((over("k", L1, Mul((w("jk", L0), a("ik", L1)))), b("j", L0))))
    t["a_def_tanh"] = Rel(a("ik", L1), Fn("sigma", z("ik", L1)), activation="tanh")
    t["dadz_hidden"] = Rel(D(a("ik", L1), z("ik", L1)), sp(z("ik", L1)))
    t["sigma_form_hidden"] = Rel(sp(z("ik", L1)), sig_form(a("ik", L1)))
    t["tanh_form_out"] = Rel(sp(z("ij", L0)), tanh_form(a("ij", L0)), activation="tanh")
    t["explicit_partial"] = Rel(
        D(Mul((half(), over("j'", L0, Pow(sub(a("ij'", L0), y("ij'")), 2)))), z("ij", L0)),
        Mul((err(), sp(z("ij", L0)))),
    )
    # ---- softmax + cross-entropy (a sigmoid or tanh hidden layer)
    ce = {"loss": "cross-entropy"}
    t["ce_dLi_da"] = Rel(D(Li(), a("ij", L0)), neg(Frac(y("ij"), a("ij", L0))), **ce)
    t["ce_delta_L"] = Rel(d("ij", L0), ce_delta(), **ce)
    t["ce_dw_L"] = Rel(dLdw, mean_of(Mul((ce_delta(), a("ik", L1)))), **ce)
    t["ce_db_L"] = Rel(dLdb, mean_of(ce_delta()), activation="tanh", **ce)
    t["ce_delta_L1"] = Rel(
        d("ik", L1), Mul((sp(z("ik", L1)), over("j", L0, Mul((d("ij", L0), w("jk", L0)))))), **ce
    )
    t["ce_delta_L1_closed"] = Rel(
        d("ik", L1),
        Mul((sp(z("ik", L1)), over("j", L0, Mul((ce_delta(), w("jk", L0)))))),
        activation="tanh",
        **ce,
    )
    t["ce_sigma_form_hidden"] = Rel(sp(z("ik", L1)), sig_form(a("ik", L1)), **ce)
    t["ce_loss_i"] = Rel(Li(), neg(over("j", L0, Mul((y("ij"), Fn("ln", a("ij", L0)))))), **ce)
    t["ce_softmax"] = Rel(
        a("ij", L0), Frac(Fn("exp", z("ij", L0)), over("j'", L0, Fn("exp", z("ij'", L0)))), **ce
    )
    t["ce_dadz_hidden"] = Rel(D(a("ik", L1), z("ik", L1)), sp(z("ik", L1)), activation="tanh", **ce)
    t["ce_dw_L1_delta"] = Rel(
        D(LOSS, w("km", L1)), mean_of(Mul((d("ik", L1), a("im", L2)))), activation="tanh", **ce
    )
    # ---- binary cross-entropy: sigmoid outputs (under sigmoid or tanh hidden units)
    bce = {"loss": "binary-cross-entropy"}
    under_tanh = {"activation": "tanh", "output_activation": "sigmoid", **bce}
    t["bce_delta_L"] = Rel(d("ij", L0), err(), **bce)
    t["bce_dLi_da"] = Rel(D(Li(), a("ij", L0)), Frac(err(), sig_form(a("ij", L0))), **bce)
    t["bce_dw_L"] = Rel(dLdw, mean_of(Mul((err(), a("ik", L1)))), **under_tanh)
    t["bce_db_L"] = Rel(dLdb, mean_of(err()), **bce)
    t["bce_delta_L1_closed"] = Rel(
        d("ik", L1),
        Mul((tanh_form(a("ik", L1)), over("j", L0, Mul((err(), w("jk", L0)))))),
        **under_tanh,
    )
    t["bce_loss_i"] = Rel(
        Li(),
        neg(
            over(
                "j",
                L0,
                Add(
                    (
                        Mul((y("ij"), Fn("ln", a("ij", L0)))),
                        Mul((sub(num(1), y("ij")), Fn("ln", sub(num(1), a("ij", L0))))),
                    )
                ),
            )
        ),
        **bce,
    )
    # ---- an output activation of its own: linear outputs under tanh, tanh outputs under sigmoid
    linear = {"activation": "tanh", "output_activation": "identity"}
    t["linear_delta_L"] = Rel(d("ij", L0), err(), **linear)
    t["linear_a_def"] = Rel(a("ij", L0), z("ij", L0), **linear)
    t["linear_delta_L1"] = Rel(
        d("ik", L1), Mul((sp(z("ik", L1)), over("j", L0, Mul((err(), w("jk", L0)))))), **linear
    )
    t["linear_dw_L1_closed"] = Rel(
        D(LOSS, w("km", L1)),
        mean_of(over("j", L0, Mul((err(), w("jk", L0), tanh_form(a("ik", L1)), a("im", L2))))),
        **linear,
    )
    tanh_out = {"activation": "sigmoid", "output_activation": "tanh"}
    t["tanh_out_delta_L"] = Rel(d("ij", L0), Mul((err(), tanh_form(a("ij", L0)))), **tanh_out)
    t["tanh_out_delta_L1"] = Rel(
        d("ik", L1),
        Mul((sig_form(a("ik", L1)), over("j", L0, Mul((d("ij", L0), w("jk", L0)))))),
        **tanh_out,
    )
    # ---- one neuron per layer
    one = {"network": "single"}

    def s(kind: str, t_: Tag, ix: str = "i") -> Q:
        return Q(kind, t_, letters(ix))

    serr = sub(s("a", L0), Q("y", None, ("i",)))
    t["single_dw_L2_closed"] = Rel(
        D(LOSS, s("w", L2, "")),
        Mul(
            (
                Frac(num(1), Size()),
                s("w", L0, ""),
                s("w", L1, ""),
                Sum(
                    "i",
                    Mul((serr, sp(s("z", L0)), sp(s("z", L1)), sp(s("z", L2)), s("a", L3))),
                    Size(),
                ),
            )
        ),
        **one,
    )
    t["single_delta_L2_closed"] = Rel(
        s("delta", L2),
        Mul((serr, sp(s("z", L0)), s("w", L0, ""), sp(s("z", L1)), s("w", L1, ""), sp(s("z", L2)))),
        activation="tanh",
        **one,
    )
    t["single_dLi_da_L2_chain"] = Rel(
        D(Li(), s("a", L2)), chain3(Li(), s("a", L1), s("z", L1), s("a", L2)), **one
    )
    t["single_db_L"] = Rel(
        D(LOSS, s("b", L0, "")), mean_of(Mul((serr, sp(s("z", L0))))), activation="generic", **one
    )
    t["single_ce_delta"] = Rel(
        s("delta", L0),
        Mul((sub(Frac(num(1), s("a", L0)), num(1)), Q("y", None, ("i",)))),
        loss="cross-entropy",
        **one,
    )
    t["single_dw_L_tanh"] = Rel(
        D(LOSS, s("w", L0, "")),
        mean_of(Mul((serr, tanh_form(s("a", L0)), s("a", L1)))),
        activation="tanh",
        **one,
    )
    # ---- matrix forms (as `derivator formulas --form matrix` prints them)
    t["mat_gradW_L"] = Rel(
        M("gradW", L0), Mul((Frac(num(1), Size()), MatMul(T(M("Delta", L0)), M("A", L1))))
    )
    t["mat_gradW_L1"] = Rel(
        M("gradW", L1),
        Mul((Frac(num(1), Size()), MatMul(T(M("Delta", L1)), M("A", L2)))),
        activation="tanh",
    )
    t["mat_gradB_L1"] = Rel(
        M("gradB", L1), Mul((Frac(num(1), Size()), Sum("i", Row("i", M("Delta", L1)))))
    )
    t["mat_dLdA_L1"] = Rel(M("dLdA", L1), MatMul(M("Delta", L0), M("W", L0)))
    t["mat_Delta_L1"] = Rel(
        M("Delta", L1), Had(MatMul(M("Delta", L0), M("W", L0)), Fn("sigmap", M("Z", L1)))
    )  # type: ignore[arg-type]
    t["mat_Delta_L"] = Rel(
        M("Delta", L0),
        Had(sub(M("A", L0), M("Y")), Fn("sigmap", M("Z", L0))),  # type: ignore[arg-type]
        activation="generic",
    )
    t["mat_gradW_l"] = Rel(
        M("gradW", l0), Mul((Frac(num(1), Size()), MatMul(T(M("Delta", l0)), M("A", lm))))
    )
    t["mat_Delta_l"] = Rel(
        M("Delta", l0), Had(MatMul(M("Delta", lp), M("W", lp)), Fn("sigmap", M("Z", l0)))
    )  # type: ignore[arg-type]
    t["mat_ce_Delta_L"] = Rel(
        M("Delta", L0), sub(Had(M("A", L0), MatMul(M("Y"), M("ones"))), M("Y")), **ce
    )
    t["mat_ce_dLdA_L"] = Rel(M("dLdA", L0), neg(Had(M("Y"), M("A", L0), "oslash")), **ce)
    t["mat_dLdA_L"] = Rel(M("dLdA", L0), sub(M("A", L0), M("Y")))
    return t


TEMPLATES: dict[str, Rel] = _templates()
