"""The mutation suite (a package so that its modules import each other).

``ir`` a tiny expression language with a LaTeX printer, ``evaluate`` our own truth (PyTorch),
``templates`` true relations, ``operators`` the rewrites into mutants, ``test_mutation`` the
driver: the only module that calls derivator.
"""
