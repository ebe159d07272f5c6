"""Hypothesis strategies: arrays, hyperparameters and gradient streams for elementwise rules; drawn
objectives (quadratics, logistic regression) with their oracle for matrix rules.
"""
