"""What every kernel shares: IEEE arithmetic helpers, argument validation, and the convention blocks
(weight decay, learning-rate position).
"""
