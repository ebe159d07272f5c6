"""Plumbing every check shares: option validation, dtypes, and the deadline on a call.
"""
