"""The pipeline steps, in order; each is `run(config, work, force) -> Artifact`."""

STEP_NAMES = (
    "prepare", "distill", "vocab", "train", "shortlist", "convert", "evaluate", "bundle",
)  # fmt: skip
