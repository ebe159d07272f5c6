"""Estimators (Hutchinson, minibatch gradient) and the bias-variance derivations, each with the
derivations about it.
"""
