"""Estimators (Hutchinson, minibatch gradient, forward gradient, dropout) and the bias-variance derivations,
each with the derivations about it.
"""
