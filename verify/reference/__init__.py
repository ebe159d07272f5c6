"""What the answer should be and how far off it may be: references compiled from rules (float64 /
mpmath) and the rounding-error bound.
"""
