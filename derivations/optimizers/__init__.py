"""Update rules, one file a family (EMA, SGD, RMSProp, Adam, Newton, CG), each with the derivations
about it.
"""
