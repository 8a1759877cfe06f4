"""The bundle contract between `model_build` (writes bundles) and `service` (reads them).

Only the standard library and pydantic are imported here, so the serving image stays small.
"""

from bundle.checksums import open_verified, seal, sha256_of
from bundle.manifest import (
    MANIFEST_NAME,
    PIECES_MIN_WORDS,
    SCHEMA_VERSION,
    BundleError,
    CalibrationBin,
    CostBaseline,
    Manifest,
    ModelInfo,
    NormalRange,
    Routing,
    RoutingPoint,
    Score,
    StudentInfo,
    TeacherInfo,
    TestSetQuality,
    TokenizerInfo,
    TrainingData,
    TrainingRun,
    pieces_per_word,
    read_manifest,
    words_in,
    write_manifest,
)

__all__ = [
    "MANIFEST_NAME",
    "PIECES_MIN_WORDS",
    "SCHEMA_VERSION",
    "BundleError",
    "CalibrationBin",
    "CostBaseline",
    "Manifest",
    "ModelInfo",
    "NormalRange",
    "Routing",
    "RoutingPoint",
    "Score",
    "StudentInfo",
    "TeacherInfo",
    "TestSetQuality",
    "TokenizerInfo",
    "TrainingData",
    "TrainingRun",
    "open_verified",
    "pieces_per_word",
    "read_manifest",
    "seal",
    "sha256_of",
    "words_in",
    "write_manifest",
]
