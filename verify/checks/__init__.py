"""Checks: elementwise rules (per step and trajectory), matrix rules (Newton, CG) and estimators
(exact enumeration and statistical).
"""
