"""The machinery every derivation and rule is made of: proofs (claims and checked steps), rules
(elementwise and matrix, with their convention axes), estimators, the shared convention blocks, and
the link from a derivation to the rule it is about.
"""
