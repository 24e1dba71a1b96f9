"""Learning loop: labels from feedback, training pipeline, model registry and hot swap."""
