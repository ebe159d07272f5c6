"""Everything that can be checked, seen through one protocol: our kernels (``ours``), other
frameworks (``frameworks``), and the convention fingerprint and crosscheck built on them.
"""
