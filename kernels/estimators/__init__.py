"""Estimator kernels (Hutchinson, minibatch gradient, forward gradient, dropout): their randomness is an argument,
never drawn inside.
"""
