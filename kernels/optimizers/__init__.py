"""Optimizer kernels, one file a family: EMA, SGD, RMSProp, Adam (with its fused CuPy kernel), Newton, CG.
"""
