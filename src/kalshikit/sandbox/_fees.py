"""Kalshi's fees live in :mod:`kalshikit.fees`; this name stays until the sandbox's layout moves."""

from kalshikit.fees import MICRO_PER_CENT, FeeSchedule, cents_ceil_micro, fee_bound, fee_units

__all__ = ["MICRO_PER_CENT", "FeeSchedule", "cents_ceil_micro", "fee_bound", "fee_units"]
