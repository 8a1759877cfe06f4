"""The pipeline steps, in order; each is `run(config, work, force) -> Artifact`."""

STEP_NAMES = ("prepare", "distill", "vocab", "train", "convert", "evaluate", "bundle")
