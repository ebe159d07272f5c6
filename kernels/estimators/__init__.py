"""Estimator kernels (Hutchinson, minibatch gradient): their randomness is an argument, never drawn inside.
"""
