"""The consistency rules, one module per family; each rule is registered in :mod:`kb.checks.registry`."""
