"""Drift monitoring: the live model's inputs and scores against its training data, weekly."""
